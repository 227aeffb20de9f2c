import { z } from 'zod';

/** A phone number as people type it; E.164 (`+15551234567`) is best. */
export const PhoneNumber = z.string().regex(/^\+?[0-9 ().-]{5,24}$/, 'must be a phone number, ideally E.164 such as +15551234567');

/** The digits of a phone number: how two spellings of one number are matched. */
export function phoneDigits(phone: string): string {
  return phone.replace(/[^0-9]/g, '');
}
