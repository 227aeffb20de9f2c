import type { z } from 'zod';

/**
 * RFC 9457 problem details: every error the API answers has this shape, served as
 * `application/problem+json`. `errors` lists every validation issue, not just the first.
 */
export interface ProblemIssue {
  /** Where: `body.lineItems.0.unitPrice.amount`, `query.limit`, `params.id`. */
  path: string;
  message: string;
  code?: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: ProblemIssue[];
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://revloop.dev/problems/';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: { errors?: ProblemIssue[]; [key: string]: unknown } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  body(instance?: string): ProblemBody {
    return {
      type: `${TYPE_BASE}${this.slug}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance ? { instance } : {}),
      ...this.extensions,
    };
  }
}

export const problems = {
  validation: (errors: ProblemIssue[]) =>
    new Problem(400, 'validation', 'Invalid request', `The request has ${errors.length} invalid field(s); see errors.`, { errors }),
  malformedJson: (detail: string) => new Problem(400, 'malformed-json', 'Malformed JSON', detail),
  unauthorized: (detail: string, scheme: 'Bearer' | 'Revloop-Signature' = 'Bearer') =>
    new Problem(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': `${scheme} realm="revloop"` }),
  forbidden: (detail: string) => new Problem(403, 'forbidden', 'Forbidden', detail),
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  methodNotAllowed: (allowed: string[]) =>
    new Problem(405, 'method-not-allowed', 'Method not allowed', `Allowed: ${allowed.join(', ')}.`, {}, { Allow: allowed.join(', ') }),
  conflict: (detail: string, retryAfterSeconds?: number) =>
    new Problem(409, 'conflict', 'Conflict', detail, {}, retryAfterSeconds ? { 'Retry-After': String(retryAfterSeconds) } : {}),
  payloadTooLarge: (detail: string) => new Problem(413, 'payload-too-large', 'Payload too large', detail),
  unsupportedMediaType: (detail: string) => new Problem(415, 'unsupported-media-type', 'Unsupported media type', detail),
  unprocessable: (detail: string, errors?: ProblemIssue[]) =>
    new Problem(422, 'unprocessable', 'Unprocessable request', detail, errors ? { errors } : {}),
  unavailable: (detail: string, retryAfterSeconds = 5) =>
    new Problem(503, 'unavailable', 'Service unavailable', detail, {}, { 'Retry-After': String(retryAfterSeconds) }),
  tooManyRequests: (retryAfterSeconds: number) =>
    new Problem(429, 'rate-limited', 'Too many requests', `This key has used its request budget; retry in ${retryAfterSeconds} s.`, {}, { 'Retry-After': String(retryAfterSeconds) }),
  tooManyFailures: (retryAfterSeconds: number) =>
    new Problem(429, 'rate-limited', 'Too many failed authentications', `Too many failed authentications from this address; retry in ${retryAfterSeconds} s.`, {}, { 'Retry-After': String(retryAfterSeconds) }),
  timeout: (ms: number) =>
    new Problem(
      503,
      'timeout',
      'Request timed out',
      `The request took longer than ${ms} ms. It may still complete: retry with the same Idempotency-Key to get its outcome.`,
      {},
      { 'Retry-After': '1' },
    ),
  internal: () => new Problem(500, 'internal', 'Internal error', 'Something went wrong on our side; the request may be retried.'),
};

export function issuesFrom(error: z.ZodError, where: string): ProblemIssue[] {
  return error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
    code: issue.code,
  }));
}
