import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { TenantId } from '../../domain/values';
import type { ApiDependencies } from '../dependencies';
import { IDEMPOTENCY_KEY_PATTERN, requestFingerprint, requestSeed } from './idempotency';
import { issuesFrom, Problem, problems, type ProblemIssue } from './problem';
import { secretsEqual } from './api-keys';
import type { Reply, RouteAccess, RouteSpec, TenantAuth } from './route';
import { within } from './within';

/**
 * Turns the route table into an Express router. Every request passes the same gates in the same
 * order, all under one deadline: who is calling (key, operator token or webhook signature), their
 * rate budget, validation of every input at once, the Idempotency-Key, then the handler. The
 * deadline covers authentication too: a key lookup stuck on an unreachable database answers 503
 * in time like anything else.
 */
export function buildRouter(routes: readonly RouteSpec[], deps: ApiDependencies): express.Router {
  const router = express.Router();
  const methodsByPath = new Map<string, string[]>();

  for (const route of routes) {
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
    router[route.method](route.path, async (req: Request, res: Response) => {
      // The route pattern (not the raw path) labels logs and metrics: bounded, and free of ids.
      res.locals.route = route.path;
      let caller: Caller | undefined;
      const work = (async () => {
        const who = await authenticate(route, req, deps);
        caller = who;
        res.locals.auth = who.auth;
        limitRate(who.rateKey, res, deps);
        const input = parseInputs(route, req);
        return runIdempotently(route, req, who, deps, (seed) => answer(route, req, () => route.handler({ ...input, auth: who.auth as TenantAuth, deps, req, seed })));
      })();
      // A delivery that failed changed nothing: the sender may send it again.
      const settled = work.then(
        async (reply) => {
          if (reply.status >= 400) await caller?.onRejected?.();
          return reply;
        },
        async (error: unknown) => {
          await caller?.onRejected?.();
          throw error;
        },
      );
      send(res, await withDeadline(settled, route.timeoutMs ?? deps.config.requestTimeoutMs));
    });
  }

  for (const [path, methods] of methodsByPath) {
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    router.all(path, (req: Request, _res: Response, next: NextFunction) => {
      if (req.method === 'OPTIONS') return next();
      next(problems.methodNotAllowed(allowed));
    });
  }
  return router;
}

interface Caller {
  auth: TenantAuth | undefined;
  /** Whose budget the request spends; undefined for public routes. */
  rateKey: string | undefined;
  /** Whose Idempotency-Keys these are. */
  idempotencyScope: string | undefined;
  onRejected?: () => Promise<void>;
}

/**
 * Who is calling, with failed attempts counted per client address: once an address has used its
 * budget of failures it is answered 429 before any key, secret or token is looked up, except a
 * key this process verified moments ago (so one bad client behind a shared address cannot lock
 * out the good ones already talking).
 */
async function authenticate(route: RouteSpec, req: Request, deps: ApiDependencies): Promise<Caller> {
  if (route.access.kind === 'public') return { auth: undefined, rateKey: undefined, idempotencyScope: undefined };
  const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const budget = deps.authFailures?.peek(address);
  if (budget && !budget.allowed) {
    const token = bearerToken(req);
    if (route.access.kind !== 'tenant' || !token || !deps.keys.cached(token)) throw problems.tooManyFailures(budget.retryAfterSeconds);
  }
  try {
    return await identify(route.access, req, deps);
  } catch (error) {
    if (error instanceof Problem && error.status === 401) deps.authFailures?.take(address);
    throw error;
  }
}

/** `Authorization: Bearer <token>`'s token, or undefined. */
function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
}

async function identify(access: Exclude<RouteAccess, { kind: 'public' }>, req: Request, deps: ApiDependencies): Promise<Caller> {
  if (access.kind === 'signature') {
    // Every refusal looks the same, so a prober learns nothing about which tenants or secrets exist.
    const refuse = (why: string) => problems.unauthorized(`The webhook signature was not accepted: ${why}.`, 'Revloop-Signature');
    const tenant = TenantId.safeParse(typeof req.query.tenant === 'string' ? req.query.tenant : undefined);
    const header = req.get('revloop-signature');
    if (!tenant.success) throw refuse('name the tenant with ?tenant=');
    if (!header) throw refuse('send Revloop-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.<raw body>">');
    const check = await deps.webhookSecrets.check(tenant.data, access.source, req.rawBody ?? Buffer.alloc(0), header, Math.floor(Date.now() / 1000));
    if (!check.ok) {
      const why = {
        malformed: 'the header is malformed',
        expired: 'the timestamp is more than 5 minutes away from now',
        mismatch: 'no live secret for this source signed this body',
        no_secret: 'no live secret for this source signed this body',
        replayed: 'this delivery was accepted before (replay)',
      }[check.reason];
      throw refuse(why);
    }
    const tenantId = tenant.data;
    return {
      auth: { tenantId, keyId: `webhook:${access.source}`, scopes: ['write'] },
      rateKey: `webhook:${tenantId}:${access.source}`,
      idempotencyScope: tenantId,
      onRejected: () => deps.webhookSecrets.forget(tenantId, access.source, check.receipt).catch(() => {}),
    };
  }
  const token = bearerToken(req);
  if (!token) throw problems.unauthorized('Send `Authorization: Bearer <key>`.');
  if (access.kind === 'operator') {
    const adminToken = deps.config.adminToken;
    if (!adminToken) throw problems.forbidden('Tenant creation is disabled: the server has no REVLOOP_ADMIN_TOKEN.');
    if (!secretsEqual(token, adminToken)) throw problems.unauthorized('The operator token is not valid.');
    return { auth: undefined, rateKey: '@operator', idempotencyScope: '@operator' };
  }
  const auth = await deps.keys.verify(token);
  if (!auth) throw problems.unauthorized('The API key is unknown or revoked.');
  if (!auth.scopes.includes(access.scope) && !auth.scopes.includes('admin')) {
    throw problems.forbidden(`This key lacks the \`${access.scope}\` scope.`);
  }
  return { auth, rateKey: auth.keyId, idempotencyScope: auth.tenantId };
}

function limitRate(rateKey: string | undefined, res: Response, deps: ApiDependencies): void {
  if (!rateKey || !deps.rateLimiter) return;
  const decision = deps.rateLimiter.take(rateKey);
  res.setHeader('RateLimit-Limit', String(deps.rateLimiter.settings.burst));
  if (!decision.allowed) {
    res.setHeader('RateLimit-Remaining', '0');
    throw problems.tooManyRequests(decision.retryAfterSeconds);
  }
  res.setHeader('RateLimit-Remaining', String(decision.remaining));
}

/** Validates params, query and body together, so one 400 lists every issue in the request. */
function parseInputs(route: RouteSpec, req: Request): { params: unknown; query: unknown; body: unknown } {
  if (route.body && req.body === undefined && hasBody(req)) {
    throw problems.unsupportedMediaType('Send the body as JSON with `Content-Type: application/json`.');
  }
  const issues: ProblemIssue[] = [];
  const parse = (schema: z.ZodType | undefined, value: unknown, where: string) => {
    if (!schema) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    issues.push(...issuesFrom(result.error, where));
    return undefined;
  };
  const params = parse(route.params, req.params, 'params');
  // Webhook routes name their tenant in the query (checked with the signature), and senders may
  // add parameters of their own; any other route without a query schema takes no parameters.
  const webhook = route.access.kind === 'signature';
  const { tenant: _tenant, ...senderQuery } = req.query;
  const query = webhook ? senderQuery : { ...req.query };
  const parsedQuery = parse(route.query, query, 'query');
  if (!route.query && !webhook) {
    issues.push(...Object.keys(query).map((name) => ({ path: `query.${name}`, message: 'unknown query parameter', code: 'unrecognized_keys' })));
  }
  // Refused here, not as a failed write deep in a workflow (NUL) or a stack overflow (depth).
  const unsafe = [...unsafeInput(req.params, 'params'), ...unsafeInput(req.body, 'body'), ...unsafeInput(req.query, 'query')];
  if (unsafe.some((i) => i.code === 'too_big')) throw problems.validation(unsafe);
  issues.push(...unsafe);
  const body = parse(route.body, req.body, 'body');
  if (!route.body && hasBody(req) && req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0)) {
    issues.push({ path: 'body', message: 'this route takes no body', code: 'unrecognized_keys' });
  }
  if (issues.length > 0) throw problems.validation(issues);
  return { params, query: parsedQuery, body };
}

/** Deeper than any body Revloop takes; a body nested deeper is refused before anything walks it. */
const MAX_DEPTH = 32;

/**
 * PostgreSQL text cannot hold U+0000, and no request Revloop takes nests deeper than MAX_DEPTH:
 * both refused here, walked without recursion so a body nested thousands deep cannot exhaust
 * the stack.
 */
function unsafeInput(root: unknown, rootPath: string): ProblemIssue[] {
  const issues: ProblemIssue[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: rootPath, depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) issues.push({ path, message: 'must not contain the NUL character (U+0000)', code: 'invalid_string' });
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) {
      issues.push({ path, message: `is nested more than ${MAX_DEPTH} levels deep`, code: 'too_big' });
      continue;
    }
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    for (const [key, child] of entries) {
      if (key.includes('\u0000')) issues.push({ path, message: 'keys must not contain the NUL character (U+0000)' });
      stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return issues.reverse();
}

function hasBody(req: Request): boolean {
  return Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
}

/**
 * Runs the handler under the request's Idempotency-Key, when it has one: the first successful
 * answer is stored and replayed; a refusal or failure is not (nothing changed), so the key is
 * freed for a retry.
 */
async function runIdempotently(
  route: RouteSpec,
  req: Request,
  caller: Caller,
  deps: ApiDependencies,
  run: (seed: string | undefined) => Promise<Reply>,
): Promise<Reply> {
  const key = req.get('idempotency-key');
  if (key === undefined || route.method === 'get' || !caller.idempotencyScope) return run(undefined);
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw problems.validation([{ path: 'headers.idempotency-key', message: 'must be 1 to 255 printable ASCII characters without spaces (a UUID is ideal)' }]);
  }
  const scope = caller.idempotencyScope;
  const claim = await deps.idempotency.claim(scope, key, requestFingerprint(route.method, route.path, req.params, req.rawBody));
  switch (claim.kind) {
    case 'mismatch':
      throw problems.unprocessable('This Idempotency-Key was used with a different request; use a new key for a new request.', [
        { path: 'headers.idempotency-key', message: 'already used with a different request' },
      ]);
    case 'in_flight':
      throw problems.conflict('A request with this Idempotency-Key is still being processed; retry shortly to get its result.', 1);
    case 'replay':
      return { ...claim.reply, headers: { ...claim.reply.headers, 'Idempotent-Replayed': 'true' } };
  }
  let reply: Reply;
  try {
    reply = await run(requestSeed(scope, key));
  } catch (error) {
    await deps.idempotency.release(scope, key, claim.leaseId).catch(() => {});
    throw error;
  }
  // Only what changed something is kept: a refused request leaves nothing behind, not even its
  // key, and a retry is judged afresh (the customer may exist by then).
  if (reply.status >= 400) await deps.idempotency.release(scope, key, claim.leaseId);
  else await deps.idempotency.complete(scope, key, claim.leaseId, reply);
  return reply;
}

/** The handler's reply, with the 4xx problems it throws turned into replies (so they can be stored). */
async function answer(route: RouteSpec, req: Request, handler: () => Promise<Reply>): Promise<Reply> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof Problem && error.status < 500) {
      return { status: error.status, body: error.body(req.originalUrl), headers: error.headers, problem: true };
    }
    throw error;
  }
}

/**
 * Answers 503 when the work outlives the deadline. The work itself goes on: what it does is still
 * recorded under its Idempotency-Key, which is how a client learns the outcome.
 */
function withDeadline<T>(work: Promise<T>, ms: number | undefined): Promise<T> {
  return ms ? within(work, ms, () => problems.timeout(ms)) : work;
}

function send(res: Response, reply: Reply): void {
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.status(reply.status);
  if (reply.body === undefined) res.end();
  else if (reply.contentType) res.type(reply.contentType).send(reply.body);
  else if (reply.problem) res.type('application/problem+json').send(JSON.stringify(reply.body));
  else res.json(reply.body);
}
