import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `tsx scripts/bench/profile-summary.ts <dir>`: where the CPU went in the `.cpuprofile` files
 * `BENCH_PROFILE_DIR` collects (one per thread), by self time: the top functions, and the share
 * of each package or project folder. Prints one JSON line per profile.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summarise(profile: Profile, top = 15) {
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    total += us;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += us;
    const key = `${functionName || '(anonymous)'} ${shorten(url)}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const a = area(url, functionName);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const pct = (us: number) => Math.round((1000 * us) / Math.max(busy, 1)) / 10;
  return {
    wallSeconds: Math.round((profile.endTime - profile.startTime) / 1e4) / 100,
    busySeconds: Math.round(busy / 1e4) / 100,
    idleShare: Math.round((1000 * (total - busy)) / Math.max(total, 1)) / 10,
    areas: Object.fromEntries([...areas].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k, v]) => [k, pct(v)])),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${pct(v)}% ${k}`),
  };
}

function shorten(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) return url.slice(nm + 13);
  const root = url.indexOf('/main/');
  return root !== -1 ? url.slice(root + 6) : url.replace(/^file:\/\//, '');
}

function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 13).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url.split('/')[0]!.replace(/^node:internal$/, 'node:internal');
  const m = /\/(api|workflows|activities|domain|db|scripts|playbooks)\//.exec(url);
  if (m) return m[1]!;
  return url.includes('workflow-bundle') || url.includes('webpack') ? 'workflow bundle' : shorten(url).split('/')[0]!;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? '.';
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.cpuprofile') ? [join(d, e.name)] : []));
  for (const file of walk(dir)) console.log(JSON.stringify({ profile: file, ...summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile) }));
}
