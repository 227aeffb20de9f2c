import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll } from 'vitest';
import type { ActivityDependencies } from '../../activities';
import type { DatabaseHandle } from '../../db/client';
import { openTestDatabase } from './database';
import { startTimeSkippingServer, startWorker, type RunningWorker } from './temporal';

export interface TimeSkippingSuite {
  env: TestWorkflowEnvironment;
  database: DatabaseHandle;
  worker: RunningWorker;
  /** The test server's clock, ms since epoch. */
  now(): Promise<number>;
}

/** One time-skipping server, database connection and worker shared by the tests of a file. */
export function timeSkippingSuite(options: { activities?: Partial<Omit<ActivityDependencies, 'db'>> } = {}): TimeSkippingSuite {
  const suite = {} as TimeSkippingSuite;
  beforeAll(async () => {
    suite.env = await startTimeSkippingServer();
    suite.database = await openTestDatabase();
    suite.worker = await startWorker(suite.env, suite.database.db, undefined, options.activities);
    suite.now = () => suite.env.currentTimeMs();
  });
  afterAll(async () => {
    await suite.worker?.stop();
    await suite.env?.teardown();
    await suite.database?.close();
  });
  return suite;
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Whole minutes in a span (never -0). The test server fires timers a few real milliseconds late. */
export function minutes(ms: number): number {
  return Math.round(ms / MINUTE) + 0;
}

/** An instant as ISO-8601, rounded to the minute, for comparing when things happened. */
export function toMinute(ms: number): string {
  return new Date(Math.round(ms / MINUTE) * MINUTE).toISOString();
}
