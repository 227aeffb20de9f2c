import type { Database } from '../db/client';
import { createCustomerActivities } from './customers';
import { createPlaybookActivities } from './playbooks';
import { createTimelineActivities } from './timeline';

export interface ActivityDependencies {
  db: Database;
}

/** Every activity the worker registers; workflows import this type only, never the code. */
export function createActivities(deps: ActivityDependencies) {
  return {
    ...createCustomerActivities(deps.db),
    ...createTimelineActivities(deps.db),
    ...createPlaybookActivities(),
  };
}

export type Activities = ReturnType<typeof createActivities>;
