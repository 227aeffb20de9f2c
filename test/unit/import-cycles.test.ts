import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../scripts/runtime/paths';

/**
 * No import loops in the source: a module that imports (even only types from) one that imports it
 * back cannot be read, moved or tested on its own. Every relative import of every source folder
 * is a graph edge; any cycle fails with its path.
 */
const SOURCE = ['activities', 'api', 'db', 'domain', 'playbooks', 'scripts', 'workflows'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'public' || name === 'migrations' ? [] : files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
  return found.map((spec) => {
    const base = resolve(dirname(file), spec);
    for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // try the next
      }
    }
    return `${base}.ts`;
  });
}

export function importCycles(root: string): string[][] {
  const all = SOURCE.flatMap((d) => files(join(root, d)));
  const edges = new Map(all.map((f) => [f, importsOf(f).filter((t) => all.includes(t))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map((p) => relative(root, p)));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of all) if (!state.has(f)) visit(f);
  return cycles;
}

describe('the source has no import loops', () => {
  it('finds none', () => {
    expect(importCycles(fromRoot('.'))).toEqual([]);
  });
});
