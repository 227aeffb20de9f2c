/**
 * ISO-8601 durations (`PT15M`, `P3D`, `P12M`) as playbooks write them. Years and months are
 * calendar units (P1M from Jan 31 is Feb 28/29); weeks, days and smaller are exact lengths, so a
 * reminder `PT2H` before an appointment is always two real hours before it.
 */
export const ISO_DURATION_PATTERN = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Nothing a lifecycle schedules is further off than this; it also keeps every date representable. */
export const MAX_DURATION_YEARS = 100;

/** An ISO-8601 duration string; the `IsoDuration` schema in `values.ts` checks it at the edge. */
export type IsoDuration = string;

/** Whether a well-formed duration is at most MAX_DURATION_YEARS long. */
export function withinMaxDuration(iso: string): boolean {
  return !ISO_DURATION_PATTERN.test(iso) || addDuration(0, iso) <= addDuration(0, `P${MAX_DURATION_YEARS}Y`);
}

export interface DurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export function parseDuration(iso: string): DurationParts {
  const m = ISO_DURATION_PATTERN.exec(iso);
  if (!m) throw new Error(`not an ISO-8601 duration: ${iso}`);
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Adds a duration to an instant (ms since epoch, UTC) and returns the new instant. */
export function addDuration(at: number, iso: string, sign: 1 | -1 = 1): number {
  const d = parseDuration(iso);
  let t = at;
  if (d.years || d.months) t = addCalendarMonths(t, sign * (d.years * 12 + d.months));
  return t + sign * (d.weeks * 7 * DAY + d.days * DAY + d.hours * HOUR + d.minutes * MINUTE + d.seconds * SECOND);
}

/** Exact length of a duration without calendar units; used where a fixed span is needed (timeouts). */
export function durationMs(iso: string): number {
  const d = parseDuration(iso);
  if (d.years || d.months) throw new Error(`duration ${iso} has calendar units and no fixed length`);
  return d.weeks * 7 * DAY + d.days * DAY + d.hours * HOUR + d.minutes * MINUTE + d.seconds * SECOND;
}

function addCalendarMonths(at: number, months: number): number {
  const date = new Date(at);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return Date.UTC(targetYear, targetMonth, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds());
}

/** "2h", "3d", "45m": short, for workflow summaries an ops person reads at a glance. */
export function humanizeMs(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < MINUTE) return `${Math.round(abs / SECOND)}s`;
  if (abs < HOUR) return `${Math.round(abs / MINUTE)}m`;
  if (abs < 2 * DAY) return `${Math.round(abs / HOUR)}h`;
  if (abs < 60 * DAY) return `${Math.round(abs / DAY)}d`;
  return `${Math.round(abs / (30 * DAY))}mo`;
}

/**
 * "4 days", "30 min", "1 year 6 months": an ISO-8601 duration as a playbook author or an owner
 * reads it (diagrams, the dashboard). Units are kept as written, P18M stays "18 months", because
 * that is what the playbook says; a zero duration is "no time".
 */
export function durationInWords(iso: string): string {
  const p = parseDuration(iso);
  const words: Array<[number, string, string]> = [
    [p.years, 'year', 'years'],
    [p.months, 'month', 'months'],
    [p.weeks, 'week', 'weeks'],
    [p.days, 'day', 'days'],
    [p.hours, 'hour', 'hours'],
    [p.minutes, 'min', 'min'],
    [p.seconds, 's', 's'],
  ];
  const said = words.filter(([n]) => n > 0).map(([n, one, many]) => `${n} ${n === 1 ? one : many}`);
  return said.length ? said.join(' ') : 'no time';
}
