import type { Cluster } from './cluster';
import type { Random } from './random';

/**
 * What goes wrong during the load, spread over it at seeded random moments, one fault at a time:
 * a worker killed with -9 (mid-task, mid-activity, wherever it is) and started again; a worker
 * frozen with SIGSTOP past the 10 s workflow-task timeout, then let go (its stale work arrives
 * late); the Temporal server killed and restarted on its file; PostgreSQL stopped (a crash) and
 * started again; an API process killed and restarted.
 */
export interface FaultPlan {
  workerKills: number;
  workerFreezes: number;
  temporalRestarts: number;
  postgresOutages: number;
  postgresOutageSeconds: number;
  apiKills: number;
}

export type FaultCounts = { [K in Exclude<keyof FaultPlan, 'postgresOutageSeconds'>]: number };

const FREEZE_MS = 15_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function injectFaults(cluster: Cluster, plan: FaultPlan, windowMs: number, random: Random, log: (m: string) => void): Promise<FaultCounts> {
  type Kind = keyof FaultCounts;
  const kinds: Kind[] = [
    ...Array<Kind>(plan.workerKills).fill('workerKills'),
    ...Array<Kind>(plan.workerFreezes).fill('workerFreezes'),
    ...Array<Kind>(plan.temporalRestarts).fill('temporalRestarts'),
    ...Array<Kind>(plan.postgresOutages).fill('postgresOutages'),
    ...Array<Kind>(plan.apiKills).fill('apiKills'),
  ];
  // A seeded shuffle, so each kind lands somewhere different from run to run of another seed.
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  const done: FaultCounts = { workerKills: 0, workerFreezes: 0, temporalRestarts: 0, postgresOutages: 0, apiKills: 0 };
  const started = Date.now();
  // The faults fill the middle of the load, a slot each, at a random moment within its slot.
  const slot = (windowMs * 0.8) / Math.max(1, kinds.length);
  for (const [i, kind] of kinds.entries()) {
    const at = started + windowMs * 0.1 + slot * i + random.next() * slot * 0.5;
    await pause(Math.max(0, at - Date.now()));
    const t = ((Date.now() - started) / 1000).toFixed(1);
    switch (kind) {
      case 'workerKills': {
        const worker = random.pick(cluster.workers);
        log(`${t}s kill -9 ${worker.name}`);
        await worker.kill();
        await pause(random.int(500, 3_000));
        await worker.start();
        break;
      }
      case 'workerFreezes': {
        const worker = random.pick(cluster.workers);
        log(`${t}s kill -STOP ${worker.name} for ${FREEZE_MS / 1000}s`);
        worker.freeze();
        await pause(FREEZE_MS);
        worker.thaw();
        break;
      }
      case 'temporalRestarts':
        log(`${t}s kill -9 the Temporal server and restart it`);
        await cluster.restartTemporal();
        break;
      case 'postgresOutages':
        log(`${t}s stop PostgreSQL (immediate) for ${plan.postgresOutageSeconds}s`);
        cluster.postgres.stop('immediate');
        await pause(plan.postgresOutageSeconds * 1000);
        cluster.postgres.start();
        break;
      case 'apiKills': {
        const api = random.pick(cluster.apis);
        log(`${t}s kill -9 ${api.name}`);
        await api.kill();
        await pause(random.int(500, 2_000));
        await api.start();
        break;
      }
    }
    done[kind] += 1;
  }
  return done;
}
