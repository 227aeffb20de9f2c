import { ApplicationFailure } from '@temporalio/activity';
import type { Database } from '../db/client';
import { resolvePlaybook } from '../db/playbook-store';
import type { ResolvedPlaybook } from '../playbooks';

export function createPlaybookActivities(db: Database) {
  return {
    /** The newest version of a playbook, adopted by a workflow at its next continue-as-new. */
    async resolvePlaybook(input: { tenantId: string; playbookId: string }): Promise<ResolvedPlaybook> {
      const playbook = await resolvePlaybook(db, input.tenantId, input.playbookId);
      if (!playbook) throw ApplicationFailure.nonRetryable(`unknown playbook ${input.playbookId}`, 'UnknownPlaybook');
      return playbook;
    },
  };
}
