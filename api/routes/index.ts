import type { RouteSpec } from '../http/route';
import { apiKeyRoutes } from './api-keys';
import { contractRoutes } from './contracts';
import { customerRoutes } from './customers';
import { healthRoutes } from './health';
import { messagingRoutes } from './messaging';
import { metricsRoutes } from './reports';
import { playbookRoutes } from './playbooks';
import { tenantRoutes } from './tenants';
import { unsubscribeRoutes } from './unsubscribe';
import { webhookRoutes } from './webhooks';

/** The whole API surface: the router, the OpenAPI document and the isolation tests read this table. */
export const routes: readonly RouteSpec[] = [
  ...healthRoutes,
  ...tenantRoutes,
  ...apiKeyRoutes,
  ...customerRoutes,
  ...contractRoutes,
  ...playbookRoutes,
  ...messagingRoutes,
  ...unsubscribeRoutes,
  ...metricsRoutes,
  ...webhookRoutes,
];
