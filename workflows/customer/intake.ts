import { ApplicationFailure } from '@temporalio/workflow';
import type { CustomerEvent } from '../../domain/customer-events';
import { UpdateRefusal } from '../definitions';
import { local, localOptions } from '../lifecycle/step-writes';
import { applyEvent, describeCustomerEvent } from './events';
import type { Relationship } from './relationship';
import { refusalOf } from './refusals';

// Events in: the update validator (refusals decided in refusals.ts), and the main loop's
// application of queued events, each exactly once, in order, under its own cause.

/** Rejects, before anything is recorded, an event the relationship cannot apply. It must not change state. */
export function validate(r: Relationship, event: CustomerEvent): void {
  // A redelivery is answered as the duplicate it is, whatever has happened since.
  if (r.intake.has(event.eventId)) return;
  const refusal = refusalOf(event, r.memory, r.waiting(), r.playbook.currency, Date.now());
  if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, UpdateRefusal.invalidReference, refusal.field);
}

/**
 * Applies every waiting event, oldest first. Each stays on the waiting list until it is applied,
 * so an event naming the job or invoice it creates is accepted meanwhile; its timeline row is
 * written by the step, after the step committed.
 */
export async function applyPending(r: Relationship): Promise<void> {
  for (let event = r.intake.next(); event; event = r.intake.next()) {
    r.messenger.cause = event.eventId;
    r.messenger.event(event.eventId, event.type, describeCustomerEvent(event), event as unknown as Record<string, unknown>);
    await applyEvent(r, event);
    r.intake.applied(event);
    r.trackStage();
  }
}

/**
 * Runs from before `patches.committedSteps`: records every waiting event in one local activity,
 * then applies those seen for the first time. Kept so their histories replay; such a run moves
 * to `applyPending` at its next continue-as-new.
 */
export async function applyInboxLegacy(r: Relationship): Promise<void> {
  const batch = r.intake.takeAll();
  r.legacyBatch = batch;
  const now = new Date().toISOString();
  const entries = batch.map((event) => ({
    id: event.eventId,
    kind: 'event' as const,
    type: event.type,
    summary: describeCustomerEvent(event),
    data: event as unknown as Record<string, unknown>,
    occurredAt: now,
    seq: r.messenger.nextSeq(),
  }));
  const summary = batch.length === 1 ? `record ${batch[0]!.type}` : `record ${batch.length} events`;
  const { applied } = await local.recordEvents.executeWithOptions({ ...localOptions, summary }, [
    { tenantId: r.input.tenantId, subjectType: 'customer', subjectId: r.input.customerId, entries },
  ]);
  const fresh = new Set(applied);
  for (const event of batch) {
    r.intake.remember(event.eventId);
    // Not fresh: recorded in an earlier run, and applied then.
    if (fresh.has(event.eventId)) {
      r.messenger.cause = event.eventId;
      await applyEvent(r, event);
      r.trackStage();
    }
    r.legacyBatch = r.legacyBatch.filter((e) => e.eventId !== event.eventId);
  }
  r.legacyBatch = [];
}
