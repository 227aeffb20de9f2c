import { findBuiltinPlaybook } from '../../playbooks';
import { simulateWhatIf } from '../../simulation/what-if';
import { resolveTemporalTool } from '../runtime/temporal-tools';
import { bundleRevloopWorkflows } from '../runtime/worker';
import { openBenchTenant } from './stack';
import { round } from './pool';
import { recordCast } from './simulation';

/**
 * `npm run bench` (BENCH_SCENARIO=what-if): a what-if of BENCH_WHATIF_CUSTOMERS (1,000) HVAC
 * customers × 1 year. The customers are first lived on the time-skipping server (the simulation
 * bench's seeded cast), so the tenant has a year of real records; then the what-if replays them
 * through HVAC and through a candidate with two follow-ups instead of three, side by side, and
 * the time that takes is the figure (goal < 5 minutes).
 */
const CUSTOMERS = Number(process.env.BENCH_WHATIF_CUSTOMERS ?? 1000);
/** Time-skipping servers the what-if shares the customers among (BENCH_WHATIF_SERVERS; by default as the API chooses, `scratchServersFor`). */
const SERVERS = process.env.BENCH_WHATIF_SERVERS ? Number(process.env.BENCH_WHATIF_SERVERS) : undefined;
/** The replies model's window (BENCH_WHATIF_REPLY_WINDOW_HOURS, 48; 0 replays every event at its recorded time). */
const REPLY_WINDOW_HOURS = Number(process.env.BENCH_WHATIF_REPLY_WINDOW_HOURS ?? 48);
const log = (m: string) => process.stderr.write(`bench what-if: ${m}\n`);

export async function benchWhatIf(): Promise<Record<string, unknown>> {
  const { database, tenantId } = await openBenchTenant('Bench what-if', 10);
  try {
    const code = await bundleRevloopWorkflows();
    log(`living ${CUSTOMERS} customers × 1 year for the records`);
    const castStarted = performance.now();
    const cast = await recordCast({ db: database.db, tenantId, code }, CUSTOMERS, 1);
    const castSeconds = round((performance.now() - castStarted) / 1000, 1);
    log(`${cast.events} events recorded in ${castSeconds} s; replaying them through a candidate`);
    const hvac = findBuiltinPlaybook('hvac')!.definition;
    const report = await simulateWhatIf({
      db: database.db,
      tenantId,
      candidate: { ...hvac, inquiry: { followUps: ['PT15M', 'P1D'], lostAfter: hvac.inquiry.lostAfter } },
      sample: { last: CUSTOMERS },
      horizonDays: 30,
      ...(SERVERS ? { servers: SERVERS } : {}),
      replyWindowMs: REPLY_WINDOW_HOURS * 3_600_000,
      testServer: resolveTemporalTool('testServer').executable,
      workflowBundle: { code },
    });
    return {
      bench: 'what-if',
      customers: CUSTOMERS,
      years: 1,
      servers: report.servers,
      replyWindowHours: REPLY_WINDOW_HOURS,
      recordedEvents: cast.events,
      castSeconds,
      seconds: report.seconds,
      simulatedDays: report.simulatedDays,
      differing: report.differing,
      followUps: { current: report.totals.baseline.byKind['inquiry.follow_up'] ?? 0, candidate: report.totals.candidate.byKind['inquiry.follow_up'] ?? 0 },
      // The goal is for 1,000 customers: a smaller cast is within it only if it could be, at the
      // very least (time grows at least linearly with the customers).
      goal: { customers: 1000, seconds: 300 },
      projectedSecondsAt1000: Math.round((report.seconds * 1000) / CUSTOMERS),
      withinGoal: report.seconds * Math.max(1, 1000 / CUSTOMERS) < 300,
    };
  } finally {
    await database.close();
  }
}
