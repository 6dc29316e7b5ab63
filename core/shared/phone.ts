import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { Metadata } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/metadata.max.json';
import { validation } from '../errors.js';

/**
 * The verdict libphonenumber's isValid() gives an Uzbek national number, with its patterns compiled
 * once (it compiles them on every call, which made a 100k-row import spend most of its time here).
 * Same rule: the national pattern, then the fixed-line or any other type's pattern and lengths.
 * tests/unit/phone.test.ts checks it against parsePhoneNumberFromString on many numbers.
 */
const isValidUzNational = (() => {
  const m = new Metadata(maxMetadata as never) as unknown as {
    selectNumberingPlan(c: string): void;
    nationalNumberPattern(): string;
    type(t: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
  };
  m.selectNumberingPlan('UZ');
  const whole = new RegExp(`^(?:${m.nationalNumberPattern()})$`);
  const types = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL']
    .map((t) => m.type(t))
    .filter((t): t is NonNullable<typeof t> => Boolean(t && t.pattern()))
    .map((t) => ({ re: new RegExp(`^(?:${t.pattern()})$`), lengths: t.possibleLengths() }));
  return (nn: string) => whole.test(nn) && types.some((t) => (!t.lengths || t.lengths.includes(nn.length)) && t.re.test(nn));
})();

/**
 * Normalizes a phone to E.164. Uzbek numbers may be written without the country code
 * (`90 123 45 67`, `(90) 123-45-67`), with it but no plus (`998901234567`), or with the old
 * domestic prefix 8 (`8 90 123 45 67`).
 */
export function normalizePhone(raw: unknown, field = 'phone'): string {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw validation(field, 'phone number is required');
  const digits = text.replace(/[^\d+]/g, '');
  let candidate = digits;
  if (/^998\d{9}$/.test(digits)) candidate = `+${digits}`;
  else if (/^00\d+$/.test(digits)) candidate = `+${digits.slice(2)}`;
  // the old domestic trunk prefix many people still write: 8 (90) 123-45-67 is +998 90 123 45 67
  else if (/^8\d{9}$/.test(digits) && isValidUzNational(digits.slice(1))) candidate = digits.slice(1);
  const uz = /^(?:\+998)?(\d{9})$/.exec(candidate);
  if (uz) {
    if (isValidUzNational(uz[1])) return `+998${uz[1]}`;
    throw validation(field, `"${text.slice(0, 40)}" is not a valid phone number`);
  }
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
