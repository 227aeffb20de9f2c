import { proxySinks, type Sinks, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * Test-only, bundled into the fault worker's workflow code: tells the worker process about every
 * lifecycle event a workflow handled. The sink runs after the activation, before its completion
 * reaches the server, so a worker that freezes itself there leaves that workflow task to time
 * out with all its work done and none of it committed.
 */
export interface FaultSinks extends Sinks {
  faults: { handled(eventId: string): void };
}

const { faults } = proxySinks<FaultSinks>();

function eventIdOf(args: unknown[]): string | undefined {
  const first = args[0] as { eventId?: unknown } | undefined;
  return typeof first?.eventId === 'string' ? first.eventId : undefined;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async handleSignal(input, next) {
        await next(input);
        const id = eventIdOf(input.args);
        if (id) faults.handled(id);
      },
      async handleUpdate(input, next) {
        const result = await next(input);
        const id = eventIdOf(input.args);
        if (id) faults.handled(id);
        return result;
      },
    },
  ],
});
