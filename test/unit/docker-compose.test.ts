import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig, requireSecretKeys } from '../../scripts/runtime/config';
import { searchAttributeCliArgs } from '../../scripts/runtime/search-attributes';
import { TEMPORAL_DATABASES, TEMPORAL_SERVER_VERSION, temporalServerEnvironment } from '../../scripts/runtime/temporal-server';

/**
 * docker-compose.yml is for users with Docker; no engine runs in CI, so this keeps the file
 * honest against the code instead: the search attributes it registers, the variables it sets and
 * the npm scripts it runs are the ones Revloop has, and its Temporal server is the one
 * `npm run cluster` runs (version, environment, dynamic config, schema steps).
 */
const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

/** The lines of a block that starts at `header` (exact line) and ends before the next line indented no deeper. */
function block(header: string): string[] {
  const lines = compose.split('\n');
  const start = lines.indexOf(header);
  expect(start, `docker-compose.yml has no "${header}"`).toBeGreaterThanOrEqual(0);
  const depth = header.length - header.trimStart().length;
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() && line.length - line.trimStart().length <= depth) break;
    body.push(line);
  }
  return body;
}

/** `NAME: value` pairs at the first indentation inside a block, comments and merges left out. */
function variables(lines: string[]): Record<string, string> {
  return Object.fromEntries(lines.flatMap((l) => [...l.matchAll(/^\s+([A-Z][A-Z0-9_]*): (.*)$/g)].map((m) => [m[1]!, m[2]!.trim()])));
}

describe('docker-compose.yml', () => {
  it('registers exactly the search attributes the workflows upsert, with their types', () => {
    const loop = compose.match(/for sa in ([^;]+); do/);
    expect(loop).not.toBeNull();
    const registered = loop![1]!.trim().split(/\s+/).sort();
    const expected = searchAttributeCliArgs().filter((a) => a !== '--search-attribute').sort();
    expect(registered).toEqual(expected);
  });

  it('sets only variables Revloop reads, and a configuration that loads', () => {
    const shared = variables(block('x-revloop-env: &revloop-env'));
    for (const service of ['worker', 'api', 'migrate']) {
      const own = variables(block(`  ${service}:`));
      const env = { ...shared, ...own };
      for (const name of Object.keys(env)) expect(configVariables, `${service} sets ${name}`).toContain(name);
      // `${VAR:-default}` is what compose substitutes when the user sets nothing; `${VAR:?…}` must be set.
      const substituted = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1').replace(/^\$\{[A-Z_]+:\?.*\}$/, 'a-secret-the-user-sets-of-at-least-32-characters')]),
      );
      expect(() => loadConfig(substituted), service).not.toThrow();
      expect(() => requireSecretKeys(loadConfig(substituted)), service).not.toThrow();
    }
  });

  it('requires the server key instead of shipping one', () => {
    expect(variables(block('x-revloop-env: &revloop-env')).REVLOOP_SECRET_KEY).toMatch(/^\$\{REVLOOP_SECRET_KEY:\?/);
  });

  it('publishes Temporal and its UI, which have no authentication, on loopback only', () => {
    const published = [...compose.matchAll(/^\s+- "([^"]+)"$/gm)].map((m) => m[1]!).filter((p) => /^[\d.:]+$/.test(p));
    expect(published.sort()).toEqual(['127.0.0.1:7233:7233', '127.0.0.1:8233:8080', '3000:3000']);
    expect(variables(block('  api:')).HOST).toBe('0.0.0.0');
  });

  it('runs npm scripts that exist', () => {
    const commands = [...compose.matchAll(/command: \["npm", "run", "([^"]+)"\]/g)].map((m) => m[1]!);
    expect(commands.sort()).toEqual(['api', 'db:migrate', 'worker']);
    for (const script of commands) expect(Object.keys(packageJson.scripts)).toContain(script);
  });

  it('runs the Temporal server `npm run cluster` runs: its version, its variables, its dynamic config, its schema steps', () => {
    const images = [...compose.matchAll(/image: (temporalio\/(?:server|admin-tools)):(\S+)/g)].map((m) => [m[1], m[2]]);
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const [, tag] of images) expect(tag).toBe(TEMPORAL_SERVER_VERSION);

    const temporal = block('  temporal:');
    const env = variables(temporal);
    const { DYNAMIC_CONFIG_FILE_PATH: dynamicConfig, ...persistence } = env;
    expect(persistence).toEqual(temporalServerEnvironment({ host: 'postgres', port: 5432, user: 'revloop', password: 'revloop' }));
    expect(temporal).toContain(`      - ./deploy/temporal/dynamicconfig.yaml:${dynamicConfig}:ro`);

    const schemaSteps = block('  temporal-schema:').join(' ').match(/for pair in ([^;]+); do/);
    expect(schemaSteps![1]!.trim().split(/\s+/)).toEqual(TEMPORAL_DATABASES.map((d) => `${d.database}=${d.schema}`));
  });
});
