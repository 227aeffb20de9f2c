import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { Problem } from '../../api/http/problem';
import { workflowProblem } from '../../api/http/temporal-errors';
import { UpdateRefusal } from '../../workflows/definitions';

/** A gRPC status as Core's native client reports it (core-bridge's ServiceError: code, details, metadata). */
function grpcStatus(code: number, message: string): Error {
  return Object.assign(new Error(message), { name: 'ServiceError', code, details: message, metadata: {} });
}
/** The client's wrapping of a failed Update call, as `executeUpdate` throws it. */
const updateCallFailed = (cause: Error) => new ServiceError('Workflow Update failed', { cause });

describe('what a client hears when a call to a workflow failed', () => {
  it.each<[string, unknown, number | 'rethrown']>([
    ['Temporal unreachable (UNAVAILABLE)', updateCallFailed(grpcStatus(14, 'tcp connect error')), 503],
    ['Temporal overloaded (RESOURCE_EXHAUSTED)', updateCallFailed(grpcStatus(8, 'namespace rate limit exceeded')), 503],
    // Seen under chaos: the server killed while an Update was on the connection. A 500 said "our bug".
    ['the connection cut mid-call (transport error, no status)', updateCallFailed(grpcStatus(2, 'transport error')), 503],
    ['the workflow recovering from a failed task (FAILED_PRECONDITION)', updateCallFailed(grpcStatus(9, 'Unable to perform workflow execution update due to Workflow Task failure.')), 503],
    ['no such workflow', new WorkflowNotFoundError('not found', 'wf', undefined), 404],
    ['an Update validator refusing a reference', new WorkflowUpdateFailedError('refused', ApplicationFailure.nonRetryable('no such job', UpdateRefusal.invalidReference, 'jobId')), 422],
    ['an Update validator refusing a conflict', new WorkflowUpdateFailedError('refused', ApplicationFailure.nonRetryable('already signed', UpdateRefusal.conflict)), 409],
    ['anything else (a bug of ours)', updateCallFailed(grpcStatus(13, 'internal: something odd')), 'rethrown'],
  ])('%s', (_, error, expected) => {
    const answer = workflowProblem(error, 'customer "pat"');
    if (expected === 'rethrown') expect(answer).toBe(error);
    else expect((answer as Problem).status).toBe(expected);
  });

  it('tells the client a cut connection may have taken the event, and that sending it again is safe', () => {
    const answer = workflowProblem(updateCallFailed(grpcStatus(2, 'transport error')), 'customer "pat"') as Problem;
    expect(answer.detail).toMatch(/may or may not have been taken.*same eventId is applied once/);
    expect(answer.headers['Retry-After']).toBeDefined();
  });
});
