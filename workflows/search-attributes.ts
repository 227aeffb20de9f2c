import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Revloop's custom search attributes: what ops staff filter on in the Temporal UI
 * (e.g. `RevloopStage = "collections" AND RevloopBalanceDue > 0`). The dev server, the test
 * servers and docker-compose register exactly this list.
 */

/** The tenant that owns the workflow. */
export const RevloopTenant = defineSearchAttributeKey('RevloopTenant', SearchAttributeType.KEYWORD);
/** The customer (or contract) id within the tenant. */
export const RevloopCustomer = defineSearchAttributeKey('RevloopCustomer', SearchAttributeType.KEYWORD);
/** The lifecycle stage: inquiry, booking, job, invoice, collections, review, retention, reactivation, dormant, lost… */
export const RevloopStage = defineSearchAttributeKey('RevloopStage', SearchAttributeType.KEYWORD);
/** `{playbookId}@v{version}` the run follows. */
export const RevloopPlaybook = defineSearchAttributeKey('RevloopPlaybook', SearchAttributeType.KEYWORD);
/** Outstanding balance in minor units. */
export const RevloopBalanceDue = defineSearchAttributeKey('RevloopBalanceDue', SearchAttributeType.INT);
/** When the workflow next acts on its own (a reminder, a follow-up, a dunning step). */
export const RevloopNextActionAt = defineSearchAttributeKey('RevloopNextActionAt', SearchAttributeType.DATETIME);

export const revloopSearchAttributes = [
  RevloopTenant,
  RevloopCustomer,
  RevloopStage,
  RevloopPlaybook,
  RevloopBalanceDue,
  RevloopNextActionAt,
] as const;
