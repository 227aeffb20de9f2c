import { describe, expect, it } from 'vitest';
import { builtinPlaybooks, defaultTemplates, findBuiltinPlaybook, HomeServicePlaybook, templateKeys } from '../../playbooks';

describe('playbooks', () => {
  it('ships the four home-service trades, each valid and with every template', () => {
    expect(builtinPlaybooks.map((p) => p.id)).toEqual(['home-service', 'hvac', 'plumbing', 'electrical']);
    for (const p of builtinPlaybooks) expect(Object.keys(p.definition.templates).sort()).toEqual([...templateKeys].sort());
  });

  it('gives HVAC the trade defaults: speed to lead, follow-ups, reminders, tune-ups, 18-month reactivation', () => {
    const hvac = findBuiltinPlaybook('hvac')!.definition;
    expect(hvac.speedToLead.missedCallTextBackWithin).toBe('PT1M');
    expect(hvac.inquiry.followUps).toEqual(['PT15M', 'P1D', 'P3D']);
    expect(hvac.booking.remindersBefore).toEqual(['P1D', 'PT2H']);
    expect(hvac.review.requestAfter).toBe('PT2H');
    expect(hvac.collections.steps.map((s) => s.after)).toEqual(['P7D', 'P14D', 'P30D', 'P45D', 'P90D']);
    expect(hvac.retention.seasonal.map((s) => [s.month, s.service])).toEqual([
      [3, 'AC tune-up'],
      [9, 'furnace check'],
    ]);
    expect(hvac.reactivation.idleAfter).toBe('P18M');
    expect(hvac.quietHours).toEqual({ start: '08:00', end: '20:00' });
  });

  it('gives a playbook the default wording for every message it leaves out, and keeps what it says', () => {
    const { templates: _, ...base } = findBuiltinPlaybook('home-service')!.definition;
    const mine = { channel: 'sms', purpose: 'transactional', text: 'Booked: {{scheduledAt}}.' } as const;
    const parsed = HomeServicePlaybook.parse({ ...base, id: 'my-trade', templates: { 'booking.confirmation': mine } });
    expect(parsed.templates['booking.confirmation']).toEqual(mine);
    expect(parsed.templates['invoice.issued']).toEqual(defaultTemplates['invoice.issued']);
    expect(Object.keys(HomeServicePlaybook.parse({ ...base, id: 'no-templates' }).templates).sort()).toEqual([...templateKeys].sort());
    // An unknown key is a typo, not a message.
    expect(HomeServicePlaybook.safeParse({ ...base, id: 'typo', templates: { 'booking.confirmaton': mine } }).success).toBe(false);
  });

  it('reports every problem of an invalid playbook at once', () => {
    const base = findBuiltinPlaybook('home-service')!.definition;
    const result = HomeServicePlaybook.safeParse({
      ...base,
      id: 'Bad Id',
      inquiry: { followUps: ['P1D', 'soon'], lostAfter: 'P4D' },
      quietHours: { start: '8am', end: '20:00' },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['id', 'inquiry.followUps.1', 'quietHours.start']));
  });

  it('rejects timings that contradict each other', () => {
    const base = findBuiltinPlaybook('home-service')!.definition;
    const result = HomeServicePlaybook.safeParse({
      ...base,
      inquiry: { followUps: ['P3D', 'P1D'], lostAfter: 'P2D' },
      collections: { ...base.collections, steps: [{ after: 'P90D', action: 'write_off' }, { after: 'P100D', action: 'reminder' }] },
    });
    const messages = result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'inquiry.followUps: follow-ups must be in increasing order',
        'inquiry.lostAfter: must come after the last follow-up',
        'collections.steps.0: write_off must be the last step',
      ]),
    );
  });
});
