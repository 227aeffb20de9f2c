import { z } from 'zod';
import { listPlaybooks, PlaybookKindConflict, playbookVersions, registerPlaybook } from '../../db/playbook-store';
import { AnyPlaybook, findBuiltinPlaybook, type ResolvedPlaybook } from '../../playbooks';
import { ClientId } from '../../domain/values';
import { WhatIfBusy } from '../../simulation/runner-types';
import { contractStages } from '../../workflows/contract-definitions';
import { customerStages } from '../../workflows/definitions';
import { playbookDiagram } from '../../playbooks/diagram';
import { playbookSvg } from '../../playbooks/diagram-svg';
import { problems } from '../http/problem';
import { defineRoute, IdParam } from '../http/route';

const DiagramQuery = z.strictObject({ version: z.coerce.number().int().min(1).max(1_000_000).optional(), format: z.enum(['mermaid', 'svg']).optional() });

const SimulateBody = z.strictObject({
  /** The candidate: a home-service playbook (replayed through customers) or a b2b one (through contracts), with this path's id, as it would be registered. */
  definition: AnyPlaybook,
  /** Whose recorded events to replay; by default the newest 50 customers (or contracts) following this playbook. */
  sample: z
    .strictObject({
      customerIds: z.array(ClientId).min(1).max(100).optional(),
      contractIds: z.array(ClientId).min(1).max(100).optional(),
      stage: z.enum([...new Set([...customerStages, ...contractStages])] as [string, ...string[]]).optional(),
      last: z.number().int().min(1).max(100).optional(),
    })
    .default({}),
  /** Simulated days after the last recorded event, for the timers the events set. */
  horizonDays: z.number().int().min(1).max(365).default(30),
  /** A booking, inquiry, payment or review (for contracts: a payment, signature or renewal) this many hours after a message to the customer answers it, and comes as soon after the candidate's message (0: none do). */
  replyWindowHours: z.number().int().min(0).max(336).default(48),
});

function summary(p: ResolvedPlaybook<AnyPlaybook>) {
  return { id: p.id, version: p.version, owner: p.owner === 'builtin' ? 'builtin' : 'tenant', kind: p.definition.kind, name: p.definition.name, description: p.definition.description };
}

export const playbookRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/playbooks',
    operationId: 'listPlaybooks',
    summary: 'Built-in and tenant playbooks, newest version of each',
    tag: 'Playbooks',
    access: { kind: 'tenant', scope: 'read' },
    responses: { 200: { description: 'Playbooks' } },
    async handler({ auth, deps }) {
      return { status: 200, body: { data: (await listPlaybooks(deps.db, auth.tenantId)).map(summary) } };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/playbooks/:id',
    operationId: 'getPlaybook',
    summary: 'One playbook with every version',
    tag: 'Playbooks',
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    responses: { 200: { description: 'The playbook' }, 404: { description: 'No such playbook' } },
    async handler({ auth, params, deps }) {
      const versions = await playbookVersions(deps.db, auth.tenantId, params.id);
      const latest = versions.at(-1);
      if (!latest) throw problems.notFound(`There is no playbook "${params.id}".`);
      return {
        status: 200,
        body: { ...summary(latest), definition: latest.definition, versions: versions.map((v) => ({ version: v.version, owner: v.owner === 'builtin' ? 'builtin' : 'tenant', definition: v.definition })) },
      };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/playbooks/:id/diagram',
    operationId: 'getPlaybookDiagram',
    summary: 'The lifecycle a playbook sets up: an SVG picture (Accept: image/svg+xml, or ?format=svg), or Mermaid state-diagram source (newest version, or ?version=)',
    tag: 'Playbooks',
    access: { kind: 'tenant', scope: 'read' },
    params: IdParam,
    query: DiagramQuery,
    example: { query: { version: '1' } },
    responses: {
      200: { description: 'An `image/svg+xml` picture rendered on the server; or `{ id, version, kind, format: "mermaid", source }`, for any Mermaid renderer' },
      404: { description: 'No such playbook or version' },
    },
    async handler({ auth, params, query, deps, req }) {
      const versions = await playbookVersions(deps.db, auth.tenantId, params.id);
      const chosen = query.version === undefined ? versions.at(-1) : versions.find((v) => v.version === query.version);
      if (!chosen) throw problems.notFound(query.version === undefined || versions.length === 0 ? `There is no playbook "${params.id}".` : `Playbook "${params.id}" has no version ${query.version}.`);
      const svg = query.format === 'svg' || (query.format === undefined && req.accepts(['application/json', 'image/svg+xml']) === 'image/svg+xml');
      if (svg) return { status: 200, body: await playbookSvg(chosen.definition), contentType: 'image/svg+xml', headers: { Vary: 'Accept' } };
      return { status: 200, body: { id: chosen.id, version: chosen.version, kind: chosen.definition.kind, format: 'mermaid', source: playbookDiagram(chosen.definition) }, headers: { Vary: 'Accept' } };
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/playbooks/:id/simulate',
    operationId: 'simulatePlaybook',
    summary: 'What if: replay a sample of real customers (or, for a b2b playbook, contracts) through a candidate version of this playbook, beside the playbook they follow, and say what would differ',
    tag: 'Playbooks',
    access: { kind: 'tenant', scope: 'write' },
    params: IdParam,
    body: SimulateBody,
    // A simulation replays months of time-skipped lifecycle: longer than a request may usually take.
    timeoutMs: 180_000,
    example: { body: { definition: { ...findBuiltinPlaybook('plumbing')!.definition, inquiry: { followUps: ['PT10M', 'P1D'], lostAfter: 'P4D' } }, sample: { last: 20 }, horizonDays: 30 } },
    responses: {
      200: { description: 'Totals for the current and the candidate playbook, and every customer or contract that would differ (and, for contracts, those that cannot be replayed)' },
      404: { description: 'No such playbook' },
      422: { description: "The definition's id is not this playbook's, or the sample names subjects of the other kind" },
      503: { description: 'No time-skipping test server here, or another simulation is running' },
    },
    async handler({ auth, params, body, deps }) {
      const current = (await playbookVersions(deps.db, auth.tenantId, params.id)).at(-1);
      if (!current) throw problems.notFound(`There is no playbook "${params.id}"; a candidate is tried against customers or contracts of a playbook the tenant has.`);
      if (current.definition.kind !== body.definition.kind) throw problems.unprocessable(`Playbook "${params.id}" is a ${current.definition.kind} playbook; its candidate must be one too.`, [{ path: 'body.definition.kind', message: `must be ${current.definition.kind}` }]);
      if (body.definition.id !== params.id) throw problems.unprocessable(`The candidate's id is "${body.definition.id}"; simulate it at /v1/playbooks/${body.definition.id}/simulate, or give it the id "${params.id}".`, [{ path: 'body.definition.id', message: `must be "${params.id}"` }]);
      if (!deps.whatIf) throw problems.unavailable('What-if simulation needs the Temporal time-skipping test server (npm run tools:install), which this deployment does not have.', 3600);
      const { customerIds, contractIds, stage, last } = body.sample;
      const chosen = customerIds || contractIds || stage ? {} : { playbookId: params.id, last: last ?? 50 };
      const sample = { ...(stage ? { stage } : {}), ...(last ? { last } : {}), ...chosen };
      const replyWindowMs = body.replyWindowHours * 3_600_000;
      try {
        if (body.definition.kind === 'b2b') {
          if (customerIds) throw problems.unprocessable('A b2b playbook is tried on contracts: name them as sample.contractIds.', [{ path: 'body.sample.customerIds', message: 'use contractIds for a b2b playbook' }]);
          if (stage && !(contractStages as readonly string[]).includes(stage)) throw problems.unprocessable(`"${stage}" is not a contract stage.`, [{ path: 'body.sample.stage', message: `one of ${contractStages.join(', ')}` }]);
          const report = await deps.whatIf.runContracts({ tenantId: auth.tenantId, candidate: body.definition, sample: { ...sample, ...(contractIds ? { contractIds } : {}) }, horizonDays: body.horizonDays, replyWindowMs });
          return { status: 200, body: { ...report, subjects: report.subjects.filter((s) => s.differs) } };
        }
        if (contractIds) throw problems.unprocessable('A home-service playbook is tried on customers: name them as sample.customerIds.', [{ path: 'body.sample.contractIds', message: 'use customerIds for a home-service playbook' }]);
        if (stage && !(customerStages as readonly string[]).includes(stage)) throw problems.unprocessable(`"${stage}" is not a customer stage.`, [{ path: 'body.sample.stage', message: `one of ${customerStages.join(', ')}` }]);
        const report = await deps.whatIf.run({ tenantId: auth.tenantId, candidate: body.definition, sample: { ...sample, ...(customerIds ? { customerIds } : {}) }, horizonDays: body.horizonDays, replyWindowMs });
        return { status: 200, body: { ...report, subjects: report.subjects.filter((s) => s.differs) } };
      } catch (error) {
        if (error instanceof WhatIfBusy) throw problems.unavailable('Another what-if simulation is running on this server; try again in a minute.', 60);
        throw error;
      }
    },
  }),

  defineRoute({
    method: 'post',
    path: '/v1/playbooks',
    operationId: 'registerPlaybook',
    summary: 'Register a tenant playbook (home-service or b2b), or a new version of one (including of a built-in); running lifecycles adopt it at their next continue-as-new',
    tag: 'Playbooks',
    access: { kind: 'tenant', scope: 'admin' },
    body: AnyPlaybook,
    example: { body: { ...findBuiltinPlaybook('plumbing')!.definition, id: 'acme-plumbing', name: 'Acme Plumbing' } },
    responses: {
      201: { description: 'A new version' },
      200: { description: 'Identical to the newest version, which is returned' },
      400: { description: 'Invalid playbook; every issue is listed' },
    },
    async handler({ auth, body, deps }) {
      let registered;
      try {
        registered = await registerPlaybook(deps.db, auth.tenantId, body);
      } catch (error) {
        if (error instanceof PlaybookKindConflict) throw problems.unprocessable(error.message, [{ path: 'body.kind', message: `must be ${error.existingKind}` }]);
        throw error;
      }
      const { created, playbook } = registered;
      return { status: created ? 201 : 200, body: { ...summary(playbook), definition: playbook.definition }, headers: { Location: `/v1/playbooks/${playbook.id}` } };
    },
  }),
];
