import { isGrpcServiceError, ServiceError, WorkflowUpdateFailedError, type WorkflowClient } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError, type QueryDefinition } from '@temporalio/common';
import { UpdateRefusal } from '../../workflows/definitions';
import { problems } from './problem';

const UNAVAILABLE_CODES = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);
/** A query the workflow cannot answer right now (its last task failed and is being retried). */
const NOT_ANSWERING = 9; /* FAILED_PRECONDITION */

/** Whether `error` or anything in its chain of causes passes `test`: the client wraps what the server or Core said. */
function anyCause(error: unknown, test: (e: unknown) => boolean): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) if (test(e)) return true;
  return false;
}

/** Temporal did not answer (down, overloaded, unreachable, or cut off mid-call): the client should retry later. */
export function isTemporalUnavailable(error: unknown): boolean {
  return anyCause(error, (e) => (isGrpcServiceError(e) && UNAVAILABLE_CODES.has(e.code)) || (e instanceof ServiceError && /unavailable|connect|deadline/i.test(e.message)) || connectionCut(e));
}

/**
 * The connection to Temporal broke while the call was on it (the server killed or restarted mid-
 * request): Core's client reports "transport error", with no status of its own. Whether the server
 * took the call is unknown, so the client should send it again; every event carries its id, and
 * a second delivery of it is applied once.
 */
const connectionCut = (e: unknown) => e instanceof Error && /^(transport error|connection reset|broken pipe|h2 protocol error)/i.test(e.message);

export function isWorkflowNotFound(error: unknown): boolean {
  return anyCause(error, (e) => e instanceof WorkflowNotFoundError || (isGrpcServiceError(e) && e.code === 5) /* NOT_FOUND */);
}

const isWorkflowNotAnswering = (error: unknown) => anyCause(error, (e) => isGrpcServiceError(e) && e.code === NOT_ANSWERING);

function workflowNotAnswering() {
  return problems.unavailable('The workflow cannot answer right now (it is recovering from a failed step); ops staff can see why in the Temporal UI. Retry later.', 30);
}

export function temporalUnavailable(error?: unknown) {
  if (anyCause(error, connectionCut)) {
    return problems.unavailable('The connection to the workflow service broke during the request, which may or may not have been taken. Send it again as it was: an event with the same eventId is applied once.');
  }
  return problems.unavailable('The workflow service is not reachable right now; nothing was changed. Retry shortly.');
}

/**
 * What an HTTP client should hear when a call to a lifecycle workflow failed: no such workflow
 * (404 naming `what`), Temporal unreachable or the workflow unable to answer (503), or the
 * workflow's Update validator refusing the event (409 or 422 at the field it names). Anything else
 * is returned as it is, for the app's 500.
 */
export function workflowProblem(error: unknown, what: string): unknown {
  if (isWorkflowNotFound(error)) return problems.notFound(`There is no ${what}.`);
  if (isTemporalUnavailable(error)) return temporalUnavailable(error);
  if (isWorkflowNotAnswering(error)) return workflowNotAnswering();
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
    const refusal = error.cause;
    if (refusal.type === UpdateRefusal.conflict) return problems.conflict(refusal.message);
    if (refusal.type === UpdateRefusal.invalidReference) {
      const field = typeof refusal.details?.[0] === 'string' ? refusal.details[0] : 'type';
      return problems.unprocessable(refusal.message, [{ path: `body.${field}`, message: refusal.message }]);
    }
  }
  return error;
}

/** Asks a customer's or contract's workflow for its live state; a failure becomes the problem a client should hear (`what` names it). */
export async function askWorkflow<T, A extends unknown[] = []>(client: { workflow: WorkflowClient }, workflowId: string, query: QueryDefinition<T, A>, what: string, ...args: A): Promise<T> {
  try {
    return await client.workflow.getHandle(workflowId).query(query, ...args);
  } catch (error) {
    throw workflowProblem(error, what);
  }
}
