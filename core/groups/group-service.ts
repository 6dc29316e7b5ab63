import { z } from 'zod';
import type { Tx } from '../../db/connection.js';
import type { Room, StudyGroup } from '../../db/types.js';
import { AppError, notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { assertCan, type PolicyUser } from '../policy/policy.js';
import { parseOrThrow } from '../users/users.js';
import { addLocalDays, isLocalDay, localDate } from '../worktime/worktime.js';
import { getGroup, isLessonDay, LESSON_DAYS, notifyWaitlist, occupancyBand, type Band } from './groups.js';

export interface Occupancy {
  taken: number;
  capacity: number;
  /** 0..100, one decimal (display) */
  percent: number;
  band: Band;
  freeSpots: number;
}

/** Percent for display (one decimal); the band is decided on the exact ratio so 79.96% stays yellow. */
export function occupancyOf(taken: number, capacity: number): Occupancy {
  const exact = capacity > 0 ? (taken / capacity) * 100 : 100;
  return {
    taken,
    capacity,
    percent: Math.round(exact * 10) / 10,
    band: occupancyBand(exact),
    freeSpots: Math.max(0, capacity - taken),
  };
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/** Two weekly slots clash when they share a lesson day and their [start, start + length) overlap. */
export function slotsClash(
  a: { days: StudyGroup['days']; start_time: string; minutes: number },
  b: { days: StudyGroup['days']; start_time: string; minutes: number },
): boolean {
  const shareDay = LESSON_DAYS[a.days].some((d) => LESSON_DAYS[b.days].includes(d));
  if (!shareDay) return false;
  const a0 = minutesOf(a.start_time);
  const b0 = minutesOf(b.start_time);
  return a0 < b0 + b.minutes && b0 < a0 + a.minutes;
}

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');
const localDay = z.string().refine(isLocalDay, 'must be a date YYYY-MM-DD');

export const groupInputSchema = z.object({
  courseId: z.number().int().positive(),
  name: z.string().trim().min(1).max(100),
  days: z.enum(['odd', 'even', 'daily']),
  startTime: time,
  roomId: z.number().int().positive().nullable().optional(),
  capacity: z.number().int().min(1).max(1000),
  currentStudents: z.number().int().min(0).optional(),
  startDate: localDay.nullable().optional(),
  active: z.boolean().optional(),
});
export type GroupInput = z.input<typeof groupInputSchema>;

export const roomInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  capacity: z.number().int().min(1).max(1000),
  active: z.boolean().optional(),
});
export type RoomInput = z.input<typeof roomInputSchema>;

async function lessonMinutes(t: Tx, courseId: number): Promise<number> {
  const c = await t.selectFrom('courses').select('lesson_minutes').where('id', '=', courseId).executeTakeFirst();
  return c?.lesson_minutes ?? 90;
}

/**
 * A room cannot hold two active groups whose lesson days and times overlap (SPEC §6.1). Throws
 * CONFLICT naming the group already there; back-to-back slots and different days pass.
 */
export async function assertRoomFree(
  t: Tx,
  group: { id?: number; room_id: number | null; days: StudyGroup['days']; start_time: string; course_id: number; active: number },
): Promise<void> {
  if (group.room_id == null || !group.active) return;
  const minutes = await lessonMinutes(t, group.course_id);
  let q = t
    .selectFrom('study_groups')
    .innerJoin('courses', 'courses.id', 'study_groups.course_id')
    .select(['study_groups.id', 'study_groups.name', 'study_groups.days', 'study_groups.start_time', 'courses.lesson_minutes'])
    .where('study_groups.room_id', '=', group.room_id)
    .where('study_groups.active', '=', 1);
  if (group.id != null) q = q.where('study_groups.id', '!=', group.id);
  for (const other of await q.execute()) {
    if (slotsClash({ days: group.days, start_time: group.start_time, minutes }, { days: other.days, start_time: other.start_time, minutes: other.lesson_minutes })) {
      throw new AppError(
        'CONFLICT',
        `The room is taken by group "${other.name}" (${other.days}, ${other.start_time}, ${other.lesson_minutes} min)`,
        { roomId: `overlaps group "${other.name}"` },
        { conflictingGroupId: other.id },
      );
    }
  }
}

export function createGroupService(deps: CoreDeps) {
  const today = () => localDate(deps.clock.now(), deps.tz);

  async function trialsOn(t: Tx, groupIds: number[], date: string): Promise<Map<number, number>> {
    if (!groupIds.length) return new Map();
    const rows = await t
      .selectFrom('trials')
      .select(['group_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('group_id', 'in', groupIds)
      .where('date', '=', date)
      .where('cancelled', '=', 0)
      .groupBy('group_id')
      .execute();
    return new Map(rows.map((r) => [r.group_id, Number(r.n)]));
  }

  /** Current students plus trials booked for `date` (default today) against the capacity. */
  async function groupOccupancy(groupId: number, date = today()) {
    const g = await getGroup(deps.db, groupId);
    const trials = (await trialsOn(deps.db, [g.id], date)).get(g.id) ?? 0;
    return { group: g, date, trials, ...occupancyOf(g.current_students + trials, g.capacity) };
  }

  /**
   * A room's seat occupancy: the seats taken in its lessons over the seats it offers to them. With
   * a date: the groups meeting there that day (students + that day's trials); without one: all its
   * active groups' students.
   */
  async function roomOccupancy(roomId: number, date?: string) {
    const room = await deps.db.selectFrom('rooms').selectAll().where('id', '=', roomId).executeTakeFirst();
    if (!room) throw notFound('room');
    let groups = await deps.db.selectFrom('study_groups').selectAll().where('room_id', '=', roomId).where('active', '=', 1).execute();
    if (date) groups = groups.filter((g) => isLessonDay(g.days, date));
    const trials = date ? await trialsOn(deps.db, groups.map((g) => g.id), date) : new Map<number, number>();
    const taken = groups.reduce((n, g) => n + g.current_students + (trials.get(g.id) ?? 0), 0);
    return { room, date: date ?? null, groups: groups.length, ...occupancyOf(taken, room.capacity * groups.length) };
  }

  /** Groups with their occupancy for a date (back office, Mini App). */
  async function listGroups(opts: { courseId?: number; activeOnly?: boolean; date?: string } = {}) {
    const date = opts.date ?? today();
    let q = deps.db
      .selectFrom('study_groups')
      .innerJoin('courses', 'courses.id', 'study_groups.course_id')
      .leftJoin('rooms', 'rooms.id', 'study_groups.room_id')
      .selectAll('study_groups')
      .select(['courses.name as course_name', 'courses.lesson_minutes', 'rooms.name as room_name']);
    if (opts.courseId) q = q.where('study_groups.course_id', '=', opts.courseId);
    if (opts.activeOnly !== false) q = q.where('study_groups.active', '=', 1);
    const groups = await q.orderBy('study_groups.course_id').orderBy('study_groups.start_time').orderBy('study_groups.id').execute();
    const trials = await trialsOn(deps.db, groups.map((g) => g.id), date);
    return groups.map((g) => {
      const tr = isLessonDay(g.days, date) ? (trials.get(g.id) ?? 0) : 0;
      return { ...g, trials: tr, lessonDay: isLessonDay(g.days, date), ...occupancyOf(g.current_students + tr, g.capacity) };
    });
  }

  /** Bookable groups of a course on a date: active, a lesson day, a free seat counting that day's trials. */
  async function freeGroups(courseId: number, date: string) {
    if (!isLocalDay(date)) throw validation('date', 'must be a date YYYY-MM-DD');
    if (date < today()) return [];
    const all = await listGroups({ courseId, date });
    return all.filter((g) => g.lessonDay && g.freeSpots > 0);
  }

  /** The next `count` lesson dates of a group from `from` (default today), for the booking picker. */
  async function nextLessonDates(groupId: number, count = 6, from = today()) {
    const g = await getGroup(deps.db, groupId);
    const out: string[] = [];
    for (let d = from, i = 0; out.length < count && i < 60; d = addLocalDays(d, 1), i++) if (isLessonDay(g.days, d)) out.push(d);
    return out;
  }

  async function createGroup(input: GroupInput, actor: PolicyUser | null) {
    assertCan(actor, 'catalog.manage');
    const v = parseOrThrow(groupInputSchema, input);
    return tx(deps, async (t) => {
      const row = { course_id: v.courseId, name: v.name, days: v.days, start_time: v.startTime, room_id: v.roomId ?? null, capacity: v.capacity, current_students: v.currentStudents ?? 0, start_date: v.startDate ?? null, active: v.active === false ? 0 : 1 };
      await validateGroup(t, row);
      return t.insertInto('study_groups').values({ ...row, created_at: deps.clock.now().toISOString() }).returningAll().executeTakeFirstOrThrow();
    });
  }

  async function updateGroup(id: number, input: Partial<GroupInput>, actor: PolicyUser | null) {
    assertCan(actor, 'catalog.manage');
    const v = parseOrThrow(groupInputSchema.partial(), input);
    return tx(deps, async (t) => {
      const g = await getGroup(t, id);
      const row = {
        id,
        course_id: v.courseId ?? g.course_id,
        name: v.name ?? g.name,
        days: v.days ?? g.days,
        start_time: v.startTime ?? g.start_time,
        room_id: v.roomId !== undefined ? v.roomId : g.room_id,
        capacity: v.capacity ?? g.capacity,
        current_students: v.currentStudents ?? g.current_students,
        start_date: v.startDate !== undefined ? v.startDate : g.start_date,
        active: v.active === undefined ? g.active : v.active ? 1 : 0,
      };
      await validateGroup(t, row);
      const { id: _id, ...patch } = row;
      await t.updateTable('study_groups').set(patch).where('id', '=', id).execute();
      const updated = await getGroup(t, id);
      // more capacity (or fewer students) frees spots like a student leaving does: the waitlist hears (SPEC §6.1)
      const free = (x: StudyGroup) => (x.active ? Math.max(0, x.capacity - x.current_students) : 0);
      if (free(updated) > free(g)) await notifyWaitlist(t, { tz: deps.tz, now: deps.clock.now() }, updated);
      return updated;
    });
  }

  async function validateGroup(t: Tx, g: { id?: number; course_id: number; room_id: number | null; capacity: number; current_students: number; days: StudyGroup['days']; start_time: string; active: number }) {
    const course = await t.selectFrom('courses').select(['id', 'active']).where('id', '=', g.course_id).executeTakeFirst();
    if (!course) throw validation('courseId', 'no such course');
    if (g.current_students > g.capacity) throw validation('capacity', `cannot be below the ${g.current_students} current students`);
    if (g.room_id != null) {
      const room = await t.selectFrom('rooms').selectAll().where('id', '=', g.room_id).executeTakeFirst();
      if (!room) throw validation('roomId', 'no such room');
      if (!room.active && g.active) throw validation('roomId', 'the room is not active');
      if (g.capacity > room.capacity) throw validation('capacity', `the room seats ${room.capacity}`);
    }
    await assertRoomFree(t, g);
  }

  async function createRoom(input: RoomInput, actor: PolicyUser | null): Promise<Room> {
    assertCan(actor, 'catalog.manage');
    const v = parseOrThrow(roomInputSchema, input);
    return deps.db.insertInto('rooms').values({ name: v.name, capacity: v.capacity, active: v.active === false ? 0 : 1 }).returningAll().executeTakeFirstOrThrow();
  }

  async function updateRoom(id: number, input: Partial<RoomInput>, actor: PolicyUser | null): Promise<Room> {
    assertCan(actor, 'catalog.manage');
    const v = parseOrThrow(roomInputSchema.partial(), input);
    return tx(deps, async (t) => {
      const room = await t.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
      if (!room) throw notFound('room');
      const groups = await t.selectFrom('study_groups').select(['name', 'capacity']).where('room_id', '=', id).where('active', '=', 1).execute();
      if (v.capacity !== undefined) {
        const biggest = groups.reduce((m, g) => Math.max(m, g.capacity), 0);
        if (v.capacity < biggest) throw validation('capacity', `a group here has ${biggest} seats`);
      }
      if (v.active === false && groups.length) throw validation('active', `${groups.length} active group(s) meet in this room; move them first`);
      const patch: Partial<Room> = {};
      if (v.name !== undefined) patch.name = v.name;
      if (v.capacity !== undefined) patch.capacity = v.capacity;
      if (v.active !== undefined) patch.active = v.active ? 1 : 0;
      if (Object.keys(patch).length) await t.updateTable('rooms').set(patch).where('id', '=', id).execute();
      return t.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
  }

  async function listRooms(date?: string) {
    const rooms = await deps.db.selectFrom('rooms').select('id').orderBy('id').execute();
    return Promise.all(rooms.map((r) => roomOccupancy(r.id, date)));
  }

  return { groupOccupancy, roomOccupancy, listGroups, freeGroups, nextLessonDates, createGroup, updateGroup, createRoom, updateRoom, listRooms };
}

export type GroupService = ReturnType<typeof createGroupService>;
