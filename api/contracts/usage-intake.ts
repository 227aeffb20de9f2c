import { and, eq, inArray } from 'drizzle-orm';
import { lockUsageClosure } from '../../activities/usage';
import type { Database } from '../../db/client';
import { canonicalJson } from '../../db/canonical-json';
import { usageRecords } from '../../db/schema';
import type { UsageBatch } from '../../domain/contracts/contract-events';
import { nowOf, type ApiDependencies } from '../dependencies';
import { problems, type ProblemIssue } from '../http/problem';
import { liveContractStages } from '../../workflows/contract-definitions';
import { assertContractExists } from './service';

/** Usage may be reported a little ahead of our clock (clock skew), not from the future. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

/**
 * Takes a batch of usage records for a contract, all or nothing: each record id is accepted once
 * (the same record again is a duplicate, reported and skipped; a different record under a used id
 * is refused), and a record is refused when it could never be billed: an unknown metric, before
 * the term, in the future, or after the term's last period was invoiced. A record for a period
 * already rated is taken as late: the next close of its metric bills it as a dated adjustment. Records are rows in PostgreSQL, not
 * signals; the contract rates them when each period closes.
 */
export async function takeUsage(deps: ApiDependencies, tenantId: string, contractId: string, batch: UsageBatch) {
  const contract = await assertContractExists(deps, tenantId, contractId);
  if (!contract || !contract.termStart || !(liveContractStages as readonly string[]).includes(contract.stage)) {
    throw problems.conflict(`Contract "${contractId}" is ${contract?.stage ?? 'not active yet'}; usage is accepted from signature until the contract ends.`);
  }
  const termStart = contract.termStart;
  const now = await nowOf(deps);
  const issues: ProblemIssue[] = [];
  const seen = new Map<string, number>();
  batch.records.forEach((r, i) => {
    const where = `body.records.${i}`;
    if (seen.has(r.id)) issues.push({ path: `${where}.id`, message: `repeats the id of record ${seen.get(r.id)}` });
    seen.set(r.id, i);
    if (!contract.usageMetrics.includes(r.metric)) {
      issues.push({ path: `${where}.metric`, message: `the contract rates ${contract.usageMetrics.length ? contract.usageMetrics.join(', ') : 'no usage'}` });
    }
    const at = Date.parse(r.occurredAt);
    if (at < termStart.getTime()) issues.push({ path: `${where}.occurredAt`, message: `is before the contract's term (${termStart.toISOString()})` });
    if (at > now + FUTURE_TOLERANCE_MS) issues.push({ path: `${where}.occurredAt`, message: 'is in the future' });
  });
  return deps.db.transaction(async (tx) => {
    const db = tx as unknown as Database;
    const existing = await db
      .select()
      .from(usageRecords)
      .where(and(eq(usageRecords.tenantId, tenantId), eq(usageRecords.contractId, contractId), inArray(usageRecords.id, batch.records.map((r) => r.id))));
    const known = new Map(existing.map((row) => [row.id, row]));
    // A record already taken is a duplicate (a client retrying a batch gets the same answer), not a refusal.
    const duplicates: string[] = [];
    batch.records.forEach((r, i) => {
      const row = known.get(r.id);
      if (!row) return;
      const sameProperties = canonicalJson(row.properties ?? {}) === canonicalJson(r.properties ?? {});
      if (row.metric === r.metric && Number(row.quantity) === r.quantity && row.occurredAt.getTime() === Date.parse(r.occurredAt) && sameProperties) duplicates.push(r.id);
      else issues.push({ path: `body.records.${i}.id`, message: 'was already used for a different record' });
    });
    const fresh = batch.records.filter((r) => !known.has(r.id));
    // The period-close lock: a record is either in before its period is rated, or late (billed on
    // the next invoice as a dated adjustment), never lost between the two. After the term's last
    // period has been invoiced there is no next invoice: refused.
    const late = new Set<string>();
    for (const metric of new Set(fresh.map((r) => r.metric))) {
      const closedThrough = await lockUsageClosure(db, { tenantId, contractId, metric }, termStart);
      const termOver = contract.termEnd !== null && closedThrough.getTime() >= contract.termEnd.getTime();
      batch.records.forEach((r, i) => {
        const at = Date.parse(r.occurredAt);
        // Before the term is already said; a record says each problem once.
        if (r.metric !== metric || known.has(r.id) || at < termStart.getTime() || at >= closedThrough.getTime()) return;
        if (termOver) issues.push({ path: `body.records.${i}.occurredAt`, message: `falls in a term whose last period is already invoiced (usage rated through ${closedThrough.toISOString()})` });
        else late.add(r.id);
      });
    }
    // Every issue of the batch at once, sorted by record.
    if (issues.length) throw problems.unprocessable('Some usage records cannot be billed; none were taken.', issues.sort((a, b) => a.path.localeCompare(b.path, 'en', { numeric: true })));
    if (fresh.length) {
      await db
        .insert(usageRecords)
        .values(fresh.map((r) => ({ tenantId, contractId, id: r.id, metric: r.metric, quantity: String(r.quantity), occurredAt: new Date(r.occurredAt), receivedAt: new Date(now), late: late.has(r.id), ...(r.properties ? { properties: r.properties } : {}) })))
        .onConflictDoNothing();
    }
    return { accepted: fresh.length, duplicates, late: fresh.filter((r) => late.has(r.id)).map((r) => r.id) };
  });
}
