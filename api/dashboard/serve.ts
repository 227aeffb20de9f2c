import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Router, type Response } from 'express';

/**
 * The owner's dashboard at /dashboard: a page, its script and styles, and the chart library it
 * draws with (ECharts; playbook diagrams come from the API as SVG), all served from this process
 * and its own packages, so it works with no network beyond this server. The page holds no data: it
 * signs in with an API key kept in the browser session and reads the /v1 API like any client.
 */
const here = (file: string) => readFileSync(new URL(`./public/${file}`, import.meta.url));
const require = createRequire(import.meta.url);
const vendor = (module: string) => readFileSync(require.resolve(module));

const assets: Record<string, { type: string; body: Buffer; immutable?: boolean }> = {
  'app.js': { type: 'text/javascript', body: here('app.js') },
  'app.css': { type: 'text/css', body: here('app.css') },
  'vendor/echarts.min.js': { type: 'text/javascript', body: vendor('echarts/dist/echarts.min.js'), immutable: true },
};
const page = here('index.html');

// Scripts only from here; charts style their own SVG inline; diagrams are images made from the
// API's SVG (blob: URLs); data only from this API.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function secure(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function dashboardRouter(): Router {
  const router = Router();
  router.get(['/dashboard', '/dashboard/'], (_req, res) => {
    secure(res);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(page);
  });
  router.get('/dashboard/*asset', (req, res, next) => {
    const asset = assets[(req.params as { asset: string[] }).asset.join('/')];
    if (!asset) return next();
    secure(res);
    res.setHeader('Cache-Control', asset.immutable ? 'public, max-age=86400' : 'no-cache');
    res.type(asset.type).send(asset.body);
  });
  return router;
}
