import { DateTime } from 'luxon';
import type { BotConfig } from './context.js';

/** Telegram opens web_app buttons only over https; elsewhere (local dev) the buttons are left out. */
export function miniAppBase(config: Pick<BotConfig, 'PUBLIC_URL'>): string | null {
  const base = config.PUBLIC_URL.replace(/\/+$/, '');
  return /^https:\/\//i.test(base) ? base : null;
}

export function miniAppLeadUrl(config: Pick<BotConfig, 'PUBLIC_URL'>, leadId: number): string | null {
  const base = miniAppBase(config);
  return base ? `${base}/app/#/leads/${leadId}` : null;
}

/** `HH:mm` for today, `dd.MM HH:mm` otherwise, in the center's zone. */
export function shortTime(at: string | number | Date, tz: string, now: Date): string {
  const dt = DateTime.fromMillis(+new Date(at), { zone: tz });
  const today = DateTime.fromJSDate(now, { zone: tz }).toISODate();
  return dt.toISODate() === today ? dt.toFormat('HH:mm') : dt.toFormat('dd.MM HH:mm');
}

/** 'YYYY-MM-DD' → 'dd.MM.yyyy', the way dates are written in Uzbekistan. */
export function localDateLabel(date: string): string {
  const dt = DateTime.fromISO(date);
  return dt.isValid ? dt.toFormat('dd.MM.yyyy') : date;
}

const TIME = /^([01]?\d|2[0-3])[:.]([0-5]\d)$/;

/** `dd.mm.yyyy`, `dd.mm.yy`, `dd.mm` (this year), `yyyy-mm-dd`; separators . / - → 'YYYY-MM-DD' or null. */
export function parseLocalDate(text: string, tz: string, now: Date): string | null {
  const s = text.trim();
  let y: number;
  let m: number;
  let d: number;
  let hit = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
  if (hit) {
    [y, m, d] = [Number(hit[1]), Number(hit[2]), Number(hit[3])];
  } else {
    hit = /^(\d{1,2})[./-](\d{1,2})(?:[./-](\d{2}|\d{4}))?$/.exec(s);
    if (!hit) return null;
    d = Number(hit[1]);
    m = Number(hit[2]);
    y = hit[3] ? Number(hit[3].length === 2 ? `20${hit[3]}` : hit[3]) : DateTime.fromJSDate(now, { zone: tz }).year;
  }
  const dt = DateTime.fromObject({ year: y, month: m, day: d }, { zone: tz });
  return dt.isValid ? dt.toISODate() : null;
}

/**
 * A moment typed by a person: `HH:MM` (the next such time), or a date (as parseLocalDate) and
 * `HH:MM`. Returns epoch ms, or null when unreadable.
 */
export function parseLocalDateTime(text: string, tz: string, now: Date): number | null {
  const parts = text.trim().split(/\s+/);
  const local = DateTime.fromJSDate(now, { zone: tz });
  if (parts.length === 1) {
    const t = TIME.exec(parts[0]);
    if (!t) return null;
    let at = local.set({ hour: Number(t[1]), minute: Number(t[2]), second: 0, millisecond: 0 });
    if (at <= local) at = at.plus({ days: 1 });
    return at.toMillis();
  }
  if (parts.length !== 2) return null;
  const date = parseLocalDate(parts[0], tz, now);
  const t = TIME.exec(parts[1]);
  if (!date || !t) return null;
  return DateTime.fromISO(date, { zone: tz }).set({ hour: Number(t[1]), minute: Number(t[2]) }).toMillis();
}

/** `14:00-18:00` (also with spaces or an en dash) → normalized `HH:MM` pair with start before end. */
export function parseTimeRange(text: string): { start: string; end: string } | null {
  const hit = /^\s*(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})\s*$/.exec(text);
  if (!hit) return null;
  const norm = (v: string) => {
    const t = TIME.exec(v);
    return t ? `${t[1].padStart(2, '0')}:${t[2]}` : null;
  };
  const start = norm(hit[1]);
  const end = norm(hit[2]);
  if (!start || !end || end <= start) return null;
  return { start, end };
}

/** A day in the center's zone at a local time, e.g. tomorrow 10:00. */
export function localDayAt(now: Date, tz: string, plusDays: number, time: string): number {
  const [h, m] = time.split(':').map(Number);
  return DateTime.fromJSDate(now, { zone: tz }).plus({ days: plusDays }).set({ hour: h, minute: m, second: 0, millisecond: 0 }).toMillis();
}
