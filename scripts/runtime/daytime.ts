/**
 * An IANA zone where it is early afternoon right now. Tests and the fault suite on the real-time dev server send
 * messages at once, and quiet hours (08:00–20:00 customer-local) would hold them back at some
 * hours of the UTC day: a customer in this zone is in the sending window whenever CI runs.
 */
export function zoneInDaytime(at: number = Date.now()): string {
  let offset = 13 - new Date(at).getUTCHours();
  if (offset < -12) offset += 24;
  if (offset > 14) offset -= 24;
  // POSIX-style names: Etc/GMT-5 is five hours *ahead* of UTC.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
