import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger };
export type LogLevel = Level | 'silent';

/**
 * The API's JSON logger. Errors go through `safeError`, never pino's standard serializer, because
 * that one copies every enumerable property of an error, and drizzle's query errors carry the
 * query's bound parameters (key hashes, webhook secrets, customers' phone numbers).
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'revloop-api' },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: safeError },
  };
  return destination ? pino(options, destination) : pino(options);
}

export interface SafeError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SafeError;
}

/** Name, message, code and stack frames of an error and its causes, and nothing else it carries. */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error, message: String(error) };
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  return {
    type: error.name,
    // drizzle writes the parameters into the message as well: "Failed query: …\nparams: …".
    message: error.message.replace(/\nparams:[\s\S]*$/, ''),
    ...(typeof code === 'string' ? { code } : {}),
    ...(frames.length ? { stack: frames.join('\n') } : {}),
    ...(error.cause !== undefined && depth < 5 ? { cause: safeError(error.cause, depth + 1) } : {}),
  };
}
