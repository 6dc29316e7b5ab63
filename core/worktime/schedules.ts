import type { Tx } from '../../db/connection.js';
import type { User } from '../../db/types.js';
import { addLocalDays, localDate, type WorkSchedule } from './worktime.js';

type ScheduleUser = Pick<User, 'id' | 'work_start' | 'work_end' | 'work_days'>;

export function parseWorkDays(text: string | null | undefined): number[] {
  try {
    const v = JSON.parse(text ?? '[]');
    return Array.isArray(v) ? v.map(Number).filter((d) => d >= 1 && d <= 7) : [];
  } catch {
    return [];
  }
}

/**
 * Loads the working-time data of several people at once (one query per table), from a day
 * before `from` onwards, so planning for many assignees costs a constant number of queries.
 */
export async function loadSchedules(tx: Tx, tz: string, users: ScheduleUser[], from: Date): Promise<Map<number, WorkSchedule>> {
  const out = new Map<number, WorkSchedule>();
  if (users.length === 0) return out;
  const fromDate = addLocalDays(localDate(from, tz), -2);
  const fromIso = new Date(+from - 2 * 86_400_000).toISOString();
  const ids = users.map((u) => u.id);
  const [holidays, absences, leaves] = await Promise.all([
    tx.selectFrom('holidays').select('date').where('date', '>=', fromDate).execute(),
    tx.selectFrom('absences').select(['user_id', 'date']).where('user_id', 'in', ids).where('date', '>=', fromDate).execute(),
    tx
      .selectFrom('leave_requests')
      .select(['user_id', 'starts_at', 'ends_at'])
      .where('user_id', 'in', ids)
      .where('status', '=', 'approved')
      .where('ends_at', '>', fromIso)
      .execute(),
  ]);
  const holidaySet = new Set(holidays.map((h) => h.date));
  for (const u of users) {
    out.set(u.id, {
      tz,
      workStart: u.work_start,
      workEnd: u.work_end,
      workDays: parseWorkDays(u.work_days),
      holidays: holidaySet,
      absences: new Set(absences.filter((a) => a.user_id === u.id).map((a) => a.date)),
      leaves: leaves.filter((l) => l.user_id === u.id).map((l) => ({ start: Date.parse(l.starts_at), end: Date.parse(l.ends_at) })),
    });
  }
  return out;
}

export async function loadSchedule(tx: Tx, tz: string, user: ScheduleUser, from: Date, memo?: Map<string, WorkSchedule>): Promise<WorkSchedule> {
  // one use case often needs the same person's schedule several times (plan, move, notify)
  const key = `${user.id}:${from.toISOString().slice(0, 10)}`;
  const hit = memo?.get(key);
  if (hit) return hit;
  const s = (await loadSchedules(tx, tz, [user], from)).get(user.id)!;
  memo?.set(key, s);
  return s;
}
