import { leakKinds, type LeakRecord } from '../domain/leakage';

/**
 * A ledger record as its `leakage_entries` row, less the keys (tenant, subject, id): one mapping
 * for the rows a workflow step writes and the rows the backfill rebuilds from timelines.
 */
export function leakRowValues(leak: LeakRecord, version: number) {
  return {
    kind: leak.kind,
    step: leakKinds[leak.kind].step,
    status: leak.status,
    occurredAt: new Date(leak.occurredAt),
    currency: leak.currency,
    atStake: leak.atStake,
    estimated: leak.estimated,
    recovered: leak.recovered,
    lost: leak.lost,
    recoveredBy: leak.recoveredBy,
    resolvedAt: leak.resolvedAt ? new Date(leak.resolvedAt) : null,
    ref: leak.ref,
    summary: leak.summary,
    workflowId: leak.workflowId,
    detail: leak.detail,
    version,
  };
}
