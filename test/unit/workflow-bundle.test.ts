import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { fromRoot } from '../../scripts/runtime/paths';

/**
 * Every cached workflow gets its own copy of the bundle's modules in the worker's sandbox, so what
 * the bundle holds is memory per relationship. Workflows run the Temporal SDK and Revloop's own
 * pure code only: a schema library (zod alone was 451 KB, half of a cached workflow's cost), a
 * database driver or a logger pulled in by an import is a regression this test names.
 */
const ALLOWED_PACKAGES = ['@temporalio/common', '@temporalio/workflow', 'nexus-rpc', 'long', 'ms'];
const NEVER = ['zod', 'yup', 'joi', 'valibot', 'ajv', 'superstruct', 'io-ts', 'arktype', 'drizzle-orm', 'postgres', 'pino', 'express'];

function bundledPackages(code: string): Set<string> {
  const packages = new Set<string>();
  for (const match of code.matchAll(/"\.\/node_modules\/((?:@[^/"]+\/)?[^/"]+)\//g)) packages.add(match[1]!);
  return packages;
}

function bundledSourceFiles(code: string): string[] {
  return [...new Set([...code.matchAll(/"\.\/((?:domain|workflows)\/[^"]+\.ts)"/g)].map((m) => m[1]!))].sort();
}

/**
 * Module-level state that can change: shared by every workflow in a worker since workflow code is
 * preloaded once (workflowBundlerOptions), so one customer's run could see another's. Caches of
 * pure results (an Intl formatter per time zone) are the only exception, and are named here.
 */
const SHARED_CACHES = ['domain/local-time.ts: formatters', 'domain/local-time.ts: displayFormatters'];

function mutableModuleState(file: string, source: string): string[] {
  const found: string[] = [];
  for (const line of source.split('\n')) {
    const binding = /^(?:export )?(let|var) (\w+)/.exec(line);
    if (binding) found.push(`${file}: ${binding[2]} (${binding[1]})`);
    const container = /^(?:export )?const (\w+)(?::[^=]+)? = (?:new (?:Map|Set|WeakMap|WeakSet)\b|\[\])/.exec(line);
    if (container) found.push(`${file}: ${container[1]}`);
    const field = /^\s+static (?!readonly)(\w+)\s*[=:]/.exec(line);
    if (field) found.push(`${file}: static ${field[1]}`);
  }
  return found;
}

function bundledSourceFolders(code: string): Set<string> {
  const folders = new Set<string>();
  for (const match of code.matchAll(/"\.\/(domain|workflows|playbooks|activities|api|db|scripts)\//g)) folders.add(match[1]!);
  return folders;
}

describe('the workflow bundle', () => {
  const code = readFileSync(inject('workflowBundlePath'), 'utf8');

  it('holds the Temporal SDK and nothing else from node_modules', () => {
    const packages = [...bundledPackages(code)].sort();
    expect(packages).toContain('@temporalio/workflow');
    expect(packages.filter((p) => !ALLOWED_PACKAGES.includes(p))).toEqual([]);
    expect(packages.filter((p) => NEVER.includes(p))).toEqual([]);
  });

  it('holds workflow and domain code, never the API, activities, database or playbook schemas', () => {
    expect([...bundledSourceFolders(code)].sort()).toEqual(['domain', 'workflows']);
  });

  it('loads workflow code once for every workflow, so it keeps no state at module level', () => {
    // The SDK's preload list: workflows/index.ts and all it imports are evaluated before any workflow.
    expect(code).toMatch(/function preloadModules\(\) \{\s*__webpack_require__\([^)]*"\.\/workflows\/index\.ts"\)/);
    const files = bundledSourceFiles(code);
    expect(files).toContain('workflows/customer/index.ts');
    const state = files.flatMap((file) => mutableModuleState(file, readFileSync(fromRoot(file), 'utf8')));
    expect(state.filter((s) => !SHARED_CACHES.includes(s))).toEqual([]);
    expect(state.sort()).toEqual([...SHARED_CACHES].sort());
  });
});
