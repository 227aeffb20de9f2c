import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';

// A CommonJS package: its namespaces are reachable through the default export under Node's ESM loader.
const { temporal } = proto;
import { revloopSearchAttributes } from '../../workflows/search-attributes';

/** Each type Revloop uses, as the operator API and the CLI name it. */
const types: Record<string, { indexed: proto.temporal.api.enums.v1.IndexedValueType; cli: string }> = {
  KEYWORD: { indexed: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, cli: 'Keyword' },
  INT: { indexed: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT, cli: 'Int' },
  DATETIME: { indexed: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, cli: 'Datetime' },
};

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export function searchAttributeCliArgs(): string[] {
  return revloopSearchAttributes.flatMap((k) => ['--search-attribute', `${k.name}=${types[k.type]!.cli}`]);
}

/**
 * Registers Revloop's search attributes in a namespace, adding only the missing ones. A workflow
 * that upserts an unregistered attribute fails every workflow task, so the worker makes sure of
 * this before it polls. Servers that cannot list attributes (the time-skipping test server) get
 * the whole set.
 */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let existing: Set<string>;
  try {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    existing = new Set([...Object.keys(listed.customAttributes ?? {}), ...Object.keys(listed.systemAttributes ?? {})]);
  } catch {
    existing = new Set();
  }
  const missing = revloopSearchAttributes.filter((k) => !existing.has(k.name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((k) => [k.name, types[k.type]!.indexed])),
  });
  return missing.map((k) => k.name);
}
