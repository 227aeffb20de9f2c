import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApiDependencies } from './dependencies';
import { issuesFrom, problems, type ProblemIssue } from './problem';
import { secretsEqual } from './api-keys';
import type { RouteSpec, TenantAuth } from './route';

/** Turns the route table into an Express router: auth, validation of every input, the reply. */
export function buildRouter(routes: readonly RouteSpec[], deps: ApiDependencies): express.Router {
  const router = express.Router();
  const methodsByPath = new Map<string, string[]>();

  for (const route of routes) {
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
    router[route.method](route.path, async (req: Request, res: Response) => {
      const auth = await authorize(route, req, deps);
      const input = parseInputs(route, req);
      const reply = await route.handler({ ...input, auth: auth as TenantAuth, deps, req });
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      res.status(reply.status);
      if (reply.body === undefined) res.end();
      else res.json(reply.body);
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

async function authorize(route: RouteSpec, req: Request, deps: ApiDependencies): Promise<TenantAuth | undefined> {
  const access = route.access;
  if (access.kind === 'public') return undefined;
  const header = req.get('authorization') ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw problems.unauthorized('Send `Authorization: Bearer <key>`.');
  const token = match[1]!;
  if (access.kind === 'operator') {
    const adminToken = deps.config.adminToken;
    if (!adminToken) throw problems.forbidden('Tenant creation is disabled: the server has no REVLOOP_ADMIN_TOKEN.');
    if (!secretsEqual(token, adminToken)) throw problems.unauthorized('The operator token is not valid.');
    return undefined;
  }
  const auth = await deps.keys.verify(token);
  if (!auth) throw problems.unauthorized('The API key is unknown or revoked.');
  if (!auth.scopes.includes(access.scope) && !auth.scopes.includes('admin')) {
    throw problems.forbidden(`This key lacks the \`${access.scope}\` scope.`);
  }
  return auth;
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
  const query = parse(route.query, { ...req.query }, 'query');
  const body = parse(route.body, req.body, 'body');
  if (issues.length > 0) throw problems.validation(issues);
  return { params, query, body };
}

function hasBody(req: Request): boolean {
  return Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
}
