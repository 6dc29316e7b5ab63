import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { validation } from '../errors.js';

/**
 * Normalizes a phone to E.164. Uzbek numbers may be written without the country code
 * (`90 123 45 67`, `(90) 123-45-67`) or with it but no plus (`998901234567`).
 */
export function normalizePhone(raw: unknown, field = 'phone'): string {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw validation(field, 'phone number is required');
  const digits = text.replace(/[^\d+]/g, '');
  let candidate = digits;
  if (/^998\d{9}$/.test(digits)) candidate = `+${digits}`;
  else if (/^00\d+$/.test(digits)) candidate = `+${digits.slice(2)}`;
  const parsed = parsePhoneNumberFromString(candidate, 'UZ');
  if (!parsed || !parsed.isValid()) throw validation(field, `"${text.slice(0, 40)}" is not a valid phone number`);
  return parsed.number;
}

export function tryNormalizePhone(raw: unknown): string | null {
  try {
    return normalizePhone(raw);
  } catch {
    return null;
  }
}
