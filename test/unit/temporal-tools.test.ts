import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveTemporalTool } from '../../scripts/runtime/temporal-tools';

describe('Temporal tools resolver', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('prefers the environment override to everything else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'revloop-tools-'));
    const fake = join(dir, 'temporal');
    writeFileSync(fake, '#!/bin/sh\n');
    chmodSync(fake, 0o755);
    process.env.TEMPORAL_CLI_PATH = fake;
    expect(resolveTemporalTool('cli', { install: false })).toEqual({ source: 'env', executable: { type: 'existing-path', path: fake }, path: fake });
  });

  it('refuses an override that is not an executable', () => {
    process.env.TEMPORAL_TEST_SERVER_PATH = '/nonexistent/temporal-test-server';
    expect(() => resolveTemporalTool('testServer', { install: false })).toThrow(/not an executable/);
  });

  it('uses the project venv the test run itself depends on', () => {
    delete process.env.TEMPORAL_CLI_PATH;
    const resolved = resolveTemporalTool('cli', { install: false });
    expect(resolved.source).toBe('venv');
    expect(resolved.path).toMatch(/\.tools\/venv\/bin\/temporal$/);
  });
});
