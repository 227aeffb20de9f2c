import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../db/client';
import { listPlaybooks, resolveContractPlaybook, resolvePlaybook } from '../../db/playbook-store';
import { playbooks } from '../../db/schema';
import { AnyPlaybook, builtinContractPlaybooks, builtinPlaybooks, contractTemplateKeys, templateKeys } from '../../playbooks';
import { createTestTenant, openTestDatabase } from '../support/database';

/**
 * A tenant's playbook is stored once and read for years: every release must load every playbook
 * an earlier release stored. test/fixtures/stored-playbooks/ holds playbooks as each schema
 * generation stored them (the built-in ones, parsed by that release's code); they are loaded
 * here through the store, as a running server would. When the playbook schema changes, this file
 * asks for a new generation: `REVLOOP_RECORD_PLAYBOOKS=1 npx vitest run test/db/stored-playbooks.test.ts`.
 */
const fixtures = new URL('../fixtures/stored-playbooks/', import.meta.url);

interface Generation {
  schema: number;
  storedBy: string;
  /** The input schema's fingerprint, for generations recorded since fingerprints were kept. */
  fingerprint?: string;
  playbooks: Array<Record<string, unknown> & { id: string; kind?: string; templates: Record<string, unknown> }>;
}

const generations: Generation[] = readdirSync(fixtures)
  .filter((f) => /^schema-\d+\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(new URL(f, fixtures), 'utf8')) as Generation)
  .sort((a, b) => a.schema - b.schema);

/** What a stored playbook must satisfy: the input schema, defaults left out (new wording is not a new schema). */
function schemaFingerprint(): string {
  const strip = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(strip) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'default').map(([k, v]) => [k, strip(v)])) : value;
  const schema = strip(z.toJSONSchema(AnyPlaybook, { io: 'input', unrepresentable: 'any' }));
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex').slice(0, 16);
}

describe('playbooks stored by earlier releases', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('has a stored generation for today’s playbook schema', () => {
    const fingerprint = schemaFingerprint();
    if (generations.at(-1)?.fingerprint !== fingerprint && process.env.REVLOOP_RECORD_PLAYBOOKS) {
      const schema = (generations.at(-1)?.schema ?? 0) + 1;
      const stored = [...builtinPlaybooks, ...builtinContractPlaybooks].map((p) => p.definition);
      writeFileSync(new URL(`schema-${schema}.json`, fixtures), `${JSON.stringify({ schema, storedBy: 'recorded by test/db/stored-playbooks.test.ts', fingerprint, playbooks: stored }, null, 1)}\n`);
      generations.push({ schema, storedBy: 'recorded', fingerprint, playbooks: stored as unknown as Generation['playbooks'] });
    }
    expect(generations.at(-1)?.fingerprint, 'the playbook schema changed: record a generation (see the comment at the top of this file)').toBe(fingerprint);
  });

  it.each(generations.map((g) => [g.schema, g] as const))('loads every playbook stored under schema generation %i, with today’s defaults for what it lacks', async (_, generation) => {
    const tenantId = await createTestTenant(database.db);
    // Stored as that release stored them: a tenant's own id, version 1, the definition it parsed.
    const rows = generation.playbooks.map((definition) => ({ tenantId, id: `own-${definition.id}`, version: 1, kind: definition.kind ?? 'home-service', definition: { ...definition, id: `own-${definition.id}` } }));
    await database.db.insert(playbooks).values(rows);

    for (const row of rows) {
      const loaded = row.kind === 'b2b' ? await resolveContractPlaybook(database.db, tenantId, row.id) : await resolvePlaybook(database.db, tenantId, row.id);
      expect(loaded, row.id).toBeDefined();
      const templates = loaded!.definition.templates as Record<string, unknown>;
      expect(Object.keys(templates).sort()).toEqual([...(row.kind === 'b2b' ? contractTemplateKeys : templateKeys)].sort());
      // What the tenant wrote is kept; only what it could not have written is filled in.
      for (const [key, template] of Object.entries(row.definition.templates)) expect(templates[key], key).toEqual(template);
    }
    const listed = (await listPlaybooks(database.db, tenantId)).map((p) => p.id);
    expect(listed).toEqual(expect.arrayContaining(rows.map((r) => r.id)));
  });
});
