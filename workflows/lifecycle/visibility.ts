import { upsertSearchAttributes } from '@temporalio/workflow';
import { RevloopBalanceDue, RevloopCustomer, RevloopNextActionAt, RevloopPlaybook, RevloopStage, RevloopTenant } from '../search-attributes';

/**
 * What a lifecycle shows in the Temporal UI: its search attributes, upserted only when they
 * change (each upsert is a history event), and the run's current details.
 */
export interface Attributes {
  tenantId: string;
  /** The customer or contract id. */
  subjectId: string;
  /** `{playbookId}@v{version}`. */
  playbook: string;
  stage: string;
  balanceDue: number;
  /** ISO time or ms; null clears it, undefined leaves it as it was. */
  nextActionAt: string | number | null | undefined;
}

export class Visibility {
  private published = '';

  /** Upserts the attributes if `key` (what they depend on) changed since the last upsert. */
  publish(key: string, attributes: Attributes): void {
    if (key === this.published) return;
    const next = attributes.nextActionAt;
    upsertSearchAttributes([
      { key: RevloopTenant, value: attributes.tenantId },
      { key: RevloopCustomer, value: attributes.subjectId },
      { key: RevloopPlaybook, value: attributes.playbook },
      { key: RevloopStage, value: attributes.stage },
      { key: RevloopBalanceDue, value: attributes.balanceDue },
      ...(next === undefined ? [] : [{ key: RevloopNextActionAt, value: next === null ? null : new Date(next) }]),
    ]);
    this.published = key;
  }
}
