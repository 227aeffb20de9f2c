import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { problems } from './problem';

const UNAVAILABLE_CODES = new Set([4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */]);

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

export function temporalUnavailable() {
  return problems.unavailable('The workflow service is not reachable right now; nothing was changed. Retry shortly.');
}
