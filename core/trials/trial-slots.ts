import type { Tx } from '../../db/connection.js';
import { isLessonDay, trialsBookedOn } from '../groups/groups.js';
import { addLocalDays, localDate, localInstant } from '../worktime/worktime.js';

export interface BookableGroup {
  id: number;
  name: string;
  courseId: number;
  courseName: string;
  days: 'odd' | 'even' | 'daily';
  startTime: string;
  capacity: number;
  currentStudents: number;
}

/**
 * Active groups that still have a seat (current students below capacity), the lead's course
 * first. Whether a seat is free on a given date also depends on trials booked then: see freeTrialDates.
 */
export async function bookableGroups(db: Tx, opts: { courseId?: number | null; limit?: number } = {}): Promise<BookableGroup[]> {
  const rows = await db
    .selectFrom('study_groups')
    .innerJoin('courses', 'courses.id', 'study_groups.course_id')
    .select([
      'study_groups.id',
      'study_groups.name',
      'study_groups.course_id',
      'courses.name as course_name',
      'study_groups.days',
      'study_groups.start_time',
      'study_groups.capacity',
      'study_groups.current_students',
    ])
    .where('study_groups.active', '=', 1)
    .where('courses.active', '=', 1)
    .whereRef('study_groups.current_students', '<', 'study_groups.capacity')
    .orderBy('courses.name')
    .orderBy('study_groups.name')
    .orderBy('study_groups.id')
    .execute();
  const groups = rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    courseId: Number(r.course_id),
    courseName: r.course_name,
    days: r.days,
    startTime: r.start_time,
    capacity: Number(r.capacity),
    currentStudents: Number(r.current_students),
  }));
  const own = opts.courseId ? groups.filter((g) => g.courseId === opts.courseId) : [];
  const rest = opts.courseId ? groups.filter((g) => g.courseId !== opts.courseId) : groups;
  return [...own, ...rest].slice(0, opts.limit ?? 50);
}

/**
 * The next lesson dates of a group (local YYYY-MM-DD) on which a trial seat is free and the lesson
 * has not started yet, at most `count`, looking `horizonDays` ahead (SPEC §6.1: no overbooking).
 */
export async function freeTrialDates(
  db: Tx,
  ctx: { tz: string; now: Date },
  groupId: number,
  opts: { count?: number; horizonDays?: number } = {},
): Promise<Array<{ date: string; time: string; free: number }>> {
  const group = await db.selectFrom('study_groups').selectAll().where('id', '=', groupId).executeTakeFirst();
  if (!group || !group.active) return [];
  const count = opts.count ?? 6;
  const out: Array<{ date: string; time: string; free: number }> = [];
  let date = localDate(ctx.now, ctx.tz);
  for (let i = 0; i <= (opts.horizonDays ?? 28) && out.length < count; i++, date = addLocalDays(date, 1)) {
    if (!isLessonDay(group.days, date)) continue;
    if (localInstant(date, group.start_time, ctx.tz) <= +ctx.now) continue;
    const free = group.capacity - group.current_students - (await trialsBookedOn(db, group.id, date));
    if (free > 0) out.push({ date, time: group.start_time, free });
  }
  return out;
}
