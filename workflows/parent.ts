import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { childNoticeSignal, type ChildNotice } from './definitions';

/**
 * Tells the customer (or contract) workflow about a change. By workflow id, not run id, so the
 * notice reaches whichever run is current after continue-as-new. A parent that no longer exists
 * (terminated by an operator) is not a reason for the child to fail.
 */
export async function notifyParent(parentWorkflowId: string, notice: ChildNotice): Promise<void> {
  try {
    await getExternalWorkflowHandle(parentWorkflowId).signal(childNoticeSignal, notice);
  } catch {
    // The parent is gone; the child's own records in PostgreSQL still tell the story.
  }
}
