/**
 * JSON with every object's keys in sorted order: equal for equal data whatever order its keys were
 * written in. PostgreSQL's jsonb keeps keys in an order of its own, so a definition read back is
 * compared with a new one this way.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}
