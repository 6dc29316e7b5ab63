import { DateTime } from 'luxon';

/** A note line stamped with the center's local time, so it reads as the team lived it. */
export function appendNote(existing: string | null, note: string, at: Date, tz: string): string {
  const line = `[${DateTime.fromJSDate(at, { zone: tz }).toFormat('yyyy-MM-dd HH:mm')}] ${note}`;
  return existing ? `${existing}\n${line}` : line;
}
