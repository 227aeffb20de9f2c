import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ApiKeyStore } from '../api/http/api-keys';
import { createTenant } from '../api/tenants';
import { Cluster } from './chaos/cluster';
import { injectFaults, type FaultPlan } from './chaos/faults';
import { runLoad } from './chaos/load';
import { Random } from './chaos/random';
import { clean, reconcile, type Findings } from './chaos/reconcile';
import { replayEveryRun } from './chaos/replay-check';
import { workflowTaskFailures } from './runtime/workflow-health';
import { Sender } from './chaos/sender';
import { zoneInDaytime } from './runtime/daytime';
import { TEMPORAL_SERVER_VERSION } from './runtime/temporal-server';
import { fromRoot } from './runtime/paths';
import { contractWorkflowId, customerWorkflowId } from '../domain/ids';
import proto from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * `npm run chaos` (`-- --short` for the CI version): exactly once, under faults. Starts its own
 * PostgreSQL, Temporal dev server, two workers and two API processes; drives a mixed load of
 * customer and contract events through the API while killing, freezing and restarting them; then
 * reconciles every acknowledged event against what the lifecycles recorded and prints one JSON
 * line. Exits 1 when anything was lost, applied twice or sent twice, a workflow task failed, or a
 * valid event was refused.
 *
 * `npm run cluster` (`--cluster`): the same on the production shape, the real Temporal server
 * (built from its Go module by `npm run tools:server`, on first use) persisting to PostgreSQL
 * with SQL visibility, configured as docker-compose.yml configures it; a shorter load, and each
 * kind of fault at least once.
 *
 *   CHAOS_SEED (random)  CHAOS_EVENTS  CHAOS_RATE (events/s)  CHAOS_CUSTOMERS  CHAOS_CONTRACTS
 *   CHAOS_TEMPORAL_LOG (a file for the Temporal server's own log)
 *
 * Every worker's and API's output goes to `.data/chaos/<seed>/` (one file a role), kept when the
 * run fails, beside the histories of the workflows an event gave up on.
 */
const short = process.argv.includes('--short');
const onServer = process.argv.includes('--cluster');
const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const profile = short
  ? { events: env('CHAOS_EVENTS', 1_000), rate: env('CHAOS_RATE', 14), customers: env('CHAOS_CUSTOMERS', 16), contracts: env('CHAOS_CONTRACTS', 2) }
  : onServer
    ? // The real server runs four services on PostgreSQL beside everything else on these two cores:
      // at 16 events/s it falls minutes behind after a database outage and a restart.
      { events: env('CHAOS_EVENTS', 2_000), rate: env('CHAOS_RATE', 10), customers: env('CHAOS_CUSTOMERS', 40), contracts: env('CHAOS_CONTRACTS', 4) }
    : { events: env('CHAOS_EVENTS', 5_600), rate: env('CHAOS_RATE', 16), customers: env('CHAOS_CUSTOMERS', 50), contracts: env('CHAOS_CONTRACTS', 5) };
const plan: FaultPlan = short
  ? { workerKills: 3, workerFreezes: 1, temporalRestarts: 1, postgresOutages: 1, postgresOutageSeconds: 8, apiKills: 1 }
  : onServer
    ? { workerKills: 3, workerFreezes: 1, temporalRestarts: 1, postgresOutages: 1, postgresOutageSeconds: 15, apiKills: 2 }
    : { workerKills: 12, workerFreezes: 2, temporalRestarts: 3, postgresOutages: 1, postgresOutageSeconds: 45, apiKills: 2 };
/** How long the suite waits, after the load and the faults, for everything to be applied and written. */
const CATCH_UP_MS = short ? 90_000 : 180_000;

const log = (m: string) => process.stderr.write(`chaos: ${m}\n`);
Runtime.install({ logger: new DefaultLogger('ERROR') });
const temporalLog = process.env.CHAOS_TEMPORAL_LOG;
const logDir = fromRoot(`.data/chaos/${seed}`);
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
const cluster = new Cluster({ workers: 2, apis: 2, log, logDir, temporal: onServer ? 'server' : 'dev', temporalLog: temporalLog ? (line) => appendFileSync(temporalLog, `${line}\n`) : undefined });
const started = Date.now();
let exitCode = 1;
let keepLogs = true;
try {
  await cluster.start();
  const random = new Random(seed);
  const runId = randomBytes(3).toString('hex');
  const tenantId = `chaos-${runId}`;
  const timezone = zoneInDaytime();
  const created = await createTenant(cluster.database.db, new ApiKeyStore(cluster.database.db), { id: tenantId, name: 'Chaos HVAC', timezone });
  if (!created.created) throw new Error('tenant exists');
  // Long enough to outlast any single fault (a 45 s database outage included).
  const sender = new Sender(cluster.apis, created.apiKey.key, profile.rate, 16, 120_000);
  const windowMs = (profile.events / profile.rate) * 1000;
  log(`seed ${seed}: ${profile.events} events at ${profile.rate}/s over ${profile.customers} customers and ${profile.contracts} contracts, about ${Math.round(windowMs / 1000)} s`);

  const loadStart = Date.now();
  const faults = injectFaults(cluster, plan, windowMs, random.fork(), log);
  const ledger = await runLoad({ sender, events: profile.events, customers: profile.customers, contracts: profile.contracts, timezone, random: random.fork(), runId });
  const loadSeconds = (Date.now() - loadStart) / 1000;
  const injected = await faults;
  const calm = Date.now();
  log(`load done in ${loadSeconds.toFixed(0)} s; faults over; reconciling`);

  const connection = await Connection.connect({ address: cluster.temporalAddress });
  const client = new Client({ connection });
  let findings: Findings;
  for (;;) {
    // A reconciliation that could not run (a workflow that cannot answer its query) is a finding, not a crash of the report.
    findings = await reconcile(cluster.database.db, client, tenantId, ledger).catch((error: Error): Findings => ({ acknowledged: 0, lost: [], appliedTwice: [], duplicateMessages: [], timelineBreaks: [], busy: [`reconciliation failed: ${error.message}`] }));
    if (findings.lost !== undefined && clean(findings)) break;
    if (Date.now() - calm > CATCH_UP_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const catchUpSeconds = (Date.now() - calm) / 1000;
  const tasks = await workflowTaskFailures(client);
  // What happened to the workflows an event gave up on: their task failures and timeouts, and
  // their histories for a replay, beside the processes' logs.
  const gaveUpOn = [...new Map(ledger.deliveries.filter((d) => d.answer === 'gave_up').map((d) => [`${d.subject.type}/${d.subject.id}`, d.subject])).values()].slice(0, 5);
  for (const subject of gaveUpOn) {
    const workflowId = subject.type === 'customer' ? customerWorkflowId(tenantId, subject.id) : contractWorkflowId(tenantId, subject.id);
    const story = await taskStory(client, workflowId).catch((error: Error) => [`history unavailable: ${error.message}`]);
    log(`gave up on ${subject.type} ${subject.id} (${workflowId}):`);
    for (const line of story.slice(-15)) log(`  ${line}`);
  }
  // Every run replayed on the code that ran it, and in the other groupings a worker may have used.
  const replayed = await replayEveryRun(client, cluster.workflowBundlePath, (workflowId, runId, history) => writeFileSync(join(logDir, `${workflowId.replace(/[^\w.-]+/g, '_')}.${runId}.json`), history));
  await connection.close();

  const deliveries = ledger.deliveries;
  const clientErrors: Record<string, number> = {};
  for (const d of deliveries) if (typeof d.answer === 'number' && d.answer >= 400) clientErrors[d.answer] = (clientErrors[d.answer] ?? 0) + 1;
  const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
  const result = {
    chaos: short ? 'short' : onServer ? 'cluster' : 'full',
    temporal: onServer ? `server ${TEMPORAL_SERVER_VERSION} on PostgreSQL` : 'dev server',
    seed,
    sent: deliveries.length,
    acknowledged: deliveries.filter((d) => d.answer === 202).length,
    answeredDuplicate: deliveries.filter((d) => d.duplicate === true).length,
    redeliveries: deliveries.filter((d) => d.redelivery).length,
    gaveUp: deliveries.filter((d) => d.answer === 'gave_up').length,
    distinctAcknowledged: findings.acknowledged,
    usageRecordsAccepted: ledger.usage.length,
    lost: findings.lost.length,
    appliedTwice: findings.appliedTwice.length,
    duplicateMessages: findings.duplicateMessages.length,
    timelineBreaks: findings.timelineBreaks.length,
    stillBusy: findings.busy.length,
    clientErrors,
    retriedAttempts: sender.stats.retried,
    retriedAttemptsBy: sender.stats.retriedBy,
    workflowTaskFailures: sum(tasks.defects),
    workflowTaskFailuresByCause: tasks.defects,
    benignWorkflowTaskFailures: tasks.benign,
    workflowsClosedBadly: tasks.closedBadly.length,
    replayedRuns: replayed.histories,
    replayedGroupings: replayed.groupings,
    replayFailures: replayed.failures.length,
    faults: injected,
    catchUpSeconds: Math.round(catchUpSeconds * 10) / 10,
    loadSeconds: Math.round(loadSeconds),
    totalSeconds: Math.round((Date.now() - started) / 1000),
  };
  const problems = [...findings.lost, ...findings.appliedTwice, ...findings.duplicateMessages, ...findings.timelineBreaks, ...findings.busy.map((b) => `${b}: still busy`), ...tasks.closedBadly, ...ledger.stopped, ...replayed.failures];
  for (const line of problems.slice(0, 40)) log(`  ${line}`);
  console.log(JSON.stringify(result));
  exitCode = problems.length === 0 && result.workflowTaskFailures === 0 && sum(clientErrors) === 0 && result.gaveUp === 0 ? 0 : 1;
  // A 500 the sender's retry rode out is still a defect: say what it was, and keep the logs.
  const serverErrors = cluster.apis.flatMap((_, i) => serverErrorsIn(join(logDir, `api-${i + 1}.log`)));
  for (const line of serverErrors.slice(0, 5)) log(`  500: ${line}`);
  keepLogs = exitCode !== 0 || serverErrors.length > 0;
  if (keepLogs) log(`the processes' logs and the histories are in ${logDir}`);
} catch (error) {
  console.error('chaos failed:', error);
} finally {
  await cluster.stop();
  if (!keepLogs) rmSync(logDir, { recursive: true, force: true });
  process.exit(exitCode);
}

/** The unexpected errors an API process logged for the 500s it answered: type, message and where. */
function serverErrorsIn(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      if (!line.includes('"err":')) return [];
      try {
        const entry = JSON.parse(line) as { path?: string; status?: number; err?: { type?: string; message?: string; stack?: string } };
        // A 503 logs the error behind it too (the database refusing connections): that one was answered right.
        if (entry.status !== 500) return [];
        const where = entry.err?.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' < ') ?? '';
        return [`${entry.path ?? ''} ${entry.err?.type ?? ''}: ${entry.err?.message ?? ''} (${where})`];
      } catch {
        return [];
      }
    });
}

/**
 * One workflow's runs as a post-mortem: every workflow task that failed or timed out and every
 * run it continued into, with the time each happened; each run's history is saved to the log directory.
 */
async function taskStory(client: Client, workflowId: string): Promise<string[]> {
  const EventType = proto.temporal.api.enums.v1.EventType;
  const lines: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, execution.runId).fetchHistory();
    // Temporal's JSON form, as test/replay's recorded histories are: `historyFromJSON` reads it back for a replay.
    writeFileSync(join(logDir, `${workflowId.replace(/[^\w.-]+/g, '_')}.${execution.runId}.json`), historyToJSON(history));
    for (const event of history.events ?? []) {
      const at = event.eventTime?.seconds ? new Date(Number(event.eventTime.seconds) * 1000).toISOString().slice(11, 19) : '?';
      const type = event.eventType ?? 0;
      if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        const a = event.workflowTaskFailedEventAttributes;
        lines.push(`${at} run ${execution.runId.slice(0, 8)} task failed: ${proto.temporal.api.enums.v1.WorkflowTaskFailedCause[a?.cause ?? 0]} ${a?.failure?.message?.slice(0, 160) ?? ''}`);
      } else if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) lines.push(`${at} run ${execution.runId.slice(0, 8)} task timed out`);
      else if (type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) lines.push(`${at} run ${execution.runId.slice(0, 8)} continued as new`);
    }
    lines.push(`run ${execution.runId.slice(0, 8)}: ${execution.status.name}, ${history.events?.length ?? 0} events`);
  }
  return lines;
}
