'use strict';
// Preloaded (`node --require`) by the processes that run scratch simulations (the API, `npm run
// dev`, `npm run simulate`, `npm run bench`); CommonJS because a --require preload is the one kind
// Node also runs in worker threads.
//
// The Temporal SDK records a stack trace for every promise a workflow creates (a V8 promise hook
// in each workflow thread), so the Temporal UI's "Stack Trace" tab can say where a workflow waits.
// A time-skipped simulation runs a year of many customers' workflows in seconds on a scratch server
// nobody opens: there the capture is about a quarter of the whole what-if's time (100 customers ×
// 1 year: 95 s without it, 133 s with it). The SDK has no switch for it, but treats a thread whose
// `v8.promiseHooks.createHook` throws as one without promise hooks and goes on without stack
// traces (it warns once a thread). So a workflow thread started while REVLOOP_WORKFLOW_STACK_TRACES
// is "off" in its environment (simulation/scratch-server.ts sets it around creating its worker; a
// thread's environment is a copy of the process's at its start) gets a createHook that throws.
// Every other thread, the production worker's included, is left as it is.
const { isMainThread } = require('node:worker_threads');

if (!isMainThread && process.env.REVLOOP_WORKFLOW_STACK_TRACES === 'off') {
  const v8 = require('node:v8');
  v8.promiseHooks.createHook = () => {
    throw new Error('workflow stack traces are off in this thread (REVLOOP_WORKFLOW_STACK_TRACES)');
  };
}
