import { randomUUID } from 'node:crypto';
import './http/express-augment';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ApiDependencies } from './dependencies';
import { dashboardRouter } from './dashboard/serve';
import { docsPage } from './http/docs-page';
import { createLogger } from './observability/logger';
import { HttpMetrics } from './observability/metrics';
import { recordServerError, requestLog } from './observability/request-log';
import { buildOpenApi } from './http/openapi';
import { Problem, problems } from './http/problem';
import { buildRouter } from './http/router';
import { routes as allRoutes } from './routes';
import type { RouteSpec } from './http/route';
import { isTemporalUnavailable, temporalUnavailable } from './http/temporal-errors';

export const API_VERSION = '0.1.0';

/** The Express app: JSON in, JSON or problem+json out, every route from the route table. */
export function createApp(deps: ApiDependencies, routes: readonly RouteSpec[] = allRoutes): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const openapi = buildOpenApi(routes, { version: API_VERSION });
  const logger = deps.logger ?? createLogger('silent');
  const metrics = new HttpMetrics();

  app.use((req: Request, res: Response, next: NextFunction) => {
    const requestId = /^[A-Za-z0-9._-]{1,64}$/.test(req.get('request-id') ?? '') ? req.get('request-id')! : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('Request-Id', requestId);
    next();
  });
  // Before the body parser, so that requests it rejects (400, 413, 415) are logged and counted too.
  app.use(requestLog(logger));
  app.use(metrics.middleware());
  app.use(
    express.json({
      limit: '1mb',
      type: ['application/json', 'application/*+json'],
      // Webhook signatures and Idempotency-Key fingerprints are computed over the exact bytes sent.
      verify: (req, _res, buf) => {
        (req as Request).rawBody = buf;
      },
    }),
  );

  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docsPage);
  });
  app.use(dashboardRouter());
  // Public like /healthz: Prometheus scrapes without a key.
  app.get('/metrics', async (_req, res) => {
    const text = await metrics.exposition(deps.temporalSdkMetrics);
    res.setHeader('Content-Type', metrics.contentType);
    res.send(text);
  });
  app.use(buildRouter(routes, deps));

  app.use((req: Request, _res: Response, next: NextFunction) => next(problems.notFound(`No route for ${req.method} ${req.path}.`)));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = toProblem(error);
    if (problem.status >= 500 && !(error instanceof Problem)) {
      recordServerError(logger, res, error);
    }
    for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
    res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.body(req.originalUrl)));
  });
  return app;
}

function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  // Express could not decode a path parameter (`/v1/customers/%FF`): the client's mistake.
  if (error instanceof URIError) return problems.validation([{ path: 'params', message: 'is not valid percent-encoded UTF-8' }]);
  const parserError = error as { type?: string; status?: number; message?: string };
  switch (parserError?.type) {
    case 'entity.parse.failed':
      // The parser is strict: a bare string, number or null is valid JSON but not a request body.
      return problems.malformedJson(`The body must be a JSON object (or array): ${parserError.message}`);
    case 'entity.too.large':
      return problems.payloadTooLarge('The body is larger than 1 MiB.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return problems.unsupportedMediaType(parserError.message ?? 'Unsupported encoding.');
  }
  if (isTemporalUnavailable(error)) return temporalUnavailable(error);
  if (isDatabaseUnavailable(error)) return problems.unavailable('The database is not reachable right now; nothing was changed. Retry shortly.');
  return problems.internal();
}

function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    // Refused, reset, timed out, or the server shutting down (57P01 admin, 57P02 crash) or starting up (57P03).
    if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03'].includes(code)) {
      return true;
    }
  }
  return false;
}
