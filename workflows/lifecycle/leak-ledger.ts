import type { LeakKind, LeakRecord, RecoveryStep } from '../../domain/leakage';

/**
 * A workflow's part of the leakage ledger: the rows it has open (kept in its memory, so they
 * cross continue-as-new) and the rows changed since the last step write. Each row has one writer,
 * the workflow where the leak happened, and an id derived from its cause, so a retried or replayed
 * step writes the same row again rather than a second one.
 */

/** An open row, and the role it plays in its workflow ("the open lead", "this invoice"). */
export interface OpenLeak {
  slot: string;
  record: LeakRecord;
}

export interface LeakOpening {
  /** What the row is about in this workflow; one open row per slot. */
  slot: string;
  /** Unique within the subject for all time: the event id or agenda cause that opened it. */
  cause: string;
  atStake: number;
  estimated: boolean;
  ref?: string | null;
  summary: string;
  detail?: LeakRecord['detail'];
}

function creditedStep(record: LeakRecord): RecoveryStep | null {
  return ((record.detail.creditTo ?? record.detail.lastStep) as RecoveryStep | undefined) ?? null;
}

export class LeakLedger {
  private changed = new Map<string, LeakRecord>();

  constructor(
    /** The workflow's memory of open rows: changed in place. */
    private readonly openRows: OpenLeak[],
    private readonly where: {
      currency: string;
      workflowId: string;
      idPrefix?: string;
      /** When things happen: workflow time in a workflow (the default); the recorded time in a backfill. */
      now?: () => number;
    },
  ) {}

  private stamp(): string {
    return new Date(this.where.now ? this.where.now() : Date.now()).toISOString();
  }

  /** Opens a row for `slot` unless one is open there already; answers the open row. */
  open(kind: LeakKind, opening: LeakOpening): LeakRecord {
    const existing = this.get(opening.slot);
    if (existing) return existing;
    const record: LeakRecord = {
      id: `leak:${this.where.idPrefix ?? ''}${kind}:${opening.cause}`,
      kind,
      status: 'open',
      occurredAt: this.stamp(),
      currency: this.where.currency,
      atStake: Math.max(0, opening.atStake),
      estimated: opening.estimated,
      recovered: 0,
      lost: 0,
      recoveredBy: null,
      resolvedAt: null,
      ref: opening.ref ?? null,
      summary: opening.summary,
      workflowId: this.where.workflowId,
      detail: { ...(opening.detail ?? {}) },
    };
    this.openRows.push({ slot: opening.slot, record });
    this.touch(record);
    return record;
  }

  /** A leak that is over as soon as it happens (a credit note, a contraction): written lost. */
  lostAtOnce(kind: LeakKind, opening: Omit<LeakOpening, 'slot'>, lost = opening.atStake): void {
    const slot = `once:${kind}:${opening.cause}`;
    this.open(kind, { ...opening, slot });
    this.lose(slot, lost);
  }

  get(slot: string): LeakRecord | undefined {
    return this.openRows.find((o) => o.slot === slot)?.record;
  }

  slots(prefix: string): string[] {
    return this.openRows.filter((o) => o.slot.startsWith(prefix)).map((o) => o.slot);
  }

  /** Notes what happened meanwhile (a text-back sent, the latest Revloop step) on an open row. */
  note(slot: string, detail: LeakRecord['detail'], recoveredBy?: RecoveryStep): void {
    const record = this.get(slot);
    if (!record) return;
    Object.assign(record.detail, detail);
    if (recoveredBy) record.detail.lastStep = recoveredBy;
    this.touch(record);
  }

  /**
   * Money came in: the Revloop step taken last before it gets the credit, even if more steps
   * follow (a part paid after the first reminder is the reminder's, not the final notice's).
   */
  moneyIn(slot: string): void {
    const record = this.get(slot);
    if (!record || record.detail.lastStep === undefined) return;
    record.detail.creditTo = record.detail.lastStep;
    this.touch(record);
  }

  /**
   * Won back: `amount` of what was at stake (all of it unless said), credited to the Revloop step
   * before the money came in (or the last one noted, or the one given); the rest, if any, is lost.
   */
  recover(slot: string, amount?: number, by?: RecoveryStep | null): void {
    const record = this.get(slot);
    if (!record) return;
    const recovered = Math.min(record.atStake, Math.max(0, amount ?? record.atStake));
    this.close(slot, { status: 'recovered', recovered, lost: record.atStake - recovered, recoveredBy: by === undefined ? creditedStep(record) : by });
  }

  /** Leaked: `amount` of what was at stake (all of it unless said); what was recovered before stays recovered. */
  lose(slot: string, amount?: number, recovered = 0): void {
    const record = this.get(slot);
    if (!record) return;
    const lost = Math.min(record.atStake, Math.max(0, amount ?? record.atStake - recovered));
    const won = Math.min(recovered, record.atStake - lost);
    this.close(slot, { status: 'lost', lost, recovered: won, recoveredBy: won > 0 ? creditedStep(record) : null });
  }

  hasChanges(): boolean {
    return this.changed.size > 0;
  }

  /** The rows changed since the last call, for the step write. */
  take(): LeakRecord[] {
    const rows = [...this.changed.values()].map((r) => ({ ...r, detail: { ...r.detail } }));
    this.changed = new Map();
    return rows;
  }

  private close(slot: string, outcome: Pick<LeakRecord, 'status' | 'recovered' | 'lost' | 'recoveredBy'>): void {
    const index = this.openRows.findIndex((o) => o.slot === slot);
    const record = this.openRows[index]!.record;
    Object.assign(record, outcome, { resolvedAt: this.stamp() });
    this.openRows.splice(index, 1);
    this.touch(record);
  }

  private touch(record: LeakRecord): void {
    this.changed.set(record.id, record);
  }
}
