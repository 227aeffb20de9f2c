/**
 * Creates a worker whose workflow threads record no promise stack traces, in a process started
 * with the `workflow-stack-traces.cjs` preload (`npm run api`, `dev`, `simulate`, `bench`); anywhere
 * else it changes nothing. For workers on scratch time-skipping servers only: their workflows run
 * a year in seconds and nobody opens their "Stack Trace" tab, and the capture is about a quarter
 * of a simulation's time. The threads a worker starts copy the process's environment as they
 * start, so the switch is on only while `create` runs; what-if runs are one at a time per process.
 */
export async function withoutWorkflowStackTraces<T>(create: () => Promise<T>): Promise<T> {
  const before = process.env.REVLOOP_WORKFLOW_STACK_TRACES;
  process.env.REVLOOP_WORKFLOW_STACK_TRACES = 'off';
  try {
    return await create();
  } finally {
    if (before === undefined) delete process.env.REVLOOP_WORKFLOW_STACK_TRACES;
    else process.env.REVLOOP_WORKFLOW_STACK_TRACES = before;
  }
}
