import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../db/client';
import { ensureChromium } from '../../scripts/runtime/chromium';
import { ensureLocalPostgres } from '../../scripts/runtime/local-postgres';
import { fromRoot } from '../../scripts/runtime/paths';
import { resolveTemporalTool, type TemporalExecutable } from '../../scripts/runtime/temporal-tools';
import { workflowBundlerOptions, workflowsPath } from '../../scripts/runtime/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    workflowBundlePath: string;
    temporalCli: TemporalExecutable;
    temporalTestServer: TemporalExecutable;
    chromium: string;
  }
}

/**
 * Once per `npm test`: find (or install) the Temporal binaries and Chromium, make sure PostgreSQL
 * is up and migrated, and bundle the workflow code a single time for every test file.
 */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('temporalCli', resolveTemporalTool('cli').executable);
  project.provide('temporalTestServer', resolveTemporalTool('testServer').executable);
  project.provide('chromium', ensureChromium());

  const databaseUrl = process.env.DATABASE_URL || ensureLocalPostgres('revloop_test');
  const database = await openDatabase({ url: databaseUrl, maxConnections: 1 });
  try {
    await database.migrate();
  } finally {
    await database.close();
  }
  project.provide('databaseUrl', databaseUrl);

  const { code } = await bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions, logger: quietLogger });
  const dir = fromRoot('.data/test');
  mkdirSync(dir, { recursive: true });
  const bundlePath = join(dir, `workflow-bundle-${process.pid}.js`);
  writeFileSync(bundlePath, code);
  project.provide('workflowBundlePath', bundlePath);
}

const noop = () => {};
const quietLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };
