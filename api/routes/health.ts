import { sql } from 'drizzle-orm';
import { defineRoute } from '../http/route';
import { within } from '../http/within';

export const healthRoutes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    operationId: 'healthz',
    summary: 'The process is up',
    tag: 'Health',
    access: { kind: 'public' },
    responses: { 200: { description: 'Up' } },
    async handler() {
      return { status: 200, body: { status: 'ok' } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'PostgreSQL and Temporal are reachable',
    tag: 'Health',
    access: { kind: 'public' },
    responses: { 200: { description: 'Ready' }, 503: { description: 'A dependency is down' } },
    async handler({ deps }) {
      const check = async (probe: () => Promise<unknown>) => {
        try {
          await within(probe(), 2000, () => new Error('no answer in 2000 ms'));
          return 'ok';
        } catch (error) {
          return `unreachable: ${(error as Error).message}`;
        }
      };
      const [postgres, temporal] = await Promise.all([
        check(() => deps.db.execute(sql`select 1`)),
        check(() => deps.temporal.workflowService.getSystemInfo({})),
      ]);
      const ready = postgres === 'ok' && temporal === 'ok';
      return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', checks: { postgres, temporal } }, headers: ready ? {} : ({ 'Retry-After': '5' } as Record<string, string>) };
    },
  }),
];
