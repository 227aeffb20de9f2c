import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { inject, describe, expect, it } from 'vitest';
import { everyTaskMerged, type JsonHistory } from '../../scripts/runtime/task-groupings';
import { historiesDir } from '../support/histories';

const files = readdirSync(historiesDir).filter((f) => f.endsWith('.json')).sort();

/**
 * Every recorded history must replay on today's workflow code without a non-determinism error:
 * a workflow that ran for years must keep running after a deploy.
 */
describe('recorded histories replay on the current workflow code', () => {
  it('has recorded histories of every workflow type', () => {
    const types = new Set(files.map((f) => JSON.parse(readFileSync(join(historiesDir, f), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name));
    expect([...types].sort()).toEqual(['contract', 'customer', 'invoice', 'job']);
  });

  it('replays all of them', async () => {
    const histories = files.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: JSON.parse(readFileSync(join(historiesDir, f), 'utf8')) }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
    expect(histories.length).toBeGreaterThan(0);
  });

  it('replays each of them as a worker replaying from scratch may group it', async () => {
    // Every empty task before an Update merged into it, all at once (scripts/runtime/task-groupings.ts):
    // a replay stops at the first command that differs, so one replay per history finds a grouping
    // the code is not indifferent to; test/replay/task-grouping.test.ts merges them one by one.
    const variants = files.flatMap((f) => {
      const merged = everyTaskMerged(JSON.parse(readFileSync(join(historiesDir, f), 'utf8')) as JsonHistory);
      return merged ? [{ workflowId: `${f} with tasks ${merged.mergedTasks.join(', ')} merged into the next`, history: merged.history, tasks: merged.mergedTasks.length }] : [];
    });
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundlePath') } }, variants)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message.slice(0, 300)}`);
    }
    expect(failures).toEqual([]);
    expect(variants.reduce((sum, v) => sum + v.tasks, 0)).toBeGreaterThan(50);
  });
});
