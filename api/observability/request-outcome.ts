import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What the request log and the metrics both record about one request, so the two always agree. */
export interface RequestOutcome {
  requestId: string | undefined;
  method: string;
  /** The route pattern (`/v1/customers/:id`), or `unmatched`: a label with a bounded set of values. */
  route: string;
  /** The raw path without the query string; logged, never used as a metric label. */
  path: string;
  status: number;
  durationMs: number;
  /** The client went away before the response was complete. */
  aborted: boolean;
  tenantId: string | undefined;
  keyId: string | undefined;
}

export const UNMATCHED_ROUTE = 'unmatched';

/**
 * nginx's "client closed request": the status an abandoned request is counted under. Express's
 * `res.statusCode` is still its default 200 then, which would count a request nobody received
 * as a success.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Middleware that calls `observe` once per request, when the response has been handed to the
 * socket or the connection closed first. It must be mounted before the body parser so requests the
 * parser rejects are observed too.
 */
export function whenRequestDone(observe: (outcome: RequestOutcome, res: Response) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const method = req.method;
    const path = req.path;
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      observe(
        {
          requestId: res.locals.requestId as string | undefined,
          method,
          route: routeLabel(req, res),
          path,
          status: aborted ? CLIENT_CLOSED_REQUEST : res.statusCode,
          durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
          aborted,
          ...tenantOf(res),
        },
        res,
      );
    };
    res.once('finish', () => finish(false));
    // 'close' also follows a normal 'finish'; by then `done` is set and this does nothing.
    res.once('close', () => finish(!res.writableFinished));
    next();
  };
}

function routeLabel(req: Request, res: Response): string {
  // The router records the pattern of the route table entry it ran. Routes outside the table
  // (/metrics, /docs, /v1/openapi.json) and the router's 405 handlers are plain Express routes,
  // whose pattern Express keeps in `req.route.path`. Neither is ever the raw path with ids in it.
  const fromRouter = res.locals.route;
  if (typeof fromRouter === 'string') return fromRouter;
  const fromExpress = (req.route as { path?: unknown } | undefined)?.path;
  return typeof fromExpress === 'string' ? fromExpress : UNMATCHED_ROUTE;
}

function tenantOf(res: Response): { tenantId: string | undefined; keyId: string | undefined } {
  const auth = res.locals.auth as { tenantId?: unknown; keyId?: unknown } | undefined;
  return {
    tenantId: typeof auth?.tenantId === 'string' ? auth.tenantId : undefined,
    keyId: typeof auth?.keyId === 'string' ? auth.keyId : undefined,
  };
}
