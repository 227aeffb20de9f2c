import type { SearchAttributePair } from '@temporalio/common';
import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import { RevloopBalanceDue, RevloopCustomer, RevloopNextActionAt, RevloopPlaybook, RevloopStage, RevloopTenant } from '../search-attributes';
import { patches } from './versions';

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

/**
 * The search attributes a job or invoice workflow starts with: whose it is (tenant, and the
 * customer or contract id as `RevloopCustomer`), the playbook its parent follows, and its first
 * status as `RevloopStage`. None for a parent run from before `patches.childSearchAttributes`.
 */
export function childStartAttributes(child: { tenantId: string; subjectId: string; playbook: string; stage: string; balanceDue?: number }): { typedSearchAttributes?: SearchAttributePair[] } {
  if (!patched(patches.childSearchAttributes)) return {};
  return {
    typedSearchAttributes: [
      { key: RevloopTenant, value: child.tenantId },
      { key: RevloopCustomer, value: child.subjectId },
      { key: RevloopPlaybook, value: child.playbook },
      { key: RevloopStage, value: child.stage },
      ...(child.balanceDue === undefined ? [] : [{ key: RevloopBalanceDue, value: child.balanceDue }]),
    ],
  };
}

/**
 * A job's or invoice's changing attributes: its status as `RevloopStage`, its balance and next
 * action, upserted only when one changed. A child started before `patches.childSearchAttributes`
 * upserts nothing (its parent gave it no attributes to keep current).
 */
export class ChildVisibility {
  private readonly enabled = patched(patches.childSearchAttributes);
  private published = '';

  publish(stage: string, nextActionAt: number | null, balanceDue?: number): void {
    if (!this.enabled) return;
    const key = JSON.stringify([stage, nextActionAt, balanceDue]);
    if (key === this.published) return;
    upsertSearchAttributes([
      { key: RevloopStage, value: stage },
      { key: RevloopNextActionAt, value: nextActionAt === null ? null : new Date(nextActionAt) },
      ...(balanceDue === undefined ? [] : [{ key: RevloopBalanceDue, value: balanceDue }]),
    ]);
    this.published = key;
  }
}
