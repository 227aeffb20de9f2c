import { describe, expect, it } from 'vitest';
import { builtinContractPlaybooks, builtinPlaybooks, findBuiltinContractPlaybook, findBuiltinPlaybook, HomeServicePlaybook } from '../../playbooks';
import { playbookDiagram } from '../../playbooks/diagram';
import { playbookSvg } from '../../playbooks/diagram-svg';
import { contractStages } from '../../workflows/contract-definitions';
import { customerStages } from '../../workflows/definitions';

/** Mermaid reads these line shapes; anything else in the output would be a syntax error. */
const TRANSITION = /^ {2}(\[\*\]|[a-z_]+) --> (\[\*\]|[a-z_]+): [^:;#{}\n]+$/;
const shape = (source: string) => {
  const [header, comment, ...body] = source.trimEnd().split('\n');
  expect(header).toBe('stateDiagram-v2');
  expect(comment).toMatch(/^ {2}%% /);
  let inNote = false;
  for (const line of body) {
    if (/^ {2}note right of [a-z_]+$/.test(line)) inNote = true;
    else if (line === '  end note') inNote = false;
    else if (inNote) expect(line, line).toMatch(/^ {4}[^:;#{}\n]+$/);
    else expect(line, line).toMatch(TRANSITION);
  }
  expect(inNote).toBe(false);
  return body.flatMap((l) => {
    const m = l.match(TRANSITION);
    return m ? [m[1]!, m[2]!] : [];
  });
};

describe('playbook diagrams', () => {
  it('draws every stage a customer workflow reports, with the playbook’s own timings on the arrows', () => {
    const source = playbookDiagram(findBuiltinPlaybook('hvac')!.definition);
    const states = new Set(shape(source));
    // `renewal` belongs to contracts; a customer relationship never derives it.
    for (const stage of customerStages.filter((s) => s !== 'renewal')) expect(states, stage).toContain(stage);
    expect(source).toContain('inquiry --> lost: still unbooked 4 days after the inquiry');
    expect(source).toContain('retention --> reactivation: no activity for 18 months');
    expect(source).toContain('AC tune-up every March 1 at 10\u223600 local');
    expect(source).toContain('follow-ups 15 min, 1 day, 3 days while unbooked');
    expect(source).toContain('90 days after due, write off');
    expect(source).toContain('in every stage, no message outside 08\u223600-20\u223600 customer-local');
  });

  it('draws a contract’s stages with its approval chain and billing guardrails', () => {
    const source = playbookDiagram(findBuiltinContractPlaybook('saas-subscription')!.definition);
    const states = new Set(shape(source));
    for (const stage of contractStages) expect(states, stage).toContain(stage);
    expect(source).toMatch(/discounts sales_manager up to 25%, finance up to 40%, above 40% refused/);
    expect(source).toContain('renewal notices 90 days, 60 days, 30 days before term end');
  });

  it('keeps a tenant’s free text from breaking the diagram', () => {
    const base = findBuiltinPlaybook('plumbing')!.definition;
    const hostile = HomeServicePlaybook.parse({
      ...base,
      id: 'hostile',
      name: 'Line\nbreak; and # comment',
      retention: { seasonal: [{ id: 'xx', month: 4, service: 'check: {valves};\nend note' }], afterService: [] },
    });
    const source = playbookDiagram(hostile);
    shape(source);
    expect(source).toContain('check\u2236 (valves), end note every April 1 at 10\u223600 local');
  });

  it('renders an SVG picture on the server, every stage and timing in it, tenant text escaped', async () => {
    const svg = await playbookSvg(findBuiltinPlaybook('hvac')!.definition);
    expect(svg).toMatch(/<svg[^>]+viewBox/);
    for (const stage of customerStages.filter((s) => s !== 'renewal')) expect(svg, stage).toContain(`>${stage}</text>`);
    expect(svg).toContain('still unbooked 4 days');
    const base = findBuiltinPlaybook('plumbing')!.definition;
    const hostile = HomeServicePlaybook.parse({ ...base, id: 'hostile', name: 'A "quoted" <script>alert(1)</script> \\ name', retention: { seasonal: [{ id: 'xx', month: 4, service: '<b>valves</b> & "seals"' }], afterService: [] } });
    const picture = await playbookSvg(hostile);
    expect(picture).not.toContain('<script');
    expect(picture).not.toContain('<b>');
    expect(picture).toContain('&lt;b&gt;valves&lt;/b&gt;');
  });

  it('renders every built-in', () => {
    for (const p of [...builtinPlaybooks, ...builtinContractPlaybooks]) expect(shape(playbookDiagram(p.definition)).length).toBeGreaterThan(10);
  });
});
