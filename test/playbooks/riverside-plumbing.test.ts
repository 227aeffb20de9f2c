import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AnyPlaybook } from '../../playbooks';
import { formatProblems, playbookProblems, unreachableStages } from '../../playbooks/problems';

// Scaffolded by `npm run playbook -- new riverside-plumbing`: keeps the playbook valid as it is edited.
const file = new URL('../../playbooks/tenant/riverside-plumbing.json', import.meta.url);
const playbook: unknown = JSON.parse(readFileSync(file, 'utf8'));

describe('playbook riverside-plumbing', () => {
  it('is valid: every problem would name its field and the fix', () => {
    expect(formatProblems(playbookProblems(playbook))).toBe('');
  });

  it('reaches every stage of its lifecycle from the start', () => {
    expect(unreachableStages(AnyPlaybook.parse(playbook))).toEqual([]);
  });
});
