import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBuiltinPlaybook } from '../../playbooks';
import { playbookProblems } from '../../playbooks/problems';
import { playbookCommand } from '../../scripts/playbook';

const hvac = findBuiltinPlaybook('hvac')!.definition;
const broken = (change: (p: Record<string, any>) => void) => {
  const copy = structuredClone(hvac) as Record<string, any>;
  change(copy);
  return copy;
};

describe('playbook authoring', () => {
  it.each([
    ['a duration that is not one', (p: Record<string, any>) => (p.inquiry.followUps[1] = 'P1X'), 'inquiry.followUps[1]', /got "P1X".*P1D \(1 day\)/],
    ['a misspelt field', (p: Record<string, any>) => (p.inquiry.folowUps = ['P1D']), 'inquiry', /unknown field "folowUps".*followUps/],
    ['a missing field', (p: Record<string, any>) => delete p.name, 'name', /is missing.*add name/],
    ['a wrong type', (p: Record<string, any>) => (p.review.serviceRecoveryAtOrBelow = 'three'), 'review.serviceRecoveryAtOrBelow', /must be a number \(got "three"\)/],
    ['a value not in the list', (p: Record<string, any>) => (p.collections.steps[0].action = 'nag'), 'collections.steps[0].action', /one of "reminder", "final_notice", "write_off"/],
    ['a local time in the wrong form', (p: Record<string, any>) => (p.quietHours.start = '8am'), 'quietHours.start', /08:00/],
  ])('names the field and the fix for %s', (_, change, field, says) => {
    const problems = playbookProblems(broken(change));
    const problem = problems.find((p) => p.field === field);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(`${problem!.message}. Fix: ${problem!.fix}`).toMatch(says);
  });

  it('finds nothing wrong with a built-in', () => {
    expect(playbookProblems(hvac)).toEqual([]);
  });

  it('scaffolds a tenant playbook and its test from a built-in, and checks it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revloop-playbook-'));
    const made = await playbookCommand(['new', 'riverside-heating', '--from', 'hvac', '--dir', join(dir, 'playbooks'), '--tests', join(dir, 'tests')]);
    expect(made.code, made.output).toBe(0);
    const file = join(dir, 'playbooks', 'riverside-heating.json');
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({ id: 'riverside-heating', name: 'Riverside Heating', kind: 'home-service', inquiry: hvac.inquiry });
    expect(readFileSync(join(dir, 'tests', 'riverside-heating.test.ts'), 'utf8')).toContain("new URL('../playbooks/riverside-heating.json', import.meta.url)");

    const svg = join(dir, 'riverside.svg');
    const ok = await playbookCommand(['check', file, '--svg', svg]);
    expect(ok).toMatchObject({ code: 0 });
    expect(readFileSync(svg, 'utf8')).toContain('<svg');

    writeFileSync(file, JSON.stringify({ ...written, booking: { ...written.booking, remindersBefore: ['1 day'] } }));
    const bad = await playbookCommand(['check', file]);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain('booking.remindersBefore[0]: must be an ISO-8601 duration');

    expect((await playbookCommand(['new', 'riverside-heating', '--from', 'hvac', '--dir', join(dir, 'playbooks'), '--tests', join(dir, 'tests')])).code).toBe(1);
    expect((await playbookCommand(['new', 'hvac', '--from', 'hvac', '--dir', dir])).output).toContain("built-in's id");
    expect((await playbookCommand(['new', 'x-y', '--from', 'nope', '--dir', dir])).output).toContain('one of home-service, hvac');
  });
});
