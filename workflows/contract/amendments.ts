import { startOfUtcDay, type Period } from '../../domain/billing/periods';
import { amendedLine, describeLine } from '../../domain/billing/line-changes';
import { amendmentAdjustment } from '../../domain/billing/proration';
import { rateQuantity } from '../../domain/billing/rating';
import { monthlyRecurring } from '../../domain/billing/recurring';
import type { ContractEvent } from '../../domain/contracts/contract-events';
import type { EventHandlers } from '../lifecycle/handlers';
import { isoNow, type Deal } from './deal';
import { addLine, emptyDraft } from './drafts';
import { creditNote } from './credits';
import { issueDraft } from './issuing';
import { currentPeriodOf } from './periods';

// Amendments: a line's quantity, price or discount changed mid-term, its MRR movement, and the
// proration by day (charged or credited now in advance billing, blended at close in arrears).

export const amendmentEvents = {
  'contract.amended': {
    describe: (e) => `amendment of line ${e.lineId}`,
    apply: (d, event) => {
      const line = d.memory.lines.find((l) => l.line.lineId === event.lineId)!;
      const before = line.line;
      const after = amendedLine(before, event);
      const effectiveAt = event.effectiveAt ?? isoNow();
      const mrrBefore = monthlyRecurring(before);
      line.line = after;
      const delta = monthlyRecurring(after) - mrrBefore;
      const change = `${before.sku}: ${describeLine(before)} → ${describeLine(after)} from ${effectiveAt.slice(0, 10)}`;
      d.messenger.note('contract.amended', `amended ${change}`, { lineId: before.lineId, mrrDelta: delta });
      if (delta !== 0) d.recordChange(delta > 0 ? 'expansion' : 'contraction', delta, event.eventId);
      if (delta < 0) d.leaks.contracted(event.eventId, before.lineId, delta);
      if (before.usageMetric) return; // usage lines re-price the period they close
      const fullBefore = rateQuantity(before, before.quantity).amount;
      const fullAfter = rateQuantity(after, after.quantity).amount;
      const period = currentPeriodOf(d.memory.term!, line, effectiveAt)!;
      if (before.billing.timing === 'arrears') {
        line.segments = [...(line.segments.length ? line.segments : [{ from: period.start, amount: fullBefore }]), { from: startOfUtcDay(effectiveAt), amount: fullAfter }];
        return;
      }
      // Advance: the current period was invoiced at the old price; the rest of it is charged or credited now.
      const adjustment = amendmentAdjustment({ before: fullBefore, after: fullAfter, period, effectiveAt });
      if (adjustment === 0) return;
      const rest: Period = { start: startOfUtcDay(effectiveAt), end: period.end };
      if (adjustment > 0) {
        d.defer(async () => {
          const draft = emptyDraft({ skipChecks: true, period: rest });
          addLine(draft, line, adjustment, 1, `proration ${change}`, rest, { kind: 'subscription', servicePeriod: rest }, null);
          draft.checked = [];
          await issueDraft(d, draft);
        });
        return;
      }
      d.memory.accountCredit += -adjustment;
      creditNote(d, -adjustment, `Proration credit ${change}`, { method: 'ratable', period: rest }, before.lineId);
    },
  },
} satisfies Partial<EventHandlers<ContractEvent, Deal, void>>;
