import { setCurrentDetails } from '@temporalio/workflow';
import { local, localOptions } from '../lifecycle/step-writes';
import type { Relationship } from './relationship';
import { balanceDue } from './state';
import { details, upcoming } from './view';

// Writing a step: the customer's record on its first step, then after every event and action
// the timeline, outbox, tasks and read model in PostgreSQL, the search attributes and details.

/** The customer's own row, written with the first step (or, for a legacy run, at once). */
export async function recordCreation(r: Relationship): Promise<void> {
  const record = {
    tenantId: r.input.tenantId,
    customerId: r.input.customerId,
    profile: r.input.profile,
    playbook: { id: r.input.playbook.id, version: r.input.playbook.version },
    stage: r.memory.stage,
    currency: r.playbook.currency,
  };
  if (r.writes === 'committed') r.newCustomer = record;
  else await local.upsertCustomer.executeWithOptions({ ...localOptions, summary: 'record customer' }, [record]);
  r.messenger.note('customer.created', `customer created on playbook ${r.input.playbook.id} v${r.input.playbook.version}`, {}, 'created');
}

/** Brings PostgreSQL (timeline, outbox, read model), the search attributes and the UI's details up to date. */
export async function publish(r: Relationship): Promise<void> {
  const stage = r.trackStage();
  const next = upcoming(r)[0];
  const customer = {
    stage,
    balanceDue: balanceDue(r.memory),
    nextActionAt: next?.dueAt ?? null,
    lastActivityAt: r.memory.lastActivityAt ? new Date(r.memory.lastActivityAt).toISOString() : null,
  };
  const snapshotKey = JSON.stringify(customer);
  if (r.messenger.hasPending() || r.tasks.length > 0 || snapshotKey !== r.publishedSnapshot) {
    const tasks = r.tasks;
    r.tasks = [];
    const newCustomer = r.newCustomer;
    r.newCustomer = undefined;
    const applied = r.intake.toWrite();
    await r.messenger.flush({ ...(newCustomer ? { newCustomer } : {}), customer, ...(tasks.length ? { tasks } : {}) });
    r.intake.written(applied);
    r.publishedSnapshot = snapshotKey;
  }
  r.memory.seq = r.messenger.sequence;
  r.visibility.publish(JSON.stringify([stage, customer.balanceDue, customer.nextActionAt, r.input.playbook.version]), {
    tenantId: r.input.tenantId,
    subjectId: r.input.customerId,
    playbook: `${r.input.playbook.id}@v${r.input.playbook.version}`,
    stage,
    balanceDue: customer.balanceDue,
    nextActionAt: next ? next.dueAt : null,
  });
  setCurrentDetails(details(r));
}
