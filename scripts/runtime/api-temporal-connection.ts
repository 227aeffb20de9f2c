import type { ConnectionLike, Metadata, OperatorService, WorkflowService } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { within } from '../../api/http/within';

/** gRPC's UNAVAILABLE: the call never reached the server. */
const UNAVAILABLE = 14;

/**
 * The API's connection to Temporal: the SDK's native client (Core, in Rust), which frames gRPC on
 * its own threads. The pure-JS client did that on the thread that also parses every HTTP request;
 * with the worker on the same two cores, `npm run bench` (ingest) measured the API at 0.55–0.67
 * of raw signals through it, and at 0.86–0.96 through this one.
 *
 * Connected at the first call, and again at the next call after a failed attempt, so the API
 * starts (and /readyz says why it is not ready) while Temporal is still coming up. Until it is
 * connected, a call fails at once with UNAVAILABLE, which the API answers with a 503 that can
 * truthfully say nothing changed. Once connected, Core retries a call that did not reach the
 * server for a few seconds (a Temporal restart), and gives up with UNAVAILABLE too.
 */
export class ApiTemporalConnection implements ConnectionLike {
  readonly plugins = [];
  readonly workflowService: WorkflowService;
  readonly operatorService: OperatorService;
  private native: NativeConnection | undefined;
  private attempt: Promise<NativeConnection> | undefined;
  private closed = false;

  constructor(
    private readonly address: string,
    private readonly connectTimeoutMs = 2_000,
  ) {
    this.workflowService = this.service((c) => c.workflowService);
    this.operatorService = this.service((c) => c.operatorService);
  }

  async ensureConnected(): Promise<void> {
    await this.connection();
  }

  async withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R> {
    return (await this.connection()).withDeadline(deadline, fn);
  }

  async withMetadata<R>(metadata: Metadata, fn: () => Promise<R>): Promise<R> {
    return (await this.connection()).withMetadata(metadata, fn);
  }

  async withAbortSignal<R>(abortSignal: AbortSignal, fn: () => Promise<R>): Promise<R> {
    return (await this.connection()).withAbortSignal(abortSignal, fn);
  }

  async close(): Promise<void> {
    // An attempt still under way closes what it opens (below).
    this.closed = true;
    const open = this.native;
    this.native = undefined;
    await open?.close();
  }

  /** A service whose every method waits for the connection, then calls the native one. */
  private service<S extends object>(of: (connection: NativeConnection) => S): S {
    return new Proxy({} as S, {
      get: (_, method) => async (request: unknown) => {
        const service = of(await this.connection()) as Record<PropertyKey, (request: unknown) => Promise<unknown>>;
        return service[method]!(request);
      },
    });
  }

  private connection(): Promise<NativeConnection> {
    if (this.native) return Promise.resolve(this.native);
    if (this.closed) return Promise.reject(unavailable(`the connection to Temporal at ${this.address} is closed`));
    // One attempt at a time; a caller waits for it at most connectTimeoutMs. An attempt that
    // outlives that still counts when it succeeds.
    this.attempt ??= NativeConnection.connect({ address: this.address }).then(
      async (connection) => {
        if (this.closed) {
          await connection.close();
          throw unavailable(`the connection to Temporal at ${this.address} is closed`);
        }
        return (this.native = connection);
      },
      (error: unknown) => {
        this.attempt = undefined;
        throw unavailable(`Temporal at ${this.address} is unreachable: ${(error as Error).message}`);
      },
    );
    return within(this.attempt, this.connectTimeoutMs, () => unavailable(`Temporal at ${this.address} did not answer within ${this.connectTimeoutMs} ms`));
  }
}

/** Shaped as the SDK's gRPC errors are (code, details, metadata without status details), so the API's 503 mapping applies. */
function unavailable(message: string): Error {
  return Object.assign(new Error(message), { code: UNAVAILABLE, details: message, metadata: { get: () => [] } });
}

export function apiTemporalConnection(address: string): ApiTemporalConnection {
  return new ApiTemporalConnection(address);
}
