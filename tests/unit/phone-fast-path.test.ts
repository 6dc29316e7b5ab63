import { describe, expect, it } from 'vitest';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalizePhone, tryNormalizePhone } from '../../core/shared/phone.js';

// what normalizePhone answered before its Uzbek fast path: libphonenumber's parse + isValid
function reference(text: string): string | null {
  const digits = text.replace(/[^\d+]/g, '');
  let candidate = digits;
  if (/^998\d{9}$/.test(digits)) candidate = `+${digits}`;
  else if (/^00\d+$/.test(digits)) candidate = `+${digits.slice(2)}`;
  const parsed = parsePhoneNumberFromString(candidate, 'UZ');
  return parsed && parsed.isValid() ? parsed.number : null;
}

describe('normalizePhone Uzbek fast path', () => {
  it('gives libphonenumber’s verdict on 60,000 numbers of every leading digit and shape', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const mismatches: string[] = [];
    let valid = 0;
    for (let i = 0; i < 20_000; i++) {
      const nine = String(Math.floor(rnd() * 1e9)).padStart(9, '0');
      for (const text of [nine, `+998${nine}`, `998 ${nine.slice(0, 2)} ${nine.slice(2, 5)}-${nine.slice(5, 7)}-${nine.slice(7)}`]) {
        const want = reference(text);
        const got = tryNormalizePhone(text);
        if (want) valid++;
        if (want !== got) mismatches.push(`${text}: ${got} ≠ ${want}`);
      }
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // the sample holds both verdicts in quantity, so the comparison means something
    expect(valid).toBeGreaterThan(10_000);
    expect(valid).toBeLessThan(50_000);
  });

  it('still normalizes the written forms people use, and refuses junk naming the field', () => {
    expect(normalizePhone(998901234567)).toBe('+998901234567');
    expect(normalizePhone('(97) 765-43-21')).toBe('+998977654321');
    expect(normalizePhone('+998 (33) 444 55 66')).toBe('+998334445566');
    expect(normalizePhone('+7 912 345-67-89')).toBe('+79123456789');
    // the old domestic prefix 8, still common on forms and in old spreadsheets
    expect(normalizePhone('8 90 123 45 67')).toBe('+998901234567');
    expect(normalizePhone('8(71)234-56-78')).toBe('+998712345678');
    expect(() => normalizePhone('8 00 123 45 67')).toThrow(/not a valid phone number/);
    // 8 followed by ten digits is a Russian-style trunk number, not ours: not guessed
    expect(() => normalizePhone('8 916 123 45 67')).toThrow(/not a valid phone number/);
    expect(() => normalizePhone('12345', 'phone2')).toThrow(/phone2/);
    expect(() => normalizePhone('000000000')).toThrow(/not a valid phone number/);
  });
});
