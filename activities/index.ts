import type { Database } from '../db/client';
import { createCustomerActivities } from './customers';
import { createDeliveryActivities } from './delivery';
import { createPlaybookActivities } from './playbooks';
import { createProgressActivities } from './progress';
import { createTimelineActivities } from './timeline';
import { createUsageActivities } from './usage';

export interface ActivityDependencies {
  db: Database;
  /** Overridable for tests of webhook delivery; the global fetch otherwise. */
  fetch?: typeof fetch;
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
