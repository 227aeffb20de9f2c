import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../db/client';
import { AnyPlaybook } from '../playbooks';
import { formatProblems, playbookProblems } from '../playbooks/problems';
import { simulateContractWhatIf } from '../simulation/contract-what-if';
import { simulateWhatIf } from '../simulation/what-if';
import { loadConfig } from './runtime/config';
import { resolveTemporalTool } from './runtime/temporal-tools';
import { bundleRevloopWorkflows } from './runtime/worker';
import { installQuietTemporalRuntime } from './runtime/temporal-runtime';

/**
 * `npm run simulate -- --tenant <id> --candidate <playbook.json> [--customers a,b | --contracts a,b | --stage inquiry | --last 100] [--horizon-days 30] [--reply-window-hours 48]`
 *
 * What a candidate playbook would have done to a sample of the tenant's real customers
 * (simulation/what-if.ts) or, for a b2b playbook, contracts (simulation/contract-what-if.ts):
 * their recorded events replayed at their recorded times on the time-skipping server, through
 * the playbook they follow and through the candidate, side by side. Writes nothing of the
 * tenant's and sends nothing. Prints the report as JSON: totals, and each subject that would differ. Reads DATABASE_URL (or `npm run dev`'s PGlite, with dev stopped).
 */
const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};
const tenantId = option('tenant');
const candidatePath = option('candidate');
if (!tenantId || !candidatePath) {
  console.error('usage: npm run simulate -- --tenant <id> --candidate <playbook.json> [--customers a,b | --contracts a,b | --stage <stage> | --last N] [--horizon-days 30] [--reply-window-hours 48]');
  process.exit(2);
}
const input: unknown = JSON.parse(readFileSync(candidatePath, 'utf8'));
const problems = playbookProblems(input);
if (problems.length) {
  console.error(`${candidatePath}:\n${formatProblems(problems)}`);
  process.exit(1);
}
const candidate = AnyPlaybook.parse(input);

installQuietTemporalRuntime();
const config = loadConfig();
const database = await openDatabase({ url: config.databaseUrl, pgliteDataDir: join(config.dataDir, 'pglite') });
try {
  const code = await bundleRevloopWorkflows();
  const ids = (name: string) => option(name)?.split(',').filter(Boolean);
  const last = option('last');
  const common = {
    db: database.db,
    tenantId,
    horizonDays: Number(option('horizon-days') ?? 30),
    replyWindowMs: Number(option('reply-window-hours') ?? 48) * 3_600_000,
    testServer: resolveTemporalTool('testServer').executable,
    workflowBundle: { code },
  };
  const sample = { ...(option('stage') ? { stage: option('stage')! } : {}), ...(last ? { last: Number(last) } : {}) };
  const report =
    candidate.kind === 'b2b'
      ? await simulateContractWhatIf({ ...common, candidate, sample: { ...sample, ...(ids('contracts') ? { contractIds: ids('contracts')! } : {}) } })
      : await simulateWhatIf({ ...common, candidate, sample: { ...sample, ...(ids('customers') ? { customerIds: ids('customers')! } : {}) } });
  console.log(JSON.stringify({ ...report, subjects: report.subjects.filter((s) => s.differs) }, null, 2));
} finally {
  await database.close();
}
process.exit(0);
