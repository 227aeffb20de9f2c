import type { Database } from '../db/client';
import { customers } from '../db/schema';
import type { CustomerProfile } from '../domain/customer-profile';

export interface UpsertCustomerInput {
  tenantId: string;
  customerId: string;
  profile: CustomerProfile;
  playbook: { id: string; version: number };
  stage: string;
  currency: string;
}

/** Writes the customer's record; retried or replayed, it lands on the same row with the same values. */
export async function upsertCustomer(db: Database, input: UpsertCustomerInput): Promise<void> {
  const values = {
    name: input.profile.name,
    phone: input.profile.phone ?? null,
    email: input.profile.email ?? null,
    timezone: input.profile.timezone,
    playbookId: input.playbook.id,
    playbookVersion: input.playbook.version,
    updatedAt: new Date(),
  };
  await db
    .insert(customers)
    .values({ tenantId: input.tenantId, id: input.customerId, stage: input.stage, currency: input.currency, ...values })
    .onConflictDoUpdate({ target: [customers.tenantId, customers.id], set: values });
}

export function createCustomerActivities(db: Database) {
  return {
    /** Legacy runs (before committed steps) record the customer in a local activity of its own. */
    upsertCustomer: (input: UpsertCustomerInput) => upsertCustomer(db, input),
  };
}
