import type { RouteSpec } from '../route';
import { customerRoutes } from './customers';
import { healthRoutes } from './health';
import { messagingRoutes } from './messaging';
import { playbookRoutes } from './playbooks';
import { tenantRoutes } from './tenants';

/** The whole API surface: the router, the OpenAPI document and the isolation tests read this table. */
export const routes: readonly RouteSpec[] = [...healthRoutes, ...tenantRoutes, ...customerRoutes, ...playbookRoutes, ...messagingRoutes];
