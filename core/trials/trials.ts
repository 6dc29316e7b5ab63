import { DateTime } from 'luxon';
import type { Tx } from '../../db/connection.js';
import type { Lead, Trial, TrialResult } from '../../db/types.js';
import { AppError, notFound, validation } from '../errors.js';
import { getGroup, groupFull, isLessonDay, trialsBookedOn } from '../groups/groups.js';
import { insertSteps, supersedeOpen, type OpsCtx } from '../followups/followup-ops.js';
import { initialSteps } from '../followups/planner.js';
import { localInstant } from '../worktime/worktime.js';
import { addEvent, applyStatus, type Actor } from '../leads/lead-ops.js';

export interface TrialSlot {
  groupId: number;
  /** local date YYYY-MM-DD */
  date: string;
}

/** Checks a trial seat (SPEC §6.1) and returns the trial's times. */
export async function checkSlot(tx: Tx, ctx: OpsCtx, slot: TrialSlot, exceptTrialId?: number) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(slot.date) || !DateTime.fromISO(slot.date).isValid) throw validation('date', 'must be a date YYYY-MM-DD');
  const group = await getGroup(tx, slot.groupId);
  if (!group.active) throw validation('groupId', 'the group is not active');
  const today = DateTime.fromJSDate(ctx.now, { zone: ctx.tz }).toISODate()!;
  if (slot.date < today) throw validation('date', 'must be today or later');
  if (!isLessonDay(group.days, slot.date)) throw validation('date', `is not a lesson day of the group (${group.days})`);
  const booked = await trialsBookedOn(tx, group.id, slot.date, exceptTrialId);
  if (group.current_students + booked >= group.capacity) throw groupFull(group);
  const course = await tx.selectFrom('courses').select(['lesson_minutes']).where('id', '=', group.course_id).executeTakeFirst();
  const startsAt = localInstant(slot.date, group.start_time, ctx.tz);
  if (startsAt <= +ctx.now) throw validation('date', 'the lesson has already started');
  const endsAt = startsAt + (course?.lesson_minutes ?? 90) * 60_000;
  return { group, startsAt, endsAt };
}

export async function getTrial(tx: Tx, id: number): Promise<Trial> {
  const t = await tx.selectFrom('trials').selectAll().where('id', '=', id).executeTakeFirst();
  if (!t) throw notFound('trial');
  return t;
}

export async function activeTrial(tx: Tx, leadId: number): Promise<Trial | undefined> {
  return tx
    .selectFrom('trials')
    .selectAll()
    .where('lead_id', '=', leadId)
    .where('cancelled', '=', 0)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

const BOOKABLE_FROM = ['contacted', 'interested', 'trial_not_attended', 'reactivation'];

/** Books a trial and moves the lead to `trial_registered` (its two reminders planned at booking). */
export async function bookTrialTx(tx: Tx, ctx: OpsCtx, lead: Lead, slot: TrialSlot, actor: Actor, opts: { correction?: boolean } = {}) {
  if (!opts.correction && !BOOKABLE_FROM.includes(lead.status)) {
    throw new AppError('INVALID_TRANSITION', `A trial cannot be booked for a lead in status ${lead.status}`, { status: lead.status });
  }
  const { group, startsAt, endsAt } = await checkSlot(tx, ctx, slot);
  const trial = await tx
    .insertInto('trials')
    .values({
      lead_id: lead.id,
      group_id: group.id,
      sales_id: lead.assigned_to,
      date: slot.date,
      time: group.start_time,
      room_id: group.room_id,
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(endsAt).toISOString(),
      booked_by: actor?.id ?? null,
      booked_at: ctx.now.toISOString(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'trial_booked', { data: { trialId: trial.id, groupId: group.id, date: slot.date, time: group.start_time } });
  const updated = await applyStatus(tx, ctx, lead, 'trial_registered', {
    actor,
    eventType: opts.correction ? 'status_corrected' : 'status_changed',
    data: { trialId: trial.id },
  });
  return { trial, lead: updated };
}

/** Moves a booked trial to another group/date, freeing the old seat and re-planning its reminders. */
export async function moveTrialTx(tx: Tx, ctx: OpsCtx, trial: Trial, lead: Lead, slot: TrialSlot, actor: Actor) {
  if (trial.cancelled || trial.result) throw new AppError('INVALID_TRANSITION', 'Only a booked trial without a result can be moved');
  const { group, startsAt, endsAt } = await checkSlot(tx, ctx, slot, trial.id);
  await tx
    .updateTable('trials')
    .set({
      group_id: group.id,
      date: slot.date,
      time: group.start_time,
      room_id: group.room_id,
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(endsAt).toISOString(),
      reminder_sent: 0,
      result_reminder_sent: 0,
    })
    .where('id', '=', trial.id)
    .execute();
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'trial_moved', { data: { trialId: trial.id, from: { groupId: trial.group_id, date: trial.date }, to: slot } });
  await supersedeOpen(tx, ctx, lead.id, ['trial_before_1d', 'trial_before_2h']);
  const steps = initialSteps('trial_registered', +ctx.now, { id: trial.id, startsAt, endsAt });
  await insertSteps(tx, ctx, lead, steps);
  return getTrial(tx, trial.id);
}

/** Cancels a booked trial (its seat frees) and moves the lead back to `interested`. */
export async function cancelTrialTx(tx: Tx, ctx: OpsCtx, trial: Trial, lead: Lead, actor: Actor, reason?: string) {
  if (trial.cancelled) throw new AppError('CONFLICT', 'The trial is already cancelled');
  if (trial.result) throw new AppError('INVALID_TRANSITION', 'A trial with a result cannot be cancelled');
  await tx.updateTable('trials').set({ cancelled: 1 }).where('id', '=', trial.id).execute();
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'trial_cancelled', { data: { trialId: trial.id, reason } });
  if (lead.status === 'trial_registered') {
    return applyStatus(tx, ctx, lead, 'interested', { actor, data: { reason: 'trial cancelled', trialId: trial.id } });
  }
  await supersedeOpen(tx, ctx, lead.id, ['trial_before_1d', 'trial_before_2h']);
  return lead;
}

/** What a salesperson may set next; anything else is a manager's correction (SPEC §3). */
const ADVANCE: Record<string, TrialResult[]> = {
  none: ['attended', 'not_attended', 'offer_sent', 'accepted', 'rejected'],
  attended: ['offer_sent', 'accepted', 'rejected'],
  offer_sent: ['accepted', 'rejected'],
  not_attended: [],
  accepted: [],
  rejected: [],
};

export function canAdvanceResult(from: TrialResult | null, to: TrialResult): boolean {
  return ADVANCE[from ?? 'none'].includes(to);
}

export const RESULT_STATUS: Record<TrialResult, Lead['status']> = {
  attended: 'trial_attended',
  not_attended: 'trial_not_attended',
  offer_sent: 'offer_sent',
  accepted: 'enrolled',
  rejected: 'lost',
};
