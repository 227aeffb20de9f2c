import { compare, exactDecimal, exactFromText, exactText, minus, min, plus, ratio, roundHalfAway, times, ZERO, type Exact } from './exact';

/**
 * A contract's prepaid wallet (Lago's wallets, OpenMeter's grants): credit granted or bought, in
 * money or in units of a usage metric, consumed by usage before anything is charged. Pure, so
 * the workflow and the upcoming-invoice preview consume it the same way.
 *
 * - A units grant lowers a usage line's quantity before it is rated (the first N calls are
 *   prepaid), for the line on its metric.
 * - A money grant pays for usage lines once they are rated. A free grant (promotional credit) is
 *   a line on the invoice that lowers its total, as a discount does; a paid one (a top-up the
 *   customer bought) is the customer's money and pays the invoice at issue, as cash on account
 *   does: the invoice bills its full amount.
 * - Grants are used in order: lower `priority` first, then the one expiring first (never-expiring
 *   last), then the oldest, then by id. An expired grant is worth nothing.
 * - The balance never goes below zero, except by the playbook's overdraft (`overdraftUpTo`), and
 *   only paid money overdraws: the next top-up pays the overdraft back first.
 */

export interface WalletGrant {
  grantId: string;
  kind: 'money' | 'units';
  /** units: the metric it prepays. */
  metric?: string;
  /** Left to use: money in minor units as text, units as an exact fraction (`exactText`). */
  remaining: string;
  /** As granted, for people. */
  granted: string;
  paid: boolean;
  priority: number;
  grantedAt: string;
  expiresAt: string | null;
  reason?: string;
}

export interface Wallet {
  grants: WalletGrant[];
  /** Paid money used beyond the wallet, under the playbook's overdraft: repaid by the next top-up. */
  overdrawn: number;
  /** A low-balance alert went out since the last grant. */
  lowBalanceAlerted: boolean;
}

export const emptyWallet = (): Wallet => ({ grants: [], overdrawn: 0, lowBalanceAlerted: false });

const live = (g: WalletGrant, at: number) => g.expiresAt === null || Date.parse(g.expiresAt) > at;
const left = (g: WalletGrant): Exact => exactFromText(g.remaining);

/** Units for people and the API: to 4 places, exactly rounded. */
const unitsShown = (q: Exact) => Number(roundHalfAway(times(q, ratio(10_000, 1)))) / 10_000;

/** What a grant has left as a number: whole minor units of money, or units to 4 places. */
export function leftOf(g: Pick<WalletGrant, 'kind' | 'remaining'>): number {
  const q = exactFromText(g.remaining);
  return g.kind === 'money' ? Number(q.n / q.d) : unitsShown(q);
}

/** A grant with something left to use (expired or not). */
export const hasLeft = (g: WalletGrant) => compare(left(g), ZERO) > 0;

/** The order grants are used in. */
export function inUseOrder(grants: readonly WalletGrant[]): WalletGrant[] {
  return [...grants].sort(
    (a, b) =>
      a.priority - b.priority ||
      (a.expiresAt === null ? 1 : 0) - (b.expiresAt === null ? 1 : 0) ||
      (a.expiresAt && b.expiresAt ? Date.parse(a.expiresAt) - Date.parse(b.expiresAt) : 0) ||
      Date.parse(a.grantedAt) - Date.parse(b.grantedAt) ||
      a.grantId.localeCompare(b.grantId),
  );
}

/** A grant added to the wallet; a top-up repays any overdraft first. */
export function addGrant(wallet: Wallet, grant: Omit<WalletGrant, 'remaining'>): Wallet {
  let remaining = grant.kind === 'money' ? Number(grant.granted) : 0;
  let overdrawn = wallet.overdrawn;
  if (grant.kind === 'money' && grant.paid && overdrawn > 0) {
    const repaid = Math.min(overdrawn, remaining);
    overdrawn -= repaid;
    remaining -= repaid;
  }
  const added: WalletGrant = { ...grant, remaining: grant.kind === 'money' ? exactText({ n: BigInt(remaining), d: 1n }) : exactText(exactDecimal(grant.granted)) };
  return { grants: [...wallet.grants, added], overdrawn, lowBalanceAlerted: false };
}

export interface UnitsUse {
  quantity: Exact;
  used: Array<{ grantId: string; units: Exact }>;
  wallet: Wallet;
}

/** Prepaid units of `metric` taken from `quantity` at `at`: what is left to rate, and what was used. */
export function useUnits(wallet: Wallet, metric: string, quantity: Exact, at: number): UnitsUse {
  let rest = quantity;
  const used: UnitsUse['used'] = [];
  const taken = new Map<string, Exact>();
  for (const g of inUseOrder(wallet.grants)) {
    if (compare(rest, ZERO) <= 0) break;
    if (g.kind !== 'units' || g.metric !== metric || !live(g, at) || compare(left(g), ZERO) <= 0) continue;
    const take = min(left(g), rest);
    rest = minus(rest, take);
    used.push({ grantId: g.grantId, units: take });
    taken.set(g.grantId, minus(left(g), take));
  }
  return { quantity: rest, used, wallet: { ...wallet, grants: wallet.grants.map((g) => (taken.has(g.grantId) ? { ...g, remaining: exactText(taken.get(g.grantId)!) } : g)) } };
}

const money = (g: WalletGrant) => Number(left(g).n / left(g).d);
const withRemaining = (wallet: Wallet, remaining: ReadonlyMap<string, number>): WalletGrant[] =>
  wallet.grants.map((g) => (remaining.has(g.grantId) ? { ...g, remaining: `${remaining.get(g.grantId)}/1` } : g));

/** Free money credit used for `due` minor units of usage at `at`, grant by grant: lines that lower the invoice. */
export function useFreeMoney(wallet: Wallet, due: number, at: number): { used: Array<{ grantId: string; amount: number }>; wallet: Wallet } {
  let rest = Math.max(0, due);
  const used: Array<{ grantId: string; amount: number }> = [];
  const remaining = new Map<string, number>();
  for (const g of inUseOrder(wallet.grants)) {
    if (rest <= 0) break;
    if (g.kind !== 'money' || g.paid || !live(g, at) || money(g) <= 0) continue;
    const take = Math.min(money(g), rest);
    rest -= take;
    used.push({ grantId: g.grantId, amount: take });
    remaining.set(g.grantId, money(g) - take);
  }
  return { used, wallet: { ...wallet, grants: withRemaining(wallet, remaining) } };
}

/**
 * What paid prepaid credit drawn for an invoice pays of its balance at issue: never more than the
 * balance, and nothing toward one below zero (late gauge readings can bring an invoice's lines to
 * less than nothing). Issuing and the upcoming-invoice preview both pay by this.
 */
export function walletPays(drawn: number, balance: number): number {
  return Math.max(0, Math.min(drawn, balance));
}

/**
 * Paid money (top-ups) used for `due` minor units at `at`: it pays the invoice at issue. Beyond
 * the paid balance, the playbook's overdraft (`overdraftUpTo` minor units in all) pays the rest.
 */
export function usePaidMoney(wallet: Wallet, due: number, at: number, overdraftUpTo = 0): { paid: number; wallet: Wallet } {
  let rest = Math.max(0, due);
  let paid = 0;
  const remaining = new Map<string, number>();
  for (const g of inUseOrder(wallet.grants)) {
    if (rest <= 0) break;
    if (g.kind !== 'money' || !g.paid || !live(g, at) || money(g) <= 0) continue;
    const take = Math.min(money(g), rest);
    rest -= take;
    paid += take;
    remaining.set(g.grantId, money(g) - take);
  }
  const overdraft = Math.max(0, Math.min(rest, overdraftUpTo - wallet.overdrawn));
  return { paid: paid + overdraft, wallet: { ...wallet, overdrawn: wallet.overdrawn + overdraft, grants: withRemaining(wallet, remaining) } };
}

export interface WalletBalance {
  /** Money left to use (free and paid), less any overdraft. */
  money: number;
  paid: number;
  free: number;
  overdrawn: number;
  /** Units left, by metric. */
  units: Record<string, number>;
}

/** What the wallet holds at `at`: expired grants are worth nothing. */
export function balanceOf(wallet: Wallet, at: number): WalletBalance {
  let paid = 0;
  let free = 0;
  const units: Record<string, Exact> = {};
  for (const g of wallet.grants) {
    if (!live(g, at)) continue;
    if (g.kind === 'money') {
      if (g.paid) paid += money(g);
      else free += money(g);
    } else units[g.metric!] = plus(units[g.metric!] ?? ZERO, left(g));
  }
  return {
    money: paid + free - wallet.overdrawn,
    paid,
    free,
    overdrawn: wallet.overdrawn,
    units: Object.fromEntries(Object.entries(units).map(([metric, q]) => [metric, unitsShown(q)])),
  };
}

/** Grants that expire by `at` with something left: what expiring them forgoes. */
export function expiring(wallet: Wallet, at: number): WalletGrant[] {
  return wallet.grants.filter((g) => g.expiresAt !== null && Date.parse(g.expiresAt) <= at && hasLeft(g));
}

/** The wallet with the given grants emptied (expired). */
export function expire(wallet: Wallet, grantIds: readonly string[]): Wallet {
  return { ...wallet, grants: wallet.grants.map((g) => (grantIds.includes(g.grantId) ? { ...g, remaining: '0/1' } : g)) };
}
