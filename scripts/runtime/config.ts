import { z } from 'zod';

/**
 * Every environment variable Revloop reads, in one place (README › Configuration mirrors this).
 * Processes read the environment here and pass plain values down; nothing below scripts/ touches
 * process.env.
 */
const Port = z.coerce.number().int().min(1).max(65535);

const EnvSchema = z.object({
  PORT: Port.default(3000),
  DATABASE_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('revloop'),
  TEMPORAL_PORT: Port.default(7233),
  TEMPORAL_UI_PORT: Port.default(8233),
  TEMPORAL_UI_URL: z.string().url().optional(),
  REVLOOP_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  REVLOOP_DEV_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface RevloopConfig {
  port: number;
  databaseUrl: string | undefined;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  temporalPort: number;
  temporalUiPort: number;
  temporalUiUrl: string;
  adminToken: string | undefined;
  devApiKey: string | undefined;
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
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS ?? `127.0.0.1:${e.TEMPORAL_PORT}`,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    temporalUiUrl: e.TEMPORAL_UI_URL ?? `http://localhost:${e.TEMPORAL_UI_PORT}`,
    adminToken: e.REVLOOP_ADMIN_TOKEN,
    devApiKey: e.REVLOOP_DEV_API_KEY,
  };
}
