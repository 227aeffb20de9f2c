import { installQuietTemporalRuntime } from './runtime/temporal-runtime';
import { benchCachedRelationships } from './bench/cached-relationships';
import { benchDecade } from './bench/decade';
import { benchIdleRelationships } from './bench/idle-relationships';
import { benchIngest } from './bench/ingest';
import { benchReports } from './bench/reports';
import { benchSimulation } from './bench/simulation';
import { benchWhatIf } from './bench/what-if';

/**
 * `npm run bench`: each scenario prints one JSON line. BENCH_SCENARIO picks one (or a
 * comma-separated list); unset, the quick ones run. None is part of `npm test`: speed is measured
 * here, never asserted in tests.
 *
 *   ingest                events through the API against raw Temporal signals, CPU per process
 *   cached-relationships  worker memory per cached relationship at BENCH_CACHED (1000,3000)
 *   decade                history per run of a time-skipped 10-year customer, and its replay cost
 *   reports               KPI and leakage latency on a 100,000-customer tenant
 *   idle-relationships    10,000 waiting relationships on one worker: GET-state warm, cold and in a timer wave (not quick)
 *   simulation            1,000 customers × 3 years, time-skipped over parallel test servers (not quick)
 *   what-if               a playbook what-if over 1,000 customers' year of records (not quick)
 */
const scenarios: Record<string, { quick: boolean; run: () => Promise<Record<string, unknown>> }> = {
  ingest: { quick: true, run: benchIngest },
  'cached-relationships': { quick: true, run: benchCachedRelationships },
  decade: { quick: true, run: benchDecade },
  reports: { quick: true, run: benchReports },
  'idle-relationships': { quick: false, run: benchIdleRelationships },
  simulation: { quick: false, run: benchSimulation },
  'what-if': { quick: false, run: benchWhatIf },
};

// stdout carries only the JSON lines.
installQuietTemporalRuntime();
const chosen = process.env.BENCH_SCENARIO ? process.env.BENCH_SCENARIO.split(',').map((s) => s.trim()) : Object.keys(scenarios).filter((name) => scenarios[name]!.quick);
const unknown = chosen.filter((name) => !scenarios[name]);
if (unknown.length) {
  console.error(`unknown BENCH_SCENARIO ${unknown.join(', ')}; one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
let failed = false;
for (const name of chosen) {
  try {
    console.log(JSON.stringify(await scenarios[name]!.run()));
  } catch (error) {
    console.error(`bench ${name} failed:`, error);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
