import { resolve } from 'node:path';
import { z } from 'zod';
import { fromRoot } from './paths';

/**
 * Every environment variable Revloop reads, in one place (README › Configuration mirrors this).
 * Processes read the environment here and pass plain values down; nothing below scripts/ touches
 * process.env.
 */
/** What one worker holds and runs at once unless told otherwise (README › Configuration). */
export const DEFAULT_WORKER_CAPACITY: WorkerCapacity = { maxCachedWorkflows: 10_000, workflowTaskSlots: 40, activityTaskSlots: 100 };

export interface WorkerCapacity {
  /** Workflows kept in memory between tasks; the rest replay from history when their next task comes. */
  maxCachedWorkflows: number;
  /** Workflow tasks run at once (Temporal needs at least two, for sticky and normal queues). */
  workflowTaskSlots: number;
  /** Activity tasks (database writes, webhooks) run at once. */
  activityTaskSlots: number;
}

const Port = z.coerce.number().int().min(1).max(65535);

const EnvSchema = z.object({
  PORT: Port.default(3000),
  // The API's bind address: loopback unless a deployment says otherwise (a container sets 0.0.0.0).
  HOST: z.string().min(1).default('127.0.0.1'),
  // Seals secrets kept in PostgreSQL (webhook secrets, stored idempotent responses). npm run dev makes one under .data/.
  REVLOOP_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  // Keys REVLOOP_SECRET_KEY replaced, comma-separated: what they sealed still opens.
  REVLOOP_SECRET_KEYS_PREVIOUS: z.string().optional(),
  // Where `npm run dev` keeps its state (PGlite, the Temporal dev server's file, the dev key and server key).
  REVLOOP_DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('revloop'),
  TEMPORAL_PORT: Port.default(7233),
  TEMPORAL_UI_PORT: Port.default(8233),
  TEMPORAL_UI_URL: z.string().url().optional(),
  REVLOOP_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  REVLOOP_DEV_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // 0 turns the worker's Prometheus exporter off (for example when two workers share a host).
  REVLOOP_SDK_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  // Loopback by default: the exporter has no auth. A container sets 0.0.0.0 so Prometheus can scrape it.
  REVLOOP_SDK_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Per API key (and per webhook source): sustained requests per second, and the burst allowed. 0 turns limiting off.
  REVLOOP_RATE_LIMIT_PER_SECOND: z.coerce.number().min(0).default(50),
  REVLOOP_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(100),
  REVLOOP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  // A workflow bundle built ahead of time (bundleWorkflowCode); without it the worker bundles workflows/ as it starts.
  REVLOOP_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  // How many workflows the worker keeps in memory between tasks (each costs about 0.2 MB; one not
  // cached replays its history on its next task), and how many workflow and activity tasks it runs at once.
  REVLOOP_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(DEFAULT_WORKER_CAPACITY.maxCachedWorkflows),
  REVLOOP_WORKFLOW_TASK_SLOTS: z.coerce.number().int().min(2).default(DEFAULT_WORKER_CAPACITY.workflowTaskSlots),
  REVLOOP_ACTIVITY_TASK_SLOTS: z.coerce.number().int().min(1).default(DEFAULT_WORKER_CAPACITY.activityTaskSlots),
  // `any` lets tenants' webhooks reach private and loopback addresses (a self-hosted network); public only by default.
  REVLOOP_WEBHOOK_TARGETS: z.enum(['public', 'any']).default('public'),
  // Where customers reach the API (unsubscribe links in emails); http://localhost:PORT by default.
  REVLOOP_PUBLIC_URL: z.string().url().optional(),
});

/** The names Revloop reads; anything else a deployment sets is a typo or a leftover. */
export const configVariables: readonly string[] = Object.keys(EnvSchema.shape);

export interface RevloopConfig {
  port: number;
  host: string;
  /** Undefined when REVLOOP_SECRET_KEY is unset; the API and worker refuse to start without one (`requireSecretKeys`). */
  secretKeys: { current: string; previous: string[] } | undefined;
  databaseUrl: string | undefined;
  /** `npm run dev`'s state directory: .data/ in the checkout unless REVLOOP_DATA_DIR says otherwise. */
  dataDir: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  temporalPort: number;
  temporalUiPort: number;
  temporalUiUrl: string;
  adminToken: string | undefined;
  devApiKey: string | undefined;
  /** pino level for the API's request logs. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Where the worker's Temporal Core serves its Prometheus metrics (`host:port`); undefined when off. */
  sdkMetricsAddress: string | undefined;
  /**
   * The exporter for `npm run dev`: only when REVLOOP_SDK_METRICS_PORT asks for one, so a second
   * dev stack on other ports does not collide on 9464.
   */
  devSdkMetricsAddress: string | undefined;
  rateLimit: { perSecond: number; burst: number } | undefined;
  requestTimeoutMs: number;
  /** A prebuilt workflow bundle for the worker; it bundles workflows/ at start when undefined. */
  workflowBundlePath: string | undefined;
  /** Which addresses tenants' webhooks may reach. */
  webhookTargets: 'public' | 'any';
  /** The API's address as customers reach it: unsubscribe links in emails. */
  publicUrl: string;
  worker: WorkerCapacity;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): RevloopConfig {
  const parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    secretKeys: e.REVLOOP_SECRET_KEY
      ? { current: e.REVLOOP_SECRET_KEY, previous: (e.REVLOOP_SECRET_KEYS_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter(Boolean) }
      : undefined,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.REVLOOP_DATA_DIR ? resolve(e.REVLOOP_DATA_DIR) : fromRoot('.data'),
    temporalAddress: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    temporalUiUrl: e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`,
    adminToken: e.REVLOOP_ADMIN_TOKEN,
    devApiKey: e.REVLOOP_DEV_API_KEY,
    logLevel: e.LOG_LEVEL,
    sdkMetricsAddress: e.REVLOOP_SDK_METRICS_PORT === 0 ? undefined : `${e.REVLOOP_SDK_METRICS_HOST}:${e.REVLOOP_SDK_METRICS_PORT ?? 9464}`,
    devSdkMetricsAddress: e.REVLOOP_SDK_METRICS_PORT ? `${e.REVLOOP_SDK_METRICS_HOST}:${e.REVLOOP_SDK_METRICS_PORT}` : undefined,
    rateLimit: e.REVLOOP_RATE_LIMIT_PER_SECOND === 0 ? undefined : { perSecond: e.REVLOOP_RATE_LIMIT_PER_SECOND, burst: e.REVLOOP_RATE_LIMIT_BURST },
    requestTimeoutMs: e.REVLOOP_REQUEST_TIMEOUT_MS,
    workflowBundlePath: e.REVLOOP_WORKFLOW_BUNDLE,
    webhookTargets: e.REVLOOP_WEBHOOK_TARGETS,
    publicUrl: e.REVLOOP_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    worker: { maxCachedWorkflows: e.REVLOOP_MAX_CACHED_WORKFLOWS, workflowTaskSlots: e.REVLOOP_WORKFLOW_TASK_SLOTS, activityTaskSlots: e.REVLOOP_ACTIVITY_TASK_SLOTS },
  };
}

/** The API's slice of the configuration (`npm run api` and `npm run dev` both serve it). */
export function apiConfigOf(config: RevloopConfig, temporalUiUrl = config.temporalUiUrl) {
  return {
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    temporalUiUrl,
    adminToken: config.adminToken,
    rateLimit: config.rateLimit,
    requestTimeoutMs: config.requestTimeoutMs,
    webhookTargets: config.webhookTargets,
    publicUrl: config.publicUrl,
    secretKeys: requireSecretKeys(config),
  };
}

/** The server key, or a clear refusal to start: secrets at rest must not be sealed with nothing. */
export function requireSecretKeys(config: RevloopConfig): { current: string; previous: string[] } {
  if (!config.secretKeys) {
    throw new Error('REVLOOP_SECRET_KEY is not set: give the API and the worker the same secret of at least 32 characters (for example `openssl rand -base64 48`); it seals webhook secrets and stored responses in PostgreSQL.');
  }
  return config.secretKeys;
}
