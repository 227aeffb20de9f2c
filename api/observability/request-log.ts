import type { RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import { whenRequestDone } from './request-outcome';

interface LogState {
  written: boolean;
  error?: unknown;
}
const states = new WeakMap<Response, LogState>();

/**
 * One JSON line per request, when it finishes or the client gives up: who (tenant and key ids,
 * never the key), what (method, route pattern, path), the status and how long it took. Headers
 * and bodies are never logged; they carry keys, signatures and customers' personal data.
 */
export function requestLog(logger: Logger): RequestHandler {
  const observe = whenRequestDone((outcome, res) => {
    const state = states.get(res)!;
    state.written = true;
    const { aborted, ...fields } = outcome;
    const line = { ...fields, ...(aborted ? { aborted } : {}), ...(state.error !== undefined ? { err: state.error } : {}) };
    const message = aborted ? 'request aborted by the client' : 'request finished';
    if (outcome.status >= 500) logger.error(line, message);
    else logger.info(line, message);
  });
  return (req, res, next) => {
    states.set(res, { written: false });
    observe(req, res, next);
  };
}

/**
 * Called by the error handler for a 5xx it did not expect: the error goes into the request's log
 * line. If the client has already gone and the line is written, it gets a line of its own, so a
 * failure is never lost because nobody was waiting for the answer.
 */
export function recordServerError(logger: Logger, res: Response, error: unknown): void {
  const state = states.get(res);
  if (state && !state.written) {
    state.error = error;
    return;
  }
  logger.error({ requestId: res.locals.requestId, err: error }, 'request failed after its response was closed');
}
