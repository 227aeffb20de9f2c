import type { Database } from '../../db/client';
import { collectionsKpis, type CollectionsKpis } from './collections';
import { homeServiceKpis, type HomeServiceKpis } from './home-service';
import type { Period } from './period';
import { quoteToCashKpis, recoveredByRevloop, type QuoteToCashKpis, type RecoveredByRevloop } from './quote-to-cash';
import { subscriptionKpis, type SubscriptionKpis } from './subscriptions';

/**
 * Every KPI of a period, from PostgreSQL: each figure's definition is on its type, and the README
 * states them all. Amounts are integer minor units per currency; no FX.
 */
export interface KpiReport {
  homeService: HomeServiceKpis;
  collections: CollectionsKpis[];
  subscriptions: SubscriptionKpis[];
  quoteToCash: QuoteToCashKpis;
  recoveredByRevloop: RecoveredByRevloop[];
}

export async function kpiReport(db: Database, tenantId: string, period: Period): Promise<KpiReport> {
  const [homeService, collections, subscriptions, quoteToCash, recovered] = await Promise.all([
    homeServiceKpis(db, tenantId, period),
    collectionsKpis(db, tenantId, period),
    subscriptionKpis(db, tenantId, period),
    quoteToCashKpis(db, tenantId, period),
    recoveredByRevloop(db, tenantId, period),
  ]);
  return { homeService, collections, subscriptions, quoteToCash, recoveredByRevloop: recovered };
}
