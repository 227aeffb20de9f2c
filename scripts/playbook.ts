import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { AnyPlaybook, builtinContractPlaybooks, builtinPlaybooks, PlaybookId } from '../playbooks';
import { lifecycleOf } from '../playbooks/diagram';
import { playbookSvg } from '../playbooks/diagram-svg';
import { formatProblems, playbookProblems } from '../playbooks/problems';
import { fromRoot } from './runtime/paths';

/**
 * `npm run playbook:new` and `npm run playbook:check` (or `npm run playbook -- <command>`): tools
 * for playbook authors (README › Add a trade).
 *
 *   new <id> --from <built-in> [--dir playbooks/tenant] [--tests test/playbooks]
 *       writes <dir>/<id>.json, a copy of the built-in to edit, and <tests>/<id>.test.ts, which
 *       `npm test` runs: the playbook is valid and draws every stage of its lifecycle.
 *   check <file> [--svg <out.svg>]
 *       validates a playbook file: every problem names the field and the fix; exits 1 on any.
 *       --svg also draws its lifecycle.
 */
export async function playbookCommand(args: string[]): Promise<{ code: number; output: string }> {
  const [command, ...rest] = args;
  const option = (name: string) => {
    const at = rest.indexOf(`--${name}`);
    return at === -1 ? undefined : rest[at + 1];
  };
  const positional = rest.filter((a, i) => !a.startsWith('--') && !rest[i - 1]?.startsWith('--'));
  if (command === 'new') return scaffold(positional[0], option('from'), option('dir') ?? 'playbooks/tenant', option('tests') ?? 'test/playbooks');
  if (command === 'check') return check(positional[0], option('svg'));
  return { code: 2, output: 'usage: npm run playbook -- new <id> --from <built-in>  |  npm run playbook -- check <file> [--svg out.svg]' };
}

const builtins = () => [...builtinPlaybooks, ...builtinContractPlaybooks];

function scaffold(id: string | undefined, from: string | undefined, dir: string, tests: string): { code: number; output: string } {
  if (!id || !PlaybookId.safeParse(id).success) return { code: 2, output: `give the new playbook an id of lower-case letters, digits and "-" (e.g. acme-plumbing)${id ? `; "${id}" is not one` : ''}` };
  const base = builtins().find((p) => p.id === from);
  if (!base) return { code: 2, output: `--from names the built-in to start from: one of ${builtins().map((p) => p.id).join(', ')}` };
  if (builtins().some((p) => p.id === id)) return { code: 2, output: `"${id}" is a built-in's id; a tenant playbook with it would be a new version of the built-in. Pick an id of your own.` };
  const file = resolve(fromRoot('.'), dir, `${id}.json`);
  const testFile = resolve(fromRoot('.'), tests, `${id}.test.ts`);
  for (const f of [file, testFile]) if (existsSync(f)) return { code: 1, output: `${relative(process.cwd(), f)} exists; not overwritten` };

  const name = id.split('-').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');
  const definition = { ...base.definition, id, name, description: `${name}: started from the built-in "${base.id}" playbook.` };
  mkdirSync(dirname(file), { recursive: true });
  mkdirSync(dirname(testFile), { recursive: true });
  writeFileSync(file, `${JSON.stringify(definition, null, 2)}\n`);
  writeFileSync(testFile, testSource(id, relative(dirname(testFile), file), relative(dirname(testFile), fromRoot('.'))));
  return {
    code: 0,
    output: [
      `wrote ${relative(process.cwd(), file)} (from "${base.id}") and ${relative(process.cwd(), testFile)}`,
      `next: edit it, then  npm run playbook -- check ${relative(process.cwd(), file)} --svg ${id}.svg`,
      `register it:  curl -X POST localhost:3000/v1/playbooks -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' --data @${relative(process.cwd(), file)}`,
    ].join('\n'),
  };
}

function testSource(id: string, playbookPath: string, rootPath: string): string {
  const root = rootPath.split('\\').join('/') || '.';
  return `import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnyPlaybook } from '${root}/playbooks';
import { formatProblems, playbookProblems, unreachableStages } from '${root}/playbooks/problems';

// Scaffolded by \`npm run playbook -- new ${id}\`: keeps the playbook valid as it is edited.
const file = new URL('${playbookPath.split('\\').join('/')}', import.meta.url);
const playbook: unknown = JSON.parse(readFileSync(file, 'utf8'));

describe('playbook ${id}', () => {
  it('is valid: every problem would name its field and the fix', () => {
    expect(formatProblems(playbookProblems(playbook))).toBe('');
  });

  it('reaches every stage of its lifecycle from the start', () => {
    expect(unreachableStages(AnyPlaybook.parse(playbook))).toEqual([]);
  });
});
`;
}

async function check(path: string | undefined, svg: string | undefined): Promise<{ code: number; output: string }> {
  if (!path) return { code: 2, output: 'usage: npm run playbook -- check <file> [--svg out.svg]' };
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return { code: 1, output: `${path}: not readable JSON: ${(error as Error).message}` };
  }
  const problems = playbookProblems(input);
  if (problems.length) return { code: 1, output: `${path}: ${problems.length} problem${problems.length > 1 ? 's' : ''}\n${formatProblems(problems)}` };
  const playbook = AnyPlaybook.parse(input);
  const lines = [`${path}: a valid ${playbook.kind} playbook, "${playbook.name}" (${playbook.id}), ${lifecycleOf(playbook).transitions.length} transitions`];
  if (svg) {
    writeFileSync(svg, await playbookSvg(playbook));
    lines.push(`drew its lifecycle in ${svg}`);
  }
  return { code: 0, output: lines.join('\n') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { code, output } = await playbookCommand(process.argv.slice(2));
  (code === 0 ? console.log : console.error)(output);
  process.exit(code);
}

