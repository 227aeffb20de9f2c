import type { z } from 'zod';
import { lifecycleOf } from './diagram';
import { AnyPlaybook } from './index';

/**
 * What is wrong with a playbook, in words a playbook author can act on: each problem names the
 * field (`inquiry.followUps[1]`), what it holds, and what to write instead. Used by
 * `npm run playbook -- check` and by the tests `npm run playbook -- new` scaffolds; the API answers
 * the same issues as problem details.
 */
export interface PlaybookProblem {
  /** `inquiry.followUps[1]`, or `(playbook)` for the whole document. */
  field: string;
  /** The schema's own rule, e.g. "must be an ISO-8601 duration such as PT15M, P3D or P12M". */
  message: string;
  /** What to do about it. */
  fix: string;
}

export function playbookProblems(input: unknown): PlaybookProblem[] {
  const parsed = AnyPlaybook.safeParse(input);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => describe(issue, input));
}

/** Stages its lifecycle names that no path from the start reaches: a playbook that strands them. */
export function unreachableStages(playbook: AnyPlaybook): string[] {
  const { transitions } = lifecycleOf(playbook);
  const reached = new Set(['[*]']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of transitions) if (reached.has(t.from) && !reached.has(t.to)) (reached.add(t.to), (grew = true));
  }
  return [...new Set(transitions.map((t) => t.to))].filter((s) => !reached.has(s));
}

/** One line per problem: `inquiry.followUps[1]: must be … (got "P1X"). Fix: …`. */
export function formatProblems(problems: readonly PlaybookProblem[]): string {
  return problems.map((p) => `${p.field}: ${p.message}. Fix: ${p.fix}`).join('\n');
}

function describe(issue: z.core.$ZodIssue, input: unknown): PlaybookProblem {
  const field = fieldName(issue.path);
  const value = valueAt(input, issue.path);
  const got = value === undefined ? '' : ` (got ${shown(value)})`;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = Object.keys(valueAt(input, issue.path) ?? {}).filter((k) => !issue.keys.includes(k));
      return {
        field,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`,
        fix: `remove ${issue.keys.length > 1 ? 'them' : 'it'} or correct the spelling${known.length ? `; the fields next to it are ${known.join(', ')}` : ''}`,
      };
    }
    case 'invalid_type':
      return value === undefined
        ? { field, message: 'is missing', fix: `add ${field} (${issue.expected})` }
        : { field, message: `must be ${article(issue.expected)}${got}`, fix: `write ${field} as ${article(issue.expected)}` };
    case 'invalid_value':
      return { field, message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got}`, fix: `pick one of those values` };
    case 'invalid_union':
      if (issue.path.length === 0 || field === 'kind') return { field: 'kind', message: `must be "home-service" or "b2b"${got}`, fix: 'start from a built-in of the kind you want (`npm run playbook -- new <id> --from hvac`)' };
      return { field, message: `${issue.message}${got}`, fix: 'compare it with the same field in a built-in playbook' };
    case 'too_small':
    case 'too_big':
      return { field, message: `${issue.message}${got}`, fix: issue.code === 'too_small' ? 'make it larger (or longer)' : 'make it smaller (or shorter)' };
    default:
      return { field, message: `${issue.message}${got}`, fix: fixFor(issue.message) };
  }
}

/** Fixes for the schema's own custom rules, by what their message says. */
function fixFor(message: string): string {
  if (/ISO-8601 duration/.test(message)) return 'write a duration such as PT30M (30 min), P1D (1 day), P2W (2 weeks) or P12M (12 months)';
  if (/increasing|ascending|after the one before/i.test(message)) return 'list them from the earliest to the latest';
  if (/time zone|IANA/i.test(message)) return 'use an IANA zone such as America/Chicago';
  if (/HH:MM|local time/i.test(message)) return 'write a 24-hour local time such as 08:00';
  if (/lower-case/.test(message)) return 'use lower-case letters, digits and "-" only, e.g. acme-plumbing';
  return 'compare it with the same field in a built-in playbook';
}

function fieldName(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(playbook)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
