import { z } from 'zod';

/** An email address; the part before the @ at most 64 characters (RFC 5321), as JSON Schema's `format: email` says. */
export const EmailAddress = z
  .email()
  .max(320)
  .refine((address) => address.split('@')[0]!.length <= 64, 'the part before @ must be at most 64 characters');

/** A name people read: not blank, trimmed. */
export function NonBlank(max: number) {
  return z
    .string()
    .max(max)
    .regex(/\S/, 'must not be blank')
    .transform((s) => s.trim());
}

/** A phone number as people type it; E.164 (`+15551234567`) is best. */
export const PhoneNumber = z.string().regex(/^\+?[0-9 ().-]{5,24}$/, 'must be a phone number, ideally E.164 such as +15551234567');

/** The digits of a phone number: how two spellings of one number are matched. */
export function phoneDigits(phone: string): string {
  return phone.replace(/[^0-9]/g, '');
}
