import { and, desc, eq, sql } from 'drizzle-orm';
import { builtinPlaybooks, findBuiltinPlaybook, HomeServicePlaybook, type ResolvedPlaybook } from '../playbooks';
import type { Database } from './client';
import { playbooks } from './schema';

/**
 * Built-in playbooks plus each tenant's own, versioned and immutable. A tenant may register a new
 * playbook id or a new version of any id it sees, including a built-in one: its versions continue
 * after the built-in's, and only that tenant sees them.
 */

export async function resolvePlaybook(db: Database, tenantId: string, playbookId: string, version?: number): Promise<ResolvedPlaybook | undefined> {
  const conditions = [eq(playbooks.tenantId, tenantId), eq(playbooks.id, playbookId)];
  if (version !== undefined) conditions.push(eq(playbooks.version, version));
  const [row] = await db
    .select()
    .from(playbooks)
    .where(and(...conditions))
    .orderBy(desc(playbooks.version))
    .limit(1);
  if (row) return { id: row.id, version: row.version, owner: tenantId, definition: HomeServicePlaybook.parse(row.definition) };
  const builtin = findBuiltinPlaybook(playbookId);
  return builtin && (version === undefined || version === builtin.version) ? builtin : undefined;
}

export async function playbookVersions(db: Database, tenantId: string, playbookId: string): Promise<ResolvedPlaybook[]> {
  const rows = await db
    .select()
    .from(playbooks)
    .where(and(eq(playbooks.tenantId, tenantId), eq(playbooks.id, playbookId)))
    .orderBy(playbooks.version);
  const builtin = findBuiltinPlaybook(playbookId);
  return [
    ...(builtin ? [builtin] : []),
    ...rows.map((r) => ({ id: r.id, version: r.version, owner: tenantId, definition: HomeServicePlaybook.parse(r.definition) })),
  ];
}

/** The newest version of every playbook the tenant sees. */
export async function listPlaybooks(db: Database, tenantId: string): Promise<ResolvedPlaybook[]> {
  const rows = await db.select({ id: playbooks.id }).from(playbooks).where(eq(playbooks.tenantId, tenantId)).groupBy(playbooks.id);
  const ids = [...new Set([...builtinPlaybooks.map((p) => p.id), ...rows.map((r) => r.id)])].sort();
  const resolved = await Promise.all(ids.map((id) => resolvePlaybook(db, tenantId, id)));
  return resolved.filter((p): p is ResolvedPlaybook => p !== undefined);
}

/**
 * Registers a validated definition as the next version. The same definition as the newest version
 * is not a new version: registering it again returns the existing one (`created: false`).
 */
export async function registerPlaybook(db: Database, tenantId: string, definition: HomeServicePlaybook): Promise<{ created: boolean; playbook: ResolvedPlaybook }> {
  return db.transaction(async (tx) => {
    // Serialises concurrent registrations of the same id for this tenant.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`playbook:${tenantId}:${definition.id}`}))`);
    const latest = await resolvePlaybook(tx as unknown as Database, tenantId, definition.id);
    if (latest && JSON.stringify(latest.definition) === JSON.stringify(definition)) return { created: false, playbook: latest };
    const version = (latest?.version ?? 0) + 1;
    await tx.insert(playbooks).values({ tenantId, id: definition.id, version, kind: definition.kind, definition: definition as unknown as Record<string, unknown> });
    return { created: true, playbook: { id: definition.id, version, owner: tenantId, definition } };
  });
}
