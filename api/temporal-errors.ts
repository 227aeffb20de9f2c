import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { problems } from './problem';

const UNAVAILABLE_CODES = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);
/** A query the workflow cannot answer right now (its last task failed and is being retried). */
const NOT_ANSWERING = 9; /* FAILED_PRECONDITION */

/** Temporal did not answer (down, overloaded, unreachable): the client should retry later. */
export function isTemporalUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e) && UNAVAILABLE_CODES.has(e.code)) return true;
    if (e instanceof ServiceError && /unavailable|connect|deadline/i.test(e.message)) return true;
  }
  return false;
}

export function isWorkflowNotFound(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof WorkflowNotFoundError) return true;
    if (isGrpcServiceError(e) && e.code === 5 /* NOT_FOUND */) return true;
  }
  return false;
}

export function isWorkflowNotAnswering(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    if (isGrpcServiceError(e) && e.code === NOT_ANSWERING) return true;
  }
  return false;
}

export function workflowNotAnswering() {
  return problems.unavailable('The workflow cannot answer right now (it is recovering from a failed step); ops staff can see why in the Temporal UI. Retry later.', 30);
}

export function temporalUnavailable() {
  return problems.unavailable('The workflow service is not reachable right now; nothing was changed. Retry shortly.');
}
