import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { lookup as lookupCallback } from 'node:dns';

/**
 * Where a tenant's webhook may point. A tenant chooses the URL, and the worker POSTs to it from
 * inside the network: without a check, "https://169.254.169.254/…" or "http://127.0.0.1:8233"
 * turns the worker into the tenant's probe of the internal network. By default only public
 * addresses are reached, checked on the address actually connected to (so a name that resolves
 * to a public address when saved and a private one later is refused then), redirects are never
 * followed, and nothing of the other side's answer but its status reaches the tenant. A
 * self-hosted setup posting to its own network sets REVLOOP_WEBHOOK_TARGETS=any.
 */
export type WebhookTargets = 'public' | 'any';

/** Loopback, private, shared, link-local (cloud metadata included), multicast, reserved and documentation ranges. */
const notPublic = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  notPublic.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  return !notPublic.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

const REFUSED = 'resolves to a loopback, private, link-local or otherwise non-public address';

/** The error a refused target fails with: refused now, it is refused on every retry. */
function refusedTarget(): Error {
  return Object.assign(new Error(REFUSED), { code: 'EREFUSEDTARGET' });
}

export function isRefusedTarget(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EREFUSEDTARGET';
}

/** The URL's host as an address or name, without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Why a webhook may not point at `url` (resolving its host now), or null. */
export async function webhookTargetIssue(url: string, targets: WebhookTargets): Promise<string | null> {
  if (targets === 'any') return null;
  const host = hostOf(new URL(url));
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    return 'does not resolve';
  }
  return addresses.length > 0 && addresses.every(isPublicAddress) ? null : REFUSED;
}

/** A DNS lookup that refuses non-public answers: the socket connects only to an address that passed. */
const publicLookup: LookupFunction = (hostname, options, callback) => {
  lookupCallback(hostname, { ...options, all: true }, (error, found) => {
    if (error) return callback(error, '', 0);
    const usable = found.filter((a) => isPublicAddress(a.address));
    if (usable.length === 0) return callback(refusedTarget(), '', 0);
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof usable) => void)(null, usable);
    callback(null, usable[0]!.address, usable[0]!.family);
  });
};

export interface WebhookAnswer {
  status: number;
}

/**
 * POSTs `body` to a tenant's webhook: no redirects followed (a 3xx is the answer), the answer's
 * body read and dropped, and, unless `targets` is `any`, only to public addresses.
 */
export async function postToWebhook(url: string, headers: Record<string, string>, body: string, options: { targets: WebhookTargets; timeoutMs: number }): Promise<WebhookAnswer> {
  const target = new URL(url);
  const host = hostOf(target);
  if (options.targets === 'public' && isIP(host) && !isPublicAddress(host)) throw refusedTarget();
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        timeout: options.timeoutMs,
        ...(options.targets === 'public' ? { lookup: publicLookup } : {}),
      },
      (res: IncomingMessage) => {
        res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.once('error', reject);
    req.end(body);
  });
}

/** What a tenant is told of a failed delivery: its kind, never another service's words. */
export function deliveryFailure(error: unknown): string {
  if (isRefusedTarget(error)) return `webhook refused: the URL ${REFUSED}`;
  const code = (error as { code?: unknown }).code;
  return `webhook unreachable (${typeof code === 'string' ? code : 'connection failed'})`;
}
