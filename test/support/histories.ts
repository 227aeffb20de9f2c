import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { fromRoot } from '../../scripts/runtime/paths';

export const historiesDir = fromRoot('test/replay/histories');

/**
 * The workflow code the next recordings are of. Bump it (and say why) when released workflow code
 * changes behind `patched()`: `npm run histories:record` then adds a history of every scenario on
 * the new code beside those of the old, which stay and keep replaying.
 *   (none)          the code up to 2026-12-01
 *   committed-steps step writes after the task commits (patches.committedSteps)
 *   leakage-ledger  ledger rows with the step writes; an invoice with nothing due paid as issued (patches.settleNothingDue)
 *   small-runs      a run continues as new past 2,000 events or 512 KB (patches.smallRuns)
 *   child-search-attributes  jobs and invoices carry and upsert Revloop's search attributes (patches.childSearchAttributes)
 *   wallet-breakage  expired paid credit is breakage revenue (patches.breakage) and a low balance tells the customer (patches.lowBalanceNotice); recorded for the wallet scenarios, the code they touch
 *   commands-before-writes  a contract upserts its attributes before a step's write and decides after it from the top of its loop (patches.commandsBeforeWrites); recorded for the contract scenarios
 */
export const HISTORY_SERIES = 'commands-before-writes';

/**
 * With REVLOOP_RECORD_HISTORIES=1 (`npm run histories:record`), saves the workflow's history for
 * the replay suite as `<name>.<series>.json`. Recorded histories are committed and never rewritten
 * once released: they are how CI proves that new workflow code still replays what production
 * already ran, so a file that exists is left as it is.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.REVLOOP_RECORD_HISTORIES !== '1') return;
  const file = join(historiesDir, `${name}.${HISTORY_SERIES}.json`);
  if (existsSync(file)) return;
  const history = await handle.fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(file, historyToJSON(history));
}
