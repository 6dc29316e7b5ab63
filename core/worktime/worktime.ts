import { DateTime } from 'luxon';

/**
 * Working time of one person (SPEC §5.2): work days and hours in the center's time zone, minus
 * holidays, absence days and approved leave (whole or partial). Pure: the caller loads the data.
 * All instants are epoch milliseconds or Dates; local dates are `YYYY-MM-DD`.
 */
export interface WorkSchedule {
  tz: string;
  /** local `HH:MM`; an end at or before the start means the shift ends the next day */
  workStart: string;
  workEnd: string;
  /** ISO weekdays, 1 = Monday … 7 = Sunday */
  workDays: number[];
  holidays: ReadonlySet<string>;
  absences: ReadonlySet<string>;
  /** approved leave as half-open UTC intervals [start, end) */
  leaves: ReadonlyArray<{ start: number; end: number }>;
}

export interface Period {
  start: number;
  end: number;
}

const SEARCH_DAYS = 400;

function hm(text: string): { hour: number; minute: number } {
  const [h, m] = text.split(':').map(Number);
  return { hour: h || 0, minute: m || 0 };
}

// Zone conversions through Intl cost microseconds each and the same few local dates and shift
// times are asked for again and again (every intake plans against every on-shift schedule), so the
// pure string-keyed conversions are remembered. Bounded: cleared when it grows past MEMO_MAX.
const MEMO_MAX = 20_000;
const memo = new Map<string, number | string>();
function remember<T extends number | string>(key: string, compute: () => T): T {
  const hit = memo.get(key);
  if (hit !== undefined) return hit as T;
  if (memo.size >= MEMO_MAX) memo.clear();
  const v = compute();
  memo.set(key, v);
  return v;
}

export function localDate(at: number | Date, tz: string): string {
  // zone offsets and their transitions fall on whole minutes, so one minute has one local date
  const minute = Math.floor(+at / 60_000);
  return remember(`l|${minute}|${tz}`, () => DateTime.fromMillis(minute * 60_000, { zone: tz }).toISODate()!);
}

/** The instant of a local date and `HH:MM` in a zone. */
export function localInstant(date: string, time: string, tz: string): number {
  return remember(`i|${date}|${time}|${tz}`, () => {
    const { hour, minute } = hm(time);
    return DateTime.fromISO(date, { zone: tz }).set({ hour, minute, second: 0, millisecond: 0 }).toMillis();
  });
}

export function addLocalDays(date: string, days: number): string {
  return remember(`d|${date}|${days}`, () => DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!);
}

/** A real calendar date `YYYY-MM-DD`: 2026-02-30 or 2026-13-01 match the pattern, but every zone conversion of them is NaN. */
export function isLocalDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid;
}

export function isoWeekday(date: string): number {
  return remember(`w|${date}`, () => DateTime.fromISO(date, { zone: 'UTC' }).weekday);
}

/** The scheduled shift of a local date, before leave is taken out; null on a day off. */
export function shiftOf(s: WorkSchedule, date: string): Period | null {
  if (!s.workDays.includes(isoWeekday(date))) return null;
  if (s.holidays.has(date) || s.absences.has(date)) return null;
  const start = localInstant(date, s.workStart, s.tz);
  let end = localInstant(date, s.workEnd, s.tz);
  if (end <= start) end = localInstant(addLocalDays(date, 1), s.workEnd, s.tz);
  return { start, end };
}

/** The working periods of a local date: its shift with approved leave cut out. */
export function periodsOf(s: WorkSchedule, date: string): Period[] {
  const shift = shiftOf(s, date);
  if (!shift) return [];
  let parts: Period[] = [shift];
  for (const l of s.leaves) {
    if (l.end <= shift.start || l.start >= shift.end) continue;
    const next: Period[] = [];
    for (const p of parts) {
      if (l.end <= p.start || l.start >= p.end) next.push(p);
      else {
        if (l.start > p.start) next.push({ start: p.start, end: l.start });
        if (l.end < p.end) next.push({ start: l.end, end: p.end });
      }
    }
    parts = next;
  }
  return parts;
}

export function isWorking(s: WorkSchedule, at: number | Date): boolean {
  const t = +at;
  const date = localDate(t, s.tz);
  for (const d of [addLocalDays(date, -1), date]) {
    for (const p of periodsOf(s, d)) if (t >= p.start && t < p.end) return true;
  }
  return false;
}

/** The first working moment at or after `at`, or null when there is none within a year. */
export function nextWorkingStart(s: WorkSchedule, at: number | Date): number | null {
  const t = +at;
  const first = addLocalDays(localDate(t, s.tz), -1);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    for (const p of periodsOf(s, addLocalDays(first, i))) {
      if (p.end > t) return Math.max(p.start, t);
    }
  }
  return null;
}

/** The start of the next working period strictly after the current one (for "next shift" notices). */
export function nextPeriodStart(s: WorkSchedule, at: number | Date): number | null {
  const t = +at;
  const first = addLocalDays(localDate(t, s.tz), -1);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    for (const p of periodsOf(s, addLocalDays(first, i))) if (p.start > t) return p.start;
  }
  return null;
}

/** A due time outside working time moves to the start of the next working period (SPEC §5.2). */
export function shiftIntoWorkingTime(s: WorkSchedule, at: number | Date): number {
  return nextWorkingStart(s, at) ?? +at;
}

/** The latest working moment strictly before `before` and not before `notBefore`, or null. */
export function latestWorkingMomentBefore(s: WorkSchedule, before: number, notBefore: number): number | null {
  const last = localDate(before, s.tz);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const d = addLocalDays(last, -i);
    const ps = periodsOf(s, d).reverse();
    for (const p of ps) {
      if (p.start >= before) continue;
      const candidate = Math.min(p.end, before) - 60_000;
      const moment = Math.max(candidate, p.start);
      if (moment < notBefore) return null;
      return moment;
    }
    if (localInstant(d, '00:00', s.tz) < notBefore - 86_400_000) return null;
  }
  return null;
}

/** Working minutes between two instants (response time, first-response target). */
export function workingMinutesBetween(s: WorkSchedule, from: number | Date, to: number | Date): number {
  const a = +from;
  const b = +to;
  if (b <= a) return 0;
  let total = 0;
  let date = addLocalDays(localDate(a, s.tz), -1);
  const lastDate = localDate(b, s.tz);
  for (let i = 0; i < SEARCH_DAYS * 3; i++) {
    for (const p of periodsOf(s, date)) {
      const lo = Math.max(p.start, a);
      const hi = Math.min(p.end, b);
      if (hi > lo) total += hi - lo;
    }
    if (date >= lastDate) break;
    date = addLocalDays(date, 1);
  }
  return total / 60_000;
}

/** The instant reached after `minutes` of working time from `from` (for first-response deadlines). */
export function addWorkingMinutes(s: WorkSchedule, from: number | Date, minutes: number): number | null {
  let left = minutes * 60_000;
  let t = +from;
  const first = addLocalDays(localDate(t, s.tz), -1);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    for (const p of periodsOf(s, addLocalDays(first, i))) {
      if (p.end <= t) continue;
      const lo = Math.max(p.start, t);
      if (p.end - lo >= left) return lo + left;
      left -= p.end - lo;
      t = p.end;
    }
  }
  return null;
}
