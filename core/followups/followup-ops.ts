import type { Dialect, Tx } from '../../db/connection.js';
import type { Collect } from '../../db/group-commit.js';
import type { FollowUp, Lead, LeadStatus, User } from '../../db/types.js';
import { loadSchedule } from '../worktime/schedules.js';
import { latestWorkingMomentBefore, shiftIntoWorkingTime, type WorkSchedule } from '../worktime/worktime.js';
import { initialSteps, nextStep, type PlanStep, type TrialTimes } from './planner.js';

export interface OpsCtx {
  tz: string;
  now: Date;
  /** PostgreSQL runs use cases concurrently; a few steps take a lock there (see distribute) */
  dialect?: Dialect;
  /** shared by the use cases of one group-committed transaction (see DistCtx.memo) */
  memo?: Map<string, unknown>;
  /** a write run once for the whole transaction before COMMIT (db/group-commit.ts) */
  collect?: Collect;
  /** schedules loaded during this use case (one transaction); leave/absence changes bypass it */
  schedules?: Map<string, WorkSchedule>;
}

export type ScheduleUser = Pick<User, 'id' | 'work_start' | 'work_end' | 'work_days'>;

export async function scheduleOf(tx: Tx, ctx: OpsCtx, userId: number | null): Promise<WorkSchedule | null> {
  if (userId == null) return null;
  const hit = ctx.schedules?.get(`${userId}:${ctx.now.toISOString().slice(0, 10)}`);
  if (hit) return hit;
  const u = await tx.selectFrom('users').select(['id', 'work_start', 'work_end', 'work_days']).where('id', '=', userId).executeTakeFirst();
  return u ? loadSchedule(tx, ctx.tz, u, ctx.now, ctx.schedules) : null;
}

/**
 * The due time of a plan step for an assignee: a past time is "now", then shifted into working
 * time; a trial reminder is never moved past its trial (the latest working moment before it is
 * used, or null = skip).
 */
export function placeDue(schedule: WorkSchedule | null, now: number, rawDue: number, notAfter?: number): number | null {
  let due = Math.max(rawDue, now);
  if (!schedule) return due;
  due = shiftIntoWorkingTime(schedule, due);
  if (notAfter !== undefined && due >= notAfter) {
    return latestWorkingMomentBefore(schedule, notAfter, now);
  }
  return due;
}

export async function latestTrial(tx: Tx, leadId: number): Promise<TrialTimes | null> {
  const t = await tx
    .selectFrom('trials')
    .select(['id', 'starts_at', 'ends_at'])
    .where('lead_id', '=', leadId)
    .where('cancelled', '=', 0)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return t ? { id: t.id, startsAt: Date.parse(t.starts_at), endsAt: Date.parse(t.ends_at) } : null;
}

export async function insertSteps(
  tx: Tx,
  ctx: OpsCtx,
  lead: Pick<Lead, 'id' | 'assigned_to'>,
  steps: PlanStep[],
  schedule?: WorkSchedule | null,
): Promise<number> {
  const sched = schedule !== undefined ? schedule : await scheduleOf(tx, ctx, lead.assigned_to);
  const now = +ctx.now;
  // trial reminders whose time has already passed collapse into the last of them
  const passedTrial = steps.filter((s) => s.notAfter !== undefined && s.due <= now);
  const skip = new Set(passedTrial.slice(0, -1));
  const rows = [];
  for (const s of steps) {
    if (skip.has(s)) continue;
    const due = placeDue(sched, now, s.due, s.notAfter);
    if (due === null) continue;
    rows.push({
      lead_id: lead.id,
      sales_id: lead.assigned_to,
      due_at: new Date(due).toISOString(),
      kind: s.kind,
      plan_status: s.planStatus,
      step: s.step,
      trial_id: s.trialId ?? null,
      state: 'open' as const,
      created_at: ctx.now.toISOString(),
    });
  }
  if (rows.length) await tx.insertInto('follow_ups').values(rows).execute();
  return rows.length;
}

/** Plans the follow-ups of the status the lead has just entered (SPEC §5.1). */
export async function planForStatus(
  tx: Tx,
  ctx: OpsCtx,
  lead: Pick<Lead, 'id' | 'assigned_to' | 'status' | 'status_at'>,
  schedule?: WorkSchedule | null,
): Promise<number> {
  const needsTrial = lead.status === 'trial_registered' || lead.status === 'trial_attended';
  const trial = needsTrial ? await latestTrial(tx, lead.id) : null;
  return insertSteps(tx, ctx, lead, initialSteps(lead.status, Date.parse(lead.status_at), trial), schedule);
}

/** Closes the open follow-ups of a lead because its status moved on. */
export async function supersedeOpen(tx: Tx, ctx: OpsCtx, leadId: number, onlyKinds?: string[]): Promise<number> {
  let q = tx
    .updateTable('follow_ups')
    .set({ state: 'superseded', closed_at: ctx.now.toISOString() })
    .where('lead_id', '=', leadId)
    .where('state', '=', 'open');
  if (onlyKinds) q = q.where('kind', 'in', onlyKinds);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** After a sequence step is completed, the next one is created if the status has not changed. */
export async function planNextStep(tx: Tx, ctx: OpsCtx, fu: FollowUp, lead: Lead): Promise<number> {
  if (!fu.plan_status || lead.status !== fu.plan_status) return 0;
  if (!/^[a-z_]+:\d+$/.test(fu.kind)) return 0;
  const trial = lead.status === 'trial_attended' ? await latestTrial(tx, lead.id) : null;
  const next = nextStep(lead.status as LeadStatus, fu.step, Date.parse(lead.status_at), trial);
  if (!next) return 0;
  const exists = await tx
    .selectFrom('follow_ups')
    .select('id')
    .where('lead_id', '=', lead.id)
    .where('kind', '=', next.kind)
    .where('state', '=', 'open')
    .executeTakeFirst();
  if (exists) return 0;
  return insertSteps(tx, ctx, lead, [next]);
}

/** Moves a lead's open follow-ups to another person, shifted into their working time. */
export async function moveOpenFollowUps(tx: Tx, ctx: OpsCtx, leadId: number, toUserId: number | null): Promise<number> {
  const open = await tx.selectFrom('follow_ups').selectAll().where('lead_id', '=', leadId).where('state', '=', 'open').execute();
  if (!open.length) return 0;
  const sched = await scheduleOf(tx, ctx, toUserId);
  const trialStarts = new Map<number, number>();
  for (const fu of open) {
    if (fu.trial_id && !trialStarts.has(fu.trial_id)) {
      const t = await tx.selectFrom('trials').select('starts_at').where('id', '=', fu.trial_id).executeTakeFirst();
      if (t) trialStarts.set(fu.trial_id, Date.parse(t.starts_at));
    }
  }
  for (const fu of open) {
    const notAfter = fu.kind.startsWith('trial_before') && fu.trial_id ? trialStarts.get(fu.trial_id) : undefined;
    const due = placeDue(sched, +ctx.now, Date.parse(fu.due_at), notAfter);
    if (due === null) {
      await tx.updateTable('follow_ups').set({ state: 'superseded', closed_at: ctx.now.toISOString(), sales_id: toUserId }).where('id', '=', fu.id).execute();
      continue;
    }
    await tx
      .updateTable('follow_ups')
      .set({ sales_id: toUserId, due_at: new Date(due).toISOString(), reminder_sent: 0, overdue: due < +ctx.now ? fu.overdue : 0, overdue_notified: due < +ctx.now ? fu.overdue_notified : 0 })
      .where('id', '=', fu.id)
      .execute();
  }
  return open.length;
}

/** Re-shifts a person's open follow-ups that fall into time they no longer work (approved leave, absence). */
export async function reshiftUserFollowUps(tx: Tx, ctx: OpsCtx, userId: number, from: Date, to: Date): Promise<number> {
  // fresh: this runs right after a leave or absence changed the schedule
  const sched = await scheduleOf(tx, { tz: ctx.tz, now: ctx.now }, userId);
  if (!sched) return 0;
  const rows = await tx
    .selectFrom('follow_ups')
    .selectAll()
    .where('sales_id', '=', userId)
    .where('state', '=', 'open')
    .where('due_at', '>=', from.toISOString())
    .where('due_at', '<', to.toISOString())
    .execute();
  let moved = 0;
  for (const fu of rows) {
    const notAfter = fu.kind.startsWith('trial_before') && fu.trial_id
      ? Date.parse((await tx.selectFrom('trials').select('starts_at').where('id', '=', fu.trial_id).executeTakeFirstOrThrow()).starts_at)
      : undefined;
    // a trial reminder the leave pushes past its trial goes to the latest working moment before the
    // trial (from now on, as at booking), or is skipped when there is none: never left inside the leave
    const due = placeDue(sched, +ctx.now, Date.parse(fu.due_at), notAfter);
    if (due === null) {
      await tx.updateTable('follow_ups').set({ state: 'superseded', closed_at: ctx.now.toISOString() }).where('id', '=', fu.id).execute();
      moved++;
      continue;
    }
    if (due === Date.parse(fu.due_at)) continue;
    await tx.updateTable('follow_ups').set({ due_at: new Date(due).toISOString(), reminder_sent: 0 }).where('id', '=', fu.id).execute();
    moved++;
  }
  return moved;
}
