/**
 * A self-contained docs page (no CDN: Revloop often runs where the internet is not reachable)
 * that renders /v1/openapi.json as a readable list of operations and schemas.
 */
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Revloop API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2433}
h1{margin-bottom:0}code,pre{font:13px ui-monospace,monospace;background:#f4f6fa;border-radius:4px}
pre{padding:.75rem;overflow:auto}details{border:1px solid #dde3ee;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem}
summary{cursor:pointer}.m{display:inline-block;width:4.5em;font-weight:700;text-transform:uppercase}
.get{color:#17803d}.post{color:#1f5fbf}.delete{color:#b42318}small{color:#5b6478}
</style></head><body>
<h1>Revloop API</h1><p><small>Generated from the server's own schemas · <a href="/v1/openapi.json">openapi.json</a></small></p>
<div id="ops">Loading…</div>
<script>
fetch('/v1/openapi.json').then(r => r.json()).then(doc => {
  const out = [];
  for (const [path, ops] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(ops)) {
    const esc = s => String(s).replace(/[&<>]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
    const body = op.requestBody ? '<h4>Body</h4><pre>' + esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)) + '</pre>' : '';
    const params = (op.parameters || []).map(p => '<li><code>' + esc(p.name) + '</code> (' + p.in + (p.required ? ', required' : '') + ')</li>').join('');
    const responses = Object.entries(op.responses).map(([s, r]) => '<li><code>' + s + '</code> ' + esc(r.description) + '</li>').join('');
    out.push('<details><summary><span class="m ' + method + '">' + method + '</span><code>' + esc(path) + '</code> — ' + esc(op.summary) + '</summary>'
      + (params ? '<h4>Parameters</h4><ul>' + params + '</ul>' : '') + body + '<h4>Responses</h4><ul>' + responses + '</ul></details>');
  }
  document.getElementById('ops').innerHTML = out.join('');
});
</script></body></html>`;
