/**
 * Customer-local time. Quiet hours and seasonal outreach are about the customer's wall clock,
 * not UTC, and survive daylight-saving changes. Only `Intl` is used, which is deterministic
 * inside workflow code for a given Node.js build.
 */

/** A 24-hour local wall-clock time, HH:MM (the `LocalTime` schema in `values.ts`). */
export const LOCAL_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function localParts(at: number, tz: string): LocalParts {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(at))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
}

function offsetAt(at: number, tz: string): number {
  const p = localParts(at, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant at which the wall clock in `tz` shows the given local time. A local time skipped by
 * a spring-forward gap resolves to the instant just after the gap.
 */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, tz: string): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let at = guess - offsetAt(guess, tz);
  const second = guess - offsetAt(at, tz);
  if (second !== at) at = Math.max(at, second);
  return at;
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

export interface QuietHours {
  /** Messages may go out from this local time... */
  start: string;
  /** ...until this local time. */
  end: string;
}

/** The first instant at or after `at` that falls inside the sending window in `tz`. */
export function nextSendableInstant(at: number, tz: string, window: QuietHours | null): number {
  if (!window) return at;
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const p = localParts(at, tz);
  const now = p.hour * 60 + p.minute;
  const inside = start <= end ? now >= start && now < end : now >= start || now < end;
  if (inside) return at;
  // Before the window opens today, or after it closed: the next opening.
  let candidate = zonedToUtc(p.year, p.month, p.day, Math.floor(start / 60), start % 60, tz);
  if (candidate <= at) {
    const tomorrow = new Date(Date.UTC(p.year, p.month - 1, p.day + 1));
    candidate = zonedToUtc(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth() + 1, tomorrow.getUTCDate(), Math.floor(start / 60), start % 60, tz);
  }
  return candidate;
}

/** The next instant strictly after `after` at which it is `month`/`day` `time` in `tz`. */
export function nextLocalDate(after: number, month: number, day: number, time: string, tz: string): number {
  const { year } = localParts(after, tz);
  const minutes = minutesOf(time);
  for (const y of [year, year + 1]) {
    const lastDay = new Date(Date.UTC(y, month, 0)).getUTCDate();
    const at = zonedToUtc(y, month, Math.min(day, lastDay), Math.floor(minutes / 60), minutes % 60, tz);
    if (at > after) return at;
  }
  throw new Error('unreachable: a date recurs within two years');
}

// Building a formatter is far dearer than using one, and workflow details render a table of times on every step.
const displayFormatters = new Map<string, Intl.DateTimeFormat>();

/** "Tue, Mar 3, 2026, 10:00 AM" on the customer's wall clock, for message text. */
export function formatLocal(at: number, tz: string): string {
  let f = displayFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', hour: 'numeric', minute: '2-digit' });
    displayFormatters.set(tz, f);
  }
  return f.format(new Date(at));
}
