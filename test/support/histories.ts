import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { fromRoot } from '../../scripts/runtime/paths';

export const historiesDir = fromRoot('test/replay/histories');

/**
 * With REVLOOP_RECORD_HISTORIES=1 (`npm run histories:record`), saves the workflow's history for
 * the replay suite. Recorded histories are committed and never rewritten once released: they are
 * how CI proves that new workflow code still replays what production already ran.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.REVLOOP_RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  mkdirSync(historiesDir, { recursive: true });
  writeFileSync(join(historiesDir, `${name}.json`), historyToJSON(history));
}
