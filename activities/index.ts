import type { Database } from '../db/client';
import type { SecretBox } from '../db/sealed';
import { createCustomerActivities } from './customers';
import { createDeliveryActivities } from './delivery';
import { createPlaybookActivities } from './playbooks';
import { createProgressActivities } from './progress';
import { createTimelineActivities } from './timeline';
import type { WebhookTargets } from './outbound-address';
import { createUsageActivities } from './usage';

export interface ActivityDependencies {
  db: Database;
  /** Opens secrets sealed at rest (the tenant's outbound webhook secret): the API's server key. */
  secrets: SecretBox;
  /** Which addresses tenants' webhooks may reach (REVLOOP_WEBHOOK_TARGETS): public ones by default. */
  webhookTargets?: WebhookTargets;
  /** The API's public address (REVLOOP_PUBLIC_URL), for unsubscribe links in emails. */
  publicUrl?: string;
}

/** Every activity the worker registers; workflows import this type only, never the code. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createCustomerActivities(deps.db),
    ...createTimelineActivities(deps.db),
    ...createProgressActivities(deps.db),
    ...createDeliveryActivities(deps),
    ...createPlaybookActivities(deps.db),
    ...createUsageActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;
