/**
 * Fills `{{name}}`-style placeholders. A placeholder with no value is left visible rather than
 * silently blanked, so a template/vars mismatch shows in the outbox instead of reading oddly.
 */
export function renderTemplate(text: string, vars: Readonly<Record<string, string | number | undefined>>): string {
  return text.replace(/\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g, (whole, key: string) => {
    const value = vars[key];
    return value === undefined ? whole : String(value);
  });
}
