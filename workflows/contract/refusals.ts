import { amendedLine, uplift } from '../../domain/billing/line-changes';
import { lineAmountIssue } from '../../domain/contracts/bounds';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import { MAX_AMOUNT } from '../../domain/money';
import { liveContractStages, type ContractMemory } from '../contract-definitions';
import { currentPeriodOf, periodIndex } from './periods';

// Which contract events are refused before they are applied, as a pure function of the memory
// and the time: a conflict with the contract's stage, or a reference to something it lacks.

export type Refusal = { kind: 'conflict'; message: string } | { kind: 'reference'; field: string; message: string };

export interface RefusalContext {
  memory: Pick<ContractMemory, 'stage' | 'lines' | 'term' | 'invoices' | 'wallet'>;
  currency: string;
  /** The playbook's uplift for a renewal that names none. */
  autoRenewUpliftPercent: number;
  /** Held invoices approved and waiting to be issued. */
  releasing: ReadonlySet<string>;
  /** Whether the invoice's workflow is still running in this run (and so may take the event). */
  collecting: (invoiceId: string) => boolean;
  now: string;
}

/** Every money grant ever put in the wallet: bounds what it can hold. */
const walletMoney = (m: Pick<ContractMemory, 'wallet'>) => (m.wallet?.grants ?? []).filter((g) => g.kind === 'money').reduce((sum, g) => sum + Number(g.granted), 0);

const conflict = (message: string): Refusal => ({ kind: 'conflict', message });
const unknown = (field: string, message: string): Refusal => ({ kind: 'reference', field, message });

export function refusalOf(event: ContractEvent, c: RefusalContext): Refusal | null {
  const m = c.memory;
  const stage = m.stage;
  const live = liveContractStages.includes(stage);
  switch (event.type) {
    case 'contract.signed':
      return stage === 'approved' ? null : conflict(stage === 'pending_approval' ? 'the quote still waits for approval' : `the contract is ${stage}`);
    case 'contract.amended': {
      if (!live) return conflict(`only an active contract can be amended (it is ${stage})`);
      const line = m.lines.find((l) => l.line.lineId === event.lineId);
      if (!line) return unknown('lineId', `the contract has no line "${event.lineId}"`);
      if (line.line.billing.interval === 'one_time') return conflict(`line "${event.lineId}" is a one-time fee; it cannot be amended`);
      if (event.listPrice && event.listPrice.currency !== c.currency) return unknown('listPrice.currency', `the contract is in ${c.currency}`);
      const at = event.effectiveAt ?? c.now;
      if (!currentPeriodOf(m.term!, line, at) || periodIndex(m.term!, line, at) < line.nextPeriod - (line.line.billing.timing === 'advance' ? 1 : 0)) {
        return unknown('effectiveAt', 'must fall in the line’s current billing period of this term');
      }
      const tooLarge = lineAmountIssue(amendedLine(line.line, event));
      return tooLarge ? unknown(event.quantity !== undefined ? 'quantity' : 'listPrice.amount', tooLarge) : null;
    }
    case 'contract.renewed': {
      if (!live) return conflict(`only an active contract can be renewed (it is ${stage})`);
      const percent = event.upliftPercent ?? c.autoRenewUpliftPercent;
      const tooLarge = m.lines.map((l) => lineAmountIssue(uplift(l.line, percent))).find((issue) => issue !== null);
      return tooLarge ? unknown('upliftPercent', tooLarge) : null;
    }
    case 'contract.cancelled':
      return live ? null : conflict(`only an active contract can be cancelled (it is ${stage})`);
    case 'invoice.approved': {
      const inv = m.invoices.find((i) => i.invoiceId === event.invoiceId);
      if (!inv) return unknown('invoiceId', `the contract has no invoice "${event.invoiceId}"`);
      if (inv.status !== 'held') return conflict(`invoice ${event.invoiceId} is not held (it is ${inv.status})`);
      if (c.releasing.has(inv.invoiceId)) return conflict(`invoice ${event.invoiceId} is already approved and being issued`);
      return null;
    }
    case 'invoice.rebilled': {
      const inv = m.invoices.find((i) => i.invoiceId === event.invoiceId && i.kind === 'invoice');
      if (!inv) return unknown('invoiceId', `the contract has no invoice "${event.invoiceId}"`);
      if (inv.status === 'held' || inv.status === 'written_off' || !inv.billed) return conflict(`invoice ${event.invoiceId} is ${inv.status}; only an issued invoice is rebilled`);
      const index = event.lines.findIndex((l) => !inv.billed!.some((b) => b.lineId === l.lineId));
      if (index !== -1) return unknown(`lines.${index}.lineId`, `invoice ${event.invoiceId} bills no line "${event.lines[index]!.lineId}"`);
      const other = event.lines.findIndex((l) => l.amount.currency !== c.currency);
      return other !== -1 ? unknown(`lines.${other}.amount.currency`, `the contract is in ${c.currency}`) : null;
    }
    case 'payment.received':
    case 'payment.failed':
    case 'invoice.disputed':
    case 'invoice.dispute_resolved':
    case 'credit.issued': {
      const inv = m.invoices.find((i) => i.invoiceId === event.invoiceId && i.kind === 'invoice');
      if (!inv) return unknown('invoiceId', `the contract has no invoice "${event.invoiceId}"`);
      // An approved invoice is as good as issued: its release is queued ahead of this event.
      if (inv.status === 'held' && !c.releasing.has(inv.invoiceId)) return conflict(`invoice ${event.invoiceId} is held and not issued yet`);
      if ((event.type === 'payment.received' || event.type === 'credit.issued') && event.amount.currency !== c.currency) return unknown('amount.currency', `the contract is in ${c.currency}`);
      if (!c.collecting(inv.invoiceId) && (inv.status === 'paid' || inv.status === 'written_off')) return conflict(`invoice ${event.invoiceId} is already ${inv.status}`);
      return null;
    }
    case 'credit.granted': {
      if (!live) return conflict(`only an active contract takes prepaid credit (it is ${stage})`);
      if (m.wallet?.grants.some((g) => g.grantId === event.grantId)) return conflict(`grant ${event.grantId} is already in the wallet`);
      if (event.amount && event.amount.currency !== c.currency) return unknown('amount.currency', `the contract is in ${c.currency}`);
      if (event.units && !m.lines.some((l) => l.line.usageMetric === event.units!.metric && l.line.pricingModel !== 'percentage')) return unknown('units.metric', `no usage line of the contract is rated on "${event.units.metric}" by units`);
      if (event.expiresAt && Date.parse(event.expiresAt) <= Date.parse(c.now)) return unknown('expiresAt', 'must be in the future');
      if (event.amount && walletMoney(m) + event.amount.amount > MAX_AMOUNT) return unknown('amount.amount', `the wallet may hold at most ${MAX_AMOUNT} minor units`);
      if ((m.wallet?.grants.length ?? 0) >= 1000) return conflict('the wallet holds 1,000 grants already');
      return null;
    }
    default:
      // An event type with nothing to refuse (a new one starts here): its handler takes it as it is.
      return null;
  }
}
