import { describe, expect, it } from 'vitest';
import { Agenda } from '../../workflows/agenda';

describe('agenda', () => {
  it('hands out due items earliest first and moves an item scheduled again under its key', () => {
    const agenda = new Agenda();
    agenda.schedule({ key: 'b', kind: 'x', dueAt: 200, summary: 'b' });
    agenda.schedule({ key: 'a', kind: 'x', dueAt: 100, summary: 'a' });
    agenda.schedule({ key: 'b', kind: 'x', dueAt: 50, summary: 'b moved' });
    expect(agenda.next()?.summary).toBe('b moved');
    expect(agenda.takeDue(75)?.key).toBe('b');
    expect(agenda.takeDue(75)).toBeUndefined();
    expect(agenda.takeDue(100)?.key).toBe('a');
    expect(agenda.list()).toEqual([]);
  });

  it('cancels by key or by predicate and survives a round trip through JSON', () => {
    const agenda = new Agenda([
      { key: 'r1', kind: 'reminder', dueAt: 10, summary: '', data: { jobId: 'j1' } },
      { key: 'r2', kind: 'reminder', dueAt: 20, summary: '', data: { jobId: 'j2' } },
    ]);
    expect(agenda.cancelWhere((i) => i.data?.jobId === 'j1').map((i) => i.key)).toEqual(['r1']);
    const revived = new Agenda(JSON.parse(JSON.stringify(agenda.list())));
    expect(revived.list().map((i) => i.key)).toEqual(['r2']);
    expect(revived.cancel('r2')).toBe(true);
    expect(revived.cancel('r2')).toBe(false);
  });
});
