import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { everyTaskMerged, type JsonHistory } from '../../scripts/runtime/task-groupings';
import { historiesDir } from '../support/histories';
import { replayFailures } from '../support/replay';

/** Every recorded history, read once for all three checks. */
const recorded = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ file: f, history: JSON.parse(readFileSync(join(historiesDir, f), 'utf8')) as JsonHistory }));

/**
 * Every recorded history must replay on today's workflow code without a non-determinism error:
 * a workflow that ran for years must keep running after a deploy.
 */
describe('recorded histories replay on the current workflow code', () => {
  it('has recorded histories of every workflow type', () => {
    const types = new Set(recorded.map(({ history }) => (history.events[0]!.workflowExecutionStartedEventAttributes as { workflowType: { name: string } }).workflowType.name));
    expect([...types].sort()).toEqual(['contract', 'customer', 'invoice', 'job']);
  });

  it('replays all of them', async () => {
    expect(await replayFailures(recorded.map(({ file, history }) => ({ workflowId: file.replace(/\.json$/, ''), history })))).toEqual([]);
    expect(recorded.length).toBeGreaterThan(0);
  });

  it('replays each of them as a worker replaying from scratch may group it', async () => {
    // Every empty task before an Update merged into it, all at once (scripts/runtime/task-groupings.ts):
    // a replay stops at the first command that differs, so one replay per history finds a grouping
    // the code is not indifferent to; test/replay/task-grouping.test.ts merges them one by one.
    const variants = recorded.flatMap(({ file, history }) => {
      const merged = everyTaskMerged(history);
      return merged ? [{ workflowId: `${file} with tasks ${merged.mergedTasks.join(', ')} merged into the next`, history: merged.history, tasks: merged.mergedTasks.length }] : [];
    });
    expect(await replayFailures(variants)).toEqual([]);
    expect(variants.reduce((sum, v) => sum + v.tasks, 0)).toBeGreaterThan(50);
  });
});
