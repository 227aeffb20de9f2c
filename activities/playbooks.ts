import { ApplicationFailure } from '@temporalio/activity';
import { findBuiltinPlaybook, type ResolvedPlaybook } from '../playbooks';

export function createPlaybookActivities() {
  return {
    /** The newest version of a playbook, adopted by a workflow at its next continue-as-new. */
    async resolvePlaybook(input: { tenantId: string; playbookId: string }): Promise<ResolvedPlaybook> {
      const builtin = findBuiltinPlaybook(input.playbookId);
      if (!builtin) throw ApplicationFailure.nonRetryable(`unknown playbook ${input.playbookId}`, 'UnknownPlaybook');
      return builtin;
    },
  };
}
