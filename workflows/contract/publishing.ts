import { setCurrentDetails } from '@temporalio/workflow';
import type { ContractSnapshot } from '../../activities/records';
import { humanizeMs } from '../../domain/durations';
import { formatMoney } from '../../domain/money';
import type { Deal } from './deal';
import { nextBillingAt } from './periods';
import { balanceDue, mrr } from './state';

// Writing a step: the timeline, outbox, invoices, revenue lines, tasks and the contract's read
// model in PostgreSQL, then the search attributes and the Temporal UI's current details.

/** Closed invoices and credit notes leave memory this long after issue, once nothing can reach them. */
const KEEP_CLOSED_MS = 400 * 86_400_000;

/**
 * Writes what changed. Update handlers apply events while the write is under way: the loop's
 * next pass writes those (patches.commandsBeforeWrites); a committed run from before it writes
 * again here until nothing is left. Either way a contract that ended meanwhile records its end.
 */
export async function publish(d: Deal): Promise<void> {
  await publishOnce(d);
  if (d.commandsBeforeWrites) return;
  while (d.writes === 'committed' && hasUnwritten(d)) await publishOnce(d);
}

/** Something a committed run has not written yet (legacy runs write inside their task and never wait on this). */
export function hasUnwritten(d: Deal): boolean {
  if (d.writes !== 'committed') return false;
  return d.messenger.hasPending() || d.tasks.length > 0 || Object.keys(d.step).length > 0 || JSON.stringify(snapshot(d)) !== d.publishedSnapshot;
}

/** The read model row of the contract. */
function snapshot(d: Deal): ContractSnapshot {
  const next = nextBillingAt(d.memory);
  return {
    customerName: d.input.customer.name,
    stage: d.memory.stage,
    currency: d.input.currency,
    playbook: { id: d.input.playbook.id, version: d.input.playbook.version },
    usageMetrics: d.memory.lines.flatMap((l) => (l.line.usageMetric ? [l.line.usageMetric] : [])),
    termStart: d.memory.term?.start ?? null,
    termEnd: d.memory.term?.end ?? null,
    autoRenew: d.input.autoRenew,
    mrr: d.live() ? mrr(d.memory) : 0,
    nextInvoiceAt: next === null ? null : new Date(next).toISOString(),
  };
}

async function publishOnce(d: Deal): Promise<void> {
  d.memory.invoices = d.memory.invoices.filter((i) => !((i.status === 'paid' || i.status === 'written_off' || i.kind === 'credit_note') && Date.parse(i.issuedAt) < Date.now() - KEEP_CLOSED_MS));
  // The step's commands before its write: nothing is sent from where the write returns.
  if (d.commandsBeforeWrites) publishAttributes(d);
  const next = d.agenda.next();
  const row = snapshot(d);
  const snapshotKey = JSON.stringify(row);
  const tasks = d.tasks;
  d.tasks = [];
  const step = d.step;
  d.step = {};
  if (d.messenger.hasPending() || snapshotKey !== d.publishedSnapshot || tasks.length || Object.keys(step).length) {
    d.memory.seq = d.messenger.sequence;
    const applied = d.intake.toWrite();
    await d.messenger.flush({ ...step, contract: row, ...(tasks.length ? { tasks } : {}) });
    d.intake.written(applied);
    d.publishedSnapshot = snapshotKey;
  }
  if (!d.commandsBeforeWrites) publishAttributes(d, next);
  setCurrentDetails(details(d));
}

/** The search attributes, upserted if the stage, balance or next action changed. */
function publishAttributes(d: Deal, next = d.agenda.next()): void {
  const attributes = { stage: d.memory.stage, balance: balanceDue(d.memory), next: next?.dueAt ?? null };
  d.visibility.publish(JSON.stringify(attributes), {
    tenantId: d.input.tenantId,
    subjectId: d.input.contractId,
    playbook: `${d.input.playbook.id}@v${d.input.playbook.version}`,
    stage: attributes.stage,
    balanceDue: attributes.balance,
    // A contract with nothing scheduled keeps its last next-action time.
    nextActionAt: attributes.next ?? undefined,
  });
}

function details(d: Deal): string {
  const m = d.memory;
  const next = d.agenda.next();
  const held = m.invoices.find((i) => i.status === 'held');
  const waiting =
    m.stage === 'pending_approval'
      ? `Waiting for approval by ${m.approvals.filter((a) => a.status === 'pending').map((a) => a.role).join(' and ')}.`
      : m.stage === 'approved'
        ? 'Approved; waiting for `contract.signed`.'
        : held
          ? `Invoice held for review (${held.holdReason}); waiting for \`invoice.approved\`.`
          : next
            ? `Next: ${next.summary} in ${humanizeMs(next.dueAt - Date.now())}.`
            : 'Nothing scheduled.';
  return [
    `Contract **${d.input.contractId}** for **${d.input.customer.name}** · ${d.input.playbook.id} v${d.input.playbook.version}`,
    `Stage **${m.stage}**${m.term ? ` · term ${m.term.index + 1}: ${m.term.start.slice(0, 10)} → ${m.term.end.slice(0, 10)}` : ''} · MRR ${formatMoney(d.money(mrr(m)))} · balance ${formatMoney(d.money(balanceDue(m)))}`,
    waiting,
  ].join('\n\n');
}
