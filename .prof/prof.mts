import { openDatabase } from '/work/main/db/client';
import { homeServiceKpis } from '/work/main/api/metrics/home-service';
import { collectionsKpis } from '/work/main/api/metrics/collections';
import { subscriptionKpis } from '/work/main/api/metrics/subscriptions';
import { quoteToCashKpis, recoveredByRevloop } from '/work/main/api/metrics/quote-to-cash';
const d = await openDatabase({ url: process.env.U! });
const period = { from: new Date(Date.now() - 90 * 86400e3), to: new Date(Date.now() - 86400e3), timezone: 'America/Chicago' };
for (const [n, f] of Object.entries({ homeServiceKpis, collectionsKpis, subscriptionKpis, quoteToCashKpis, recoveredByRevloop })) {
  await (f as any)(d.db, 'bench-reports', period);
  const t = performance.now();
  await (f as any)(d.db, 'bench-reports', period);
  console.log(n, Math.round(performance.now() - t));
}
await d.close();
