import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../db/client';
import { HomeServicePlaybook } from '../playbooks';
import { formatProblems, playbookProblems } from '../playbooks/problems';
import { simulateWhatIf } from '../simulation/what-if';
import { loadConfig } from './runtime/config';
import { resolveTemporalTool } from './runtime/temporal-tools';
import { bundleRevloopWorkflows } from './runtime/worker';
import { installQuietTemporalRuntime } from './runtime/temporal-runtime';

/**
 * `npm run simulate -- --tenant <id> --candidate <playbook.json> [--customers a,b | --stage inquiry | --last 100] [--horizon-days 30] [--reply-window-hours 48]`
 *
 * What a candidate playbook would have done to a sample of the tenant's real customers
 * (simulation/what-if.ts): their recorded events replayed at their recorded times on the
 * time-skipping server, through the playbook they follow and through the candidate, side by
 * side. Writes nothing of the tenant's and sends nothing. Prints the report as JSON: totals, and
 * each customer that would differ. Reads DATABASE_URL (or `npm run dev`'s PGlite, with dev stopped).
 */
const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const tenantId = option('tenant');
const candidatePath = option('candidate');
if (!tenantId || !candidatePath) {
  console.error('usage: npm run simulate -- --tenant <id> --candidate <playbook.json> [--customers a,b | --stage <stage> | --last N] [--horizon-days 30] [--reply-window-hours 48]');
  process.exit(2);
}
const input: unknown = JSON.parse(readFileSync(candidatePath, 'utf8'));
const problems = playbookProblems(input);
if (problems.length) {
  console.error(`${candidatePath}:\n${formatProblems(problems)}`);
  process.exit(1);
}
const candidate = HomeServicePlaybook.safeParse(input);
if (!candidate.success) {
  console.error(`${candidatePath}: what-if simulation takes home-service playbooks for now`);
  process.exit(1);
}

installQuietTemporalRuntime();
const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, pgliteDataDir: join(config.dataDir, 'pglite') });
try {
  const code = await bundleRevloopWorkflows();
  const customers = option('customers')?.split(',').filter(Boolean);
  const last = option('last');
  const report = await simulateWhatIf({
    db: database.db,
    tenantId,
    candidate: candidate.data,
    sample: { ...(customers ? { customerIds: customers } : {}), ...(option('stage') ? { stage: option('stage')! } : {}), ...(last ? { last: Number(last) } : {}) },
    horizonDays: Number(option('horizon-days') ?? 30),
    replyWindowMs: Number(option('reply-window-hours') ?? 48) * 3_600_000,
    testServer: resolveTemporalTool('testServer').executable,
    workflowBundle: { code },
  });
  console.log(JSON.stringify({ ...report, subjects: report.subjects.filter((s) => s.differs) }, null, 2));
} finally {
  await database.close();
}
process.exit(0);
