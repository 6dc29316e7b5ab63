import { z } from 'zod';
import type { Tx } from '../../db/connection.js';
import type { LeaveRequest, User } from '../../db/types.js';
import { AppError, notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { enqueue, managers } from '../outbox/outbox.js';
import { reshiftUserFollowUps } from '../followups/followup-ops.js';
import { assertCan, can, type PolicyUser } from '../policy/policy.js';
import { parseOrThrow } from '../users/users.js';
import { addLocalDays, isLocalDay, localDate, localInstant } from '../worktime/worktime.js';

const localDay = z.string().refine(isLocalDay, 'must be a date YYYY-MM-DD');
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

/** The longest reason a request or a rejection may give. */
export const LEAVE_REASON_MAX = 1000;

export const leaveInputSchema = z.object({
  startDate: localDay,
  endDate: localDay.optional(),
  /** partial day: the leave starts at this local time on the start date … */
  startTime: time.nullable().optional(),
  /** … and ends at this local time on the end date */
  endTime: time.nullable().optional(),
  reason: z.string().trim().max(LEAVE_REASON_MAX).nullable().optional(),
});
export type LeaveInput = z.input<typeof leaveInputSchema>;

/**
 * The leave as a half-open UTC interval: a whole day runs from local midnight to the next local
 * midnight; a partial one from its start time on the first day to its end time on the last.
 */
export function leavePeriod(tz: string, v: { startDate: string; endDate: string; startTime?: string | null; endTime?: string | null }) {
  const start = localInstant(v.startDate, v.startTime ?? '00:00', tz);
  const end = v.endTime ? localInstant(v.endDate, v.endTime, tz) : localInstant(addLocalDays(v.endDate, 1), '00:00', tz);
  return { start, end };
}

/** Whether a person is on approved leave at `at`, computed from the requests (never a stored flag). */
export async function isOnLeaveTx(t: Tx, userId: number, at: Date): Promise<boolean> {
  const iso = at.toISOString();
  const row = await t
    .selectFrom('leave_requests')
    .select('id')
    .where('user_id', '=', userId)
    .where('status', '=', 'approved')
    .where('starts_at', '<=', iso)
    .where('ends_at', '>', iso)
    .executeTakeFirst();
  return !!row;
}

export function createLeaveService(deps: CoreDeps) {
  const ctx = () => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect });

  async function getLeave(t: Tx, id: number): Promise<LeaveRequest> {
    const l = await t.selectFrom('leave_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!l) throw notFound('leave request');
    return l;
  }

  const periodPayload = (l: LeaveRequest) => ({
    leaveId: l.id,
    from: l.start_date,
    to: l.end_date,
    startTime: l.start_time,
    endTime: l.end_time,
    startsAt: l.starts_at,
    endsAt: l.ends_at,
  });

  async function notifyManagersOf(t: Tx, kind: 'leave_request_pending' | 'leave_started' | 'leave_ended', l: LeaveRequest, person: Pick<User, 'full_name'>, extra: Record<string, unknown> = {}) {
    for (const m of await managers(t)) {
      await enqueue(t, ctx(), { kind, user: m, payload: { ...periodPayload(l), userName: person.full_name, userId: l.user_id, ...extra }, dedupeKey: `${kind}:${l.id}:${m.id}` });
    }
  }

  /** A salesperson asks for leave (whole or partial days); managers are told at once. */
  async function request(input: LeaveInput, actor: PolicyUser) {
    assertCan(actor, 'leave.request');
    const v = parseOrThrow(leaveInputSchema, input);
    const endDate = v.endDate ?? v.startDate;
    if (endDate < v.startDate) throw validation('endDate', 'must not be before the start date');
    if ((v.startTime || v.endTime) && v.startDate === endDate && v.startTime && v.endTime && v.endTime <= v.startTime) {
      throw validation('endTime', 'must be after the start time');
    }
    const { start, end } = leavePeriod(deps.tz, { startDate: v.startDate, endDate, startTime: v.startTime, endTime: v.endTime });
    if (end <= start) throw validation('endTime', 'the leave must last some time');
    return tx(deps, async (t) => {
      const c = ctx();
      if (end <= +c.now) throw validation('endDate', 'the leave is already over');
      const overlapping = await t
        .selectFrom('leave_requests')
        .select('id')
        .where('user_id', '=', actor.id)
        .where('status', 'in', ['pending', 'approved'])
        .where('starts_at', '<', new Date(end).toISOString())
        .where('ends_at', '>', new Date(start).toISOString())
        .executeTakeFirst();
      if (overlapping) throw new AppError('CONFLICT', 'You already have a leave request for this period', { startDate: 'overlaps another request' }, { leaveId: overlapping.id });
      const leave = await t
        .insertInto('leave_requests')
        .values({
          user_id: actor.id,
          start_date: v.startDate,
          end_date: endDate,
          start_time: v.startTime ?? null,
          end_time: v.endTime ?? null,
          starts_at: new Date(start).toISOString(),
          ends_at: new Date(end).toISOString(),
          reason: v.reason ?? null,
          status: 'pending',
          created_at: c.now.toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const person = await t.selectFrom('users').select('full_name').where('id', '=', actor.id).executeTakeFirstOrThrow();
      await notifyManagersOf(t, 'leave_request_pending', leave, person, { reason: leave.reason });
      return leave;
    });
  }

  async function tellRequester(t: Tx, l: LeaveRequest, approved: boolean) {
    const user = await t.selectFrom('users').selectAll().where('id', '=', l.user_id).executeTakeFirst();
    if (!user) return;
    await enqueue(t, ctx(), { kind: 'leave_decided', user, payload: { ...periodPayload(l), approved, reason: l.rejection_reason }, dedupeKey: `leave_decided:${l.id}` });
  }

  /**
   * Approval takes the person out of distribution for the period (derived from the row) and moves
   * their open follow-ups that fall into it to their next working time (SPEC §6.2, §5.2).
   */
  async function approve(id: number, actor: PolicyUser) {
    assertCan(actor, 'leave.decide');
    return tx(deps, async (t) => {
      const c = ctx();
      const l = await getLeave(t, id);
      if (l.status !== 'pending') throw new AppError('CONFLICT', `The request is already ${l.status}`);
      await t.updateTable('leave_requests').set({ status: 'approved', decided_by: actor.id, decided_at: c.now.toISOString() }).where('id', '=', id).where('status', '=', 'pending').execute();
      const approved = await getLeave(t, id);
      const moved = await reshiftUserFollowUps(t, c, l.user_id, new Date(l.starts_at), new Date(l.ends_at));
      await tellRequester(t, approved, true);
      return { leave: approved, followUpsMoved: moved };
    });
  }

  async function reject(id: number, reason: string, actor: PolicyUser) {
    assertCan(actor, 'leave.decide');
    const text = reason?.trim();
    if (!text) throw validation('reason', 'say why the request is rejected');
    if (text.length > LEAVE_REASON_MAX) throw validation('reason', `at most ${LEAVE_REASON_MAX} characters`);
    return tx(deps, async (t) => {
      const l = await getLeave(t, id);
      if (l.status !== 'pending') throw new AppError('CONFLICT', `The request is already ${l.status}`);
      await t
        .updateTable('leave_requests')
        .set({ status: 'rejected', decided_by: actor.id, decided_at: ctx().now.toISOString(), rejection_reason: text })
        .where('id', '=', id)
        .execute();
      const rejected = await getLeave(t, id);
      await tellRequester(t, rejected, false);
      return rejected;
    });
  }

  /** The requester withdraws a request that nobody has decided yet. */
  async function cancel(id: number, actor: PolicyUser) {
    return tx(deps, async (t) => {
      const l = await getLeave(t, id);
      if (l.user_id === actor.id && l.status !== 'pending') {
        throw new AppError('CONFLICT', `Only a pending request can be cancelled (this one is ${l.status})`);
      }
      assertCan(actor, 'leave.cancel', l, 'leave request');
      await t.updateTable('leave_requests').set({ status: 'cancelled', decided_at: ctx().now.toISOString() }).where('id', '=', id).execute();
      return getLeave(t, id);
    });
  }

  async function get(id: number, actor: PolicyUser) {
    const l = await getLeave(deps.db, id);
    assertCan(actor, 'leave.view', l, 'leave request');
    return l;
  }

  /** A salesperson sees their own requests; managers everyone's (optionally filtered). */
  async function list(actor: PolicyUser, filter: { userId?: number; status?: LeaveRequest['status'][]; from?: string; to?: string } = {}) {
    let q = deps.db
      .selectFrom('leave_requests as l')
      .innerJoin('users as u', 'u.id', 'l.user_id')
      .selectAll('l')
      .select('u.full_name as user_name');
    if (!can(actor, 'leave.view_all')) q = q.where('l.user_id', '=', actor.id);
    else if (filter.userId) q = q.where('l.user_id', '=', filter.userId);
    if (filter.status?.length) q = q.where('l.status', 'in', filter.status);
    if (filter.from) q = q.where('l.end_date', '>=', filter.from);
    if (filter.to) q = q.where('l.start_date', '<=', filter.to);
    return q.orderBy('l.starts_at', 'desc').limit(500).execute();
  }

  async function isOnLeave(userId: number, at: Date = deps.clock.now()) {
    return isOnLeaveTx(deps.db, userId, at);
  }

  /** Who is on leave or absent at a moment (team view). */
  async function awayAt(at: Date = deps.clock.now()) {
    const iso = at.toISOString();
    const date = localDate(at, deps.tz);
    const [leaves, absences] = await Promise.all([
      deps.db.selectFrom('leave_requests').select(['user_id', 'id', 'ends_at']).where('status', '=', 'approved').where('starts_at', '<=', iso).where('ends_at', '>', iso).execute(),
      deps.db.selectFrom('absences').select(['user_id']).where('date', '=', date).execute(),
    ]);
    return { onLeave: leaves, absent: absences.map((a) => a.user_id) };
  }

  /** A manager marks someone absent for a local date; that day's follow-ups move to their next working time. */
  async function markAbsent(userId: number, date: string, actor: PolicyUser) {
    assertCan(actor, 'absence.mark');
    parseOrThrow(z.object({ date: localDay }), { date });
    return tx(deps, async (t) => {
      const c = ctx();
      const user = await t.selectFrom('users').select(['id', 'role']).where('id', '=', userId).executeTakeFirst();
      if (!user) throw notFound('user');
      if (user.role !== 'sales') throw validation('userId', 'only salespeople are marked absent');
      const exists = await t.selectFrom('absences').select('id').where('user_id', '=', userId).where('date', '=', date).executeTakeFirst();
      if (!exists) {
        await t.insertInto('absences').values({ user_id: userId, date, marked_by: actor.id, created_at: c.now.toISOString() }).execute();
      }
      const dayStart = new Date(localInstant(date, '00:00', deps.tz));
      const dayEnd = new Date(localInstant(addLocalDays(date, 1), '00:00', deps.tz));
      const moved = await reshiftUserFollowUps(t, c, userId, dayStart, dayEnd);
      return { created: !exists, followUpsMoved: moved };
    });
  }

  async function unmarkAbsent(userId: number, date: string, actor: PolicyUser) {
    assertCan(actor, 'absence.mark');
    const r = await deps.db.deleteFrom('absences').where('user_id', '=', userId).where('date', '=', date).executeTakeFirst();
    return { removed: Number(r.numDeletedRows) };
  }

  async function absences(filter: { from?: string; to?: string; userId?: number } = {}) {
    let q = deps.db.selectFrom('absences').selectAll();
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    if (filter.from) q = q.where('date', '>=', filter.from);
    if (filter.to) q = q.where('date', '<=', filter.to);
    return q.orderBy('date', 'desc').limit(1000).execute();
  }

  /**
   * Hourly: tells the person and the managers when an approved leave starts and when it ends. The
   * flags are set in the same transaction as the outbox rows, so a second run sends nothing.
   */
  async function leaveNotices() {
    return tx(deps, async (t) => {
      const c = ctx();
      const nowIso = c.now.toISOString();
      const due = await t
        .selectFrom('leave_requests')
        .selectAll()
        .where('status', '=', 'approved')
        .where((eb) =>
          eb.or([
            eb.and([eb('start_notified', '=', 0), eb('starts_at', '<=', nowIso)]),
            eb.and([eb('end_notified', '=', 0), eb('ends_at', '<=', nowIso)]),
          ]),
        )
        .execute();
      let started = 0;
      let ended = 0;
      for (const l of due) {
        const person = await t.selectFrom('users').selectAll().where('id', '=', l.user_id).executeTakeFirst();
        if (!person) continue;
        const over = Date.parse(l.ends_at) <= +c.now;
        if (!l.start_notified) {
          // a leave that began and ended between two runs only gets its "ended" notice
          if (!over) {
            // the person is off from now on: the notice must not wait for their next shift (after the
            // leave), and a whole-day leave starting at midnight is told at their usual start time
            const usualStart = localInstant(l.start_date, person.work_start, deps.tz);
            await enqueue(t, c, { kind: 'leave_started', user: person, payload: periodPayload(l), ignoreQuietHours: true, notBefore: new Date(Math.max(+c.now, Math.min(usualStart, Date.parse(l.ends_at)))), dedupeKey: `leave_started:${l.id}` });
            await notifyManagersOf(t, 'leave_started', l, person);
            started++;
          }
          await t.updateTable('leave_requests').set({ start_notified: 1 }).where('id', '=', l.id).execute();
        }
        if (over && !l.end_notified) {
          await enqueue(t, c, { kind: 'leave_ended', user: person, payload: periodPayload(l), dedupeKey: `leave_ended:${l.id}` });
          await notifyManagersOf(t, 'leave_ended', l, person);
          await t.updateTable('leave_requests').set({ end_notified: 1 }).where('id', '=', l.id).execute();
          ended++;
        }
      }
      return { started, ended };
    });
  }

  return {
    request,
    approve,
    reject,
    cancel,
    get,
    list,
    isOnLeave,
    awayAt,
    markAbsent,
    unmarkAbsent,
    absences,
    leaveNotices,
  };
}

export type LeaveService = ReturnType<typeof createLeaveService>;
