import type { EphemeralServerExecutable } from '@temporalio/testing';
import type { Database } from '../db/client';
import { bundleRevloopWorkflows } from '../scripts/runtime/worker';
import { simulateContractWhatIf } from './contract-what-if';
import { WhatIfBusy, type WhatIfRunner } from './runner-types';
import { simulateWhatIf } from './what-if';

/**
 * The API's what-if runner: one simulation at a time per process, on a time-skipping server of
 * its own, with the workflow bundle built once, at the first request (or the prebuilt one).
 */
export function createWhatIfRunner(options: { db: Database; testServer: EphemeralServerExecutable; workflowBundlePath?: string | undefined }): WhatIfRunner {
  let bundle: Promise<{ code: string } | { codePath: string }> | undefined;
  let running = false;
  const exclusively = async <T>(simulate: (workflowBundle: { code: string } | { codePath: string }) => Promise<T>): Promise<T> => {
    if (running) throw new WhatIfBusy('a what-if simulation is already running in this process');
    running = true;
    try {
      bundle ??= options.workflowBundlePath ? Promise.resolve({ codePath: options.workflowBundlePath }) : bundleRevloopWorkflows().then((code) => ({ code }));
      return await simulate(await bundle);
    } finally {
      running = false;
    }
  };
  return {
    busy: () => running,
    run: (request) => exclusively((workflowBundle) => simulateWhatIf({ ...request, db: options.db, testServer: options.testServer, workflowBundle })),
    runContracts: (request) => exclusively((workflowBundle) => simulateContractWhatIf({ ...request, db: options.db, testServer: options.testServer, workflowBundle })),
  };
}
