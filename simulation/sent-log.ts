import type { StepRecords } from '../activities/records';
import type { SentMessage } from './replies';

/**
 * The messages each subject of a scratch server's runs has been sent so far, taken from its
 * worker's step writes as they commit: what the replies model asks before every move of the
 * simulated clock. Kept as they happen instead of read back from the table each time, a query
 * that returned every message of every waiting subject again at each look (quadratic in the
 * sample). Suppressed messages never reached anyone and are left out, as `messagesSent` does; a
 * retried write is counted once, by message id.
 */
export class SentLog {
  private readonly bySubject = new Map<string, SentMessage[]>();
  private readonly seen = new Set<string>();

  /** A step's writes committed: its messages that went out are now sent. */
  record(step: Pick<StepRecords, 'tenantId' | 'subjectType' | 'subjectId' | 'messages'>): void {
    for (const m of step.messages ?? []) {
      if (m.suppressedReason !== undefined || !m.recipient) continue;
      const id = `${step.tenantId}/${m.messageId}`;
      if (this.seen.has(id)) continue;
      this.seen.add(id);
      const key = keyOf(step.tenantId, step.subjectType, step.subjectId);
      const list = this.bySubject.get(key);
      const sent = { kind: m.kind, sentAt: Date.parse(m.at) };
      if (list) list.push(sent);
      else this.bySubject.set(key, [sent]);
    }
  }

  /** Each subject's messages so far, keyed `tenant/subject` as `messagesSent` keys them. */
  of(tenantIds: readonly string[], subjectType: StepRecords['subjectType'], subjectIds: readonly string[]): Map<string, SentMessage[]> {
    const out = new Map<string, SentMessage[]>();
    for (const tenantId of tenantIds) {
      for (const subjectId of subjectIds) {
        const list = this.bySubject.get(keyOf(tenantId, subjectType, subjectId));
        if (list) out.set(`${tenantId}/${subjectId}`, list);
      }
    }
    return out;
  }
}

const keyOf = (tenantId: string, subjectType: string, subjectId: string) => `${tenantId}/${subjectType}/${subjectId}`;
