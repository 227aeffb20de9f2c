import { and, desc, eq, sql } from 'drizzle-orm';
import { AnyPlaybook, builtinContractPlaybooks, builtinPlaybooks, findBuiltinContractPlaybook, findBuiltinPlaybook, type B2BPlaybook, type PlaybookKind, type ResolvedPlaybook } from '../playbooks';
import { canonicalJson } from './canonical-json';
import type { Database } from './client';
import { playbooks } from './schema';

/**
 * Built-in playbooks plus each tenant's own, versioned and immutable. A tenant may register a new
 * playbook id or a new version of any id it sees, including a built-in one: its versions continue
 * after the built-in's, and only that tenant sees them.
 */

type AnyResolved = ResolvedPlaybook<AnyPlaybook>;

/** A new version must keep its id's kind: workflows pinned to the id expect that kind. */
export class PlaybookKindConflict extends Error {
  constructor(
    readonly playbookId: string,
    readonly existingKind: PlaybookKind,
  ) {
    super(`playbook "${playbookId}" is a ${existingKind} playbook; a new version must be one too`);
  }
}

/** The newest (or the given) version of a playbook of one kind, the tenant's own before a built-in. */
async function resolveOfKind<K extends PlaybookKind>(db: Database, tenantId: string, kind: K, playbookId: string, version?: number) {
  const conditions = [eq(playbooks.tenantId, tenantId), eq(playbooks.id, playbookId), eq(playbooks.kind, kind)];
  if (version !== undefined) conditions.push(eq(playbooks.version, version));
  const [row] = await db
    .select()
    .from(playbooks)
    .where(and(...conditions))
    .orderBy(desc(playbooks.version))
    .limit(1);
  type Definition = Extract<AnyPlaybook, { kind: K }>;
  if (row) return { id: row.id, version: row.version, owner: tenantId, definition: AnyPlaybook.parse(row.definition) as Definition };
  const builtin = (kind === 'b2b' ? findBuiltinContractPlaybook(playbookId) : findBuiltinPlaybook(playbookId)) as ResolvedPlaybook<Definition> | undefined;
  return builtin && (version === undefined || version === builtin.version) ? builtin : undefined;
}

export async function resolvePlaybook(db: Database, tenantId: string, playbookId: string, version?: number): Promise<ResolvedPlaybook | undefined> {
  return resolveOfKind(db, tenantId, 'home-service', playbookId, version);
}

export async function resolveContractPlaybook(db: Database, tenantId: string, playbookId: string, version?: number): Promise<ResolvedPlaybook<B2BPlaybook> | undefined> {
  return resolveOfKind(db, tenantId, 'b2b', playbookId, version);
}

function builtinOf(playbookId: string): AnyResolved | undefined {
  return findBuiltinPlaybook(playbookId) ?? findBuiltinContractPlaybook(playbookId);
}

export async function playbookVersions(db: Database, tenantId: string, playbookId: string): Promise<AnyResolved[]> {
  const rows = await db
    .select()
    .from(playbooks)
    .where(and(eq(playbooks.tenantId, tenantId), eq(playbooks.id, playbookId)))
    .orderBy(playbooks.version);
  const builtin = builtinOf(playbookId);
  return [...(builtin ? [builtin] : []), ...rows.map((r) => ({ id: r.id, version: r.version, owner: tenantId, definition: AnyPlaybook.parse(r.definition) }))];
}

/** The newest version of every playbook the tenant sees, of both kinds. */
export async function listPlaybooks(db: Database, tenantId: string): Promise<AnyResolved[]> {
  const rows = await db.select({ id: playbooks.id }).from(playbooks).where(eq(playbooks.tenantId, tenantId)).groupBy(playbooks.id);
  const ids = [...new Set([...builtinPlaybooks.map((p) => p.id), ...builtinContractPlaybooks.map((p) => p.id), ...rows.map((r) => r.id)])].sort();
  const resolved = await Promise.all(ids.map(async (id) => (await playbookVersions(db, tenantId, id)).at(-1)));
  return resolved.filter((p): p is AnyResolved => p !== undefined);
}

/**
 * Registers a validated definition as the next version. The same definition as the newest version
 * is not a new version: registering it again returns the existing one (`created: false`). A new
 * version keeps the kind of the id's earlier ones (a workflow pinned to it expects that kind).
 */
export async function registerPlaybook<D extends AnyPlaybook>(db: Database, tenantId: string, definition: D): Promise<{ created: boolean; playbook: ResolvedPlaybook<D> }> {
  return db.transaction(async (tx) => {
    // Serialises concurrent registrations of the same id for this tenant.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`playbook:${tenantId}:${definition.id}`}))`);
    const latest = (await playbookVersions(tx as unknown as Database, tenantId, definition.id)).at(-1);
    if (latest && latest.definition.kind !== definition.kind) throw new PlaybookKindConflict(definition.id, latest.definition.kind);
    if (latest && canonicalJson(latest.definition) === canonicalJson(definition)) return { created: false, playbook: latest as ResolvedPlaybook<D> };
    const version = (latest?.version ?? 0) + 1;
    await tx.insert(playbooks).values({ tenantId, id: definition.id, version, kind: definition.kind, definition: definition as unknown as Record<string, unknown> });
    return { created: true, playbook: { id: definition.id, version, owner: tenantId, definition } };
  });
}
