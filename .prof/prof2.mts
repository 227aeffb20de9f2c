import { openDatabase } from '/work/main/db/client';
import { homeServiceKpis } from '/work/main/api/metrics/home-service';
import { subscriptionKpis } from '/work/main/api/metrics/subscriptions';
import { collectionsKpis } from '/work/main/api/metrics/collections';
const d = await openDatabase({ url: process.env.U! });
const period = { from: new Date(Date.now() - 90 * 86400e3), to: new Date(Date.now() - 86400e3), timezone: 'America/Chicago' };
const db: any = d.db;
const exec = db.execute.bind(db);
db.execute = async (q: any) => {
  const t = performance.now();
  const r = await exec(q);
  const text = db.dialect.sqlToQuery(q).sql.replace(/\s+/g, ' ');
  console.log(Math.round(performance.now() - t), 'ms', text.slice(0, 110));
  return r;
};
for (const f of [homeServiceKpis, subscriptionKpis, collectionsKpis]) { await (f as any)(db, 'bench-reports', period); console.log('---'); }
await d.close();
