import { DateTime } from 'luxon';
import type { Tx } from '../../db/connection.js';
import type { Lead, LeadStatus, Trial, TrialResult } from '../../db/types.js';
import { AppError, forbidden, validation } from '../errors.js';
import { getGroup, groupFull, notifyWaitlist } from '../groups/groups.js';
import { insertSteps, scheduleOf, type OpsCtx } from '../followups/followup-ops.js';
import { activeTrial, bookTrialTx, cancelTrialTx, canAdvanceResult, getTrial, RESULT_STATUS, type TrialSlot } from '../trials/trials.js';
import { addEvent, applyStatus, notifyManagers, type Actor } from './lead-ops.js';
import { appendNote } from './notes.js';
import { CALL_OUTCOMES, LOST_REASONS, STATUSES, canMove, isOpen, type CallOutcome, type LostReason } from './statuses.js';

export interface MoveInput {
  to: LeadStatus;
  lostReason?: LostReason | string | null;
  lostReasonText?: string | null;
  /** enrollment */
  groupId?: number | null;
  agreedPrice?: number | null;
  offerId?: number | null;
  /** trial booking (to trial_registered) */
  trial?: TrialSlot | null;
  note?: string | null;
}

const isManager = (a: Actor) => a?.role === 'admin' || a?.role === 'sales_manager';

function lostPatch(input: MoveInput, from: LeadStatus): Partial<Lead> {
  const reason = input.lostReason;
  if (!reason) throw validation('lostReason', 'a reason is required to mark a lead lost');
  if (!(LOST_REASONS as readonly string[]).includes(reason)) throw validation('lostReason', `must be one of ${LOST_REASONS.join(', ')}`);
  if (reason === 'left' && from !== 'enrolled') throw validation('lostReason', '"left" is only for a student who left the course');
  if (from === 'enrolled' && reason !== 'left') throw validation('lostReason', 'a student leaving the course is lost with reason "left"');
  const text = input.lostReasonText?.trim() || null;
  if (reason === 'other' && !text) throw validation('lostReasonText', 'describe the reason');
  return { lost_reason: reason, lost_reason_text: text };
}

/** Enrollment (SPEC §3, §6.1): a group with a free spot, the agreed price, the applied offer. */
export async function enrollTx(tx: Tx, ctx: OpsCtx, lead: Lead, input: MoveInput, actor: Actor, eventType?: string, data?: Record<string, unknown>) {
  if (!input.groupId) throw validation('groupId', 'choose the group the lead enrolls into');
  const group = await getGroup(tx, input.groupId);
  if (!group.active) throw validation('groupId', 'the group is not active');
  if (group.current_students >= group.capacity) throw groupFull(group, lead.id);
  const course = await tx.selectFrom('courses').select(['price']).where('id', '=', group.course_id).executeTakeFirst();
  if (input.agreedPrice != null && (!Number.isInteger(input.agreedPrice) || input.agreedPrice < 0)) throw validation('agreedPrice', 'must be a whole amount of UZS');
  if (input.offerId != null) {
    const offer = await tx.selectFrom('offers').select('id').where('id', '=', input.offerId).executeTakeFirst();
    if (!offer) throw validation('offerId', 'no such offer');
  }
  const updated = await tx
    .updateTable('study_groups')
    .set((eb) => ({ current_students: eb('current_students', '+', 1) }))
    .where('id', '=', group.id)
    .where('current_students', '<', group.capacity)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw groupFull(group, lead.id);
  await tx.deleteFrom('waitlist').where('lead_id', '=', lead.id).execute();
  return applyStatus(tx, ctx, lead, 'enrolled', {
    actor,
    eventType,
    data: { ...data, groupId: group.id, agreedPrice: input.agreedPrice ?? course?.price ?? 0, offerId: input.offerId ?? undefined },
    patch: { group_id: group.id, agreed_price: input.agreedPrice ?? course?.price ?? 0, offer_id: input.offerId ?? null, course_id: lead.course_id ?? group.course_id },
  });
}

/** A student leaving frees their seat and tells the waitlist. */
export async function freeSeat(tx: Tx, ctx: OpsCtx, lead: Lead) {
  if (!lead.group_id) return;
  await tx
    .updateTable('study_groups')
    .set((eb) => ({ current_students: eb('current_students', '-', 1) }))
    .where('id', '=', lead.group_id)
    .where('current_students', '>', 0)
    .execute();
  await notifyWaitlist(tx, ctx, await getGroup(tx, lead.group_id));
}

/** Statuses a lead holds while its trial still decides what happens next. */
const TRIAL_PATH: readonly LeadStatus[] = ['trial_registered', 'trial_attended', 'offer_sent'];

/** The trial result a status move stands for (SPEC §3: moves out of trial_registered are its results). */
const MOVE_RESULT: Partial<Record<LeadStatus, TrialResult>> = {
  trial_attended: 'attended',
  trial_not_attended: 'not_attended',
  offer_sent: 'offer_sent',
  enrolled: 'accepted',
};

/**
 * The trial a move of this lead settles: its latest, not cancelled, booked in the current lost
 * cycle, while the lead is on the trial path. A trial of an earlier cycle stays as it was.
 */
async function pathTrial(tx: Tx, lead: Lead): Promise<Trial | undefined> {
  if (!TRIAL_PATH.includes(lead.status)) return undefined;
  const trial = await activeTrial(tx, lead.id);
  if (!trial || (lead.lost_at && trial.booked_at < lead.lost_at)) return undefined;
  return trial;
}

/**
 * What a move does to the lead's trial, decided before anything is written:
 * - `cancel`: the trial has not started and the lead leaves the trial path (lost, enrolled
 *   before the lesson, a correction elsewhere): the seat frees and its reminders go;
 * - a result: the move stands for that result (attended, offer sent, accepted), recorded on the
 *   trial so the trial and the trials-to-sales KPI (SPEC §6.3) agree with the lead.
 * A move that stands for attendance before the lesson starts is refused, as recording the
 * result directly is.
 */
function trialEffect(ctx: OpsCtx, trial: Trial | undefined, to: LeadStatus): 'cancel' | TrialResult | null {
  if (!trial) return null;
  const notStarted = !trial.result && +ctx.now < Date.parse(trial.starts_at);
  if (notStarted && (to === 'trial_attended' || to === 'offer_sent')) {
    throw validation('to', `the trial has not started yet (it starts ${trial.date} ${trial.time})`);
  }
  const result = MOVE_RESULT[to];
  if (notStarted && to !== 'trial_not_attended' && to !== 'trial_registered') return 'cancel';
  return result && canAdvanceResult(trial.result, result) ? result : null;
}

/**
 * Moves a lead to another status (SPEC §3). With `correction` (managers only, reason required)
 * the move table is bypassed but every other rule holds.
 */
export async function moveTx(tx: Tx, ctx: OpsCtx, lead: Lead, input: MoveInput, actor: Actor, correction?: { reason: string }): Promise<Lead> {
  const from = lead.status;
  const to = input.to;
  // a correction skips the move table, so an unknown status would otherwise be stored as it came
  if (!STATUSES.includes(to)) throw validation('to', `must be one of ${STATUSES.join(', ')}`);
  if (correction) {
    if (!isManager(actor)) throw forbidden('only managers correct a status');
    if (!correction.reason?.trim()) throw validation('reason', 'a correction needs a reason');
  } else if (!canMove(from, to)) {
    throw new AppError('INVALID_TRANSITION', `A lead cannot move from ${from} to ${to}`, { to: `not allowed from ${from}` });
  }
  if (from === to && !correction) throw new AppError('INVALID_TRANSITION', `The lead is already ${to}`);
  const eventType = correction ? 'status_corrected' : undefined;
  const data: Record<string, unknown> = correction ? { reason: correction.reason } : {};
  if (input.note) data.note = input.note;
  const trial = await pathTrial(tx, lead);
  const effect = trialEffect(ctx, trial, to);
  if (trial && effect && effect !== 'cancel') Object.assign(data, { trialId: trial.id, trialResult: effect });

  let result: Lead;
  if (to === 'enrolled') {
    result = await enrollTx(tx, ctx, lead, input, actor, eventType, data);
  } else if (to === 'trial_registered') {
    if (!input.trial) throw validation('trial', 'choose a group and a lesson date for the trial');
    result = (await bookTrialTx(tx, ctx, lead, input.trial, actor, { correction: !!correction })).lead;
  } else if (to === 'lost') {
    if (from === 'enrolled' && !isManager(actor)) throw forbidden('only managers record a student leaving the course');
    const patch = lostPatch(input, from);
    result = await applyStatus(tx, ctx, lead, 'lost', { actor, eventType, data: { ...data, reason: patch.lost_reason, text: patch.lost_reason_text ?? undefined, ...(correction ? { correction: correction.reason } : {}) }, patch });
    if (from === 'enrolled') await freeSeat(tx, ctx, lead);
  } else {
    if (from === 'trial_registered' && to === 'interested' && trial && !trial.result) {
      return cancelTrialTx(tx, ctx, trial, lead, actor, 'status moved back to interested');
    }
    result = await applyStatus(tx, ctx, lead, to, { actor, eventType, data });
  }
  if (trial && effect) {
    if (effect === 'cancel') await cancelTrialTx(tx, ctx, trial, result, actor, `the lead moved to ${to} before the trial`);
    else await tx.updateTable('trials').set({ result: effect }).where('id', '=', trial.id).execute();
  }
  if (from === 'enrolled' && to !== 'lost' && lead.group_id) await freeSeat(tx, ctx, lead);
  return result;
}

/**
 * Records a trial's result and moves the lead (SPEC §3). A salesperson may only advance it;
 * switching attended ↔ not attended or undoing accepted/rejected is a manager's correction.
 */
export async function recordTrialResultTx(
  tx: Tx,
  ctx: OpsCtx,
  trial: Trial,
  lead: Lead,
  result: TrialResult,
  actor: Actor,
  extra: { lostReason?: string | null; lostReasonText?: string | null; agreedPrice?: number | null; offerId?: number | null; reason?: string | null } = {},
): Promise<Lead> {
  // a manager's correction bypasses the advance rules, so an unknown result would otherwise be stored
  if (!Object.hasOwn(RESULT_STATUS, result)) throw validation('result', `must be one of ${Object.keys(RESULT_STATUS).join(', ')}`);
  if (trial.cancelled) throw new AppError('INVALID_TRANSITION', 'The trial was cancelled', { result: 'the trial was cancelled' });
  if (trial.result === result) throw new AppError('CONFLICT', `The trial result is already ${result}`);
  const to = RESULT_STATUS[result];
  const advancing = canAdvanceResult(trial.result, result);
  if (!advancing) {
    if (!isManager(actor)) throw forbidden(`Changing a trial result from ${trial.result} to ${result} is a manager's correction`);
    if (!extra.reason?.trim()) throw validation('reason', 'a correction needs a reason');
  }
  // a result is a status move: a lead that has moved on (lost, enrolled, reactivated) is not pulled
  // back through its old trial outside the move table (a lost lead to trial_attended, an enrolled
  // one enrolled again and its seat counted twice); only a manager's correction bypasses the table
  if (advancing && (!isOpen(lead.status) || (lead.status !== to && !canMove(lead.status, to)))) {
    throw new AppError('INVALID_TRANSITION', `A lead in status ${lead.status} cannot take the trial result ${result}`, { result: `not allowed while the lead is ${lead.status}` });
  }
  if (+ctx.now < Date.parse(trial.starts_at) && result !== 'not_attended' && advancing) {
    throw validation('result', 'the trial has not started yet');
  }
  const input: MoveInput = { to, groupId: trial.group_id, lostReason: extra.lostReason, lostReasonText: extra.lostReasonText, agreedPrice: extra.agreedPrice, offerId: extra.offerId };
  if (result === 'rejected') lostPatch(input, lead.status);
  const data = { trialId: trial.id, result, previous: trial.result };
  let updated: Lead;
  if (to === 'enrolled') {
    updated = await enrollTx(tx, ctx, lead, input, actor, advancing ? 'trial_result' : 'status_corrected', data);
  } else if (to === 'lost') {
    const patch = lostPatch(input, lead.status);
    updated = await applyStatus(tx, ctx, lead, 'lost', { actor, eventType: advancing ? 'trial_result' : 'status_corrected', data: { ...data, reason: patch.lost_reason }, patch });
  } else {
    updated = await applyStatus(tx, ctx, lead, to, { actor, eventType: advancing ? 'trial_result' : 'status_corrected', data: { ...data, reason: extra.reason ?? undefined } });
  }
  if (!advancing && lead.status === 'enrolled' && lead.group_id) await freeSeat(tx, ctx, lead);
  await tx.updateTable('trials').set({ result }).where('id', '=', trial.id).execute();
  return updated;
}

export interface CallInput {
  outcome: CallOutcome;
  note?: string | null;
  /** with outcome call_back: when to call again (an ISO instant, or a local date-time in the center's zone) */
  callbackAt?: string | null;
}

/**
 * An ISO date-time with an offset is that instant; one without (`2026-11-24T18:00`, what a phone's
 * date-time picker gives) is the center's local time, whatever zone the phone is set to.
 */
export function instantOf(text: string, tz: string): number {
  if (/(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) return Date.parse(text);
  const local = DateTime.fromISO(text.trim(), { zone: tz });
  return local.isValid ? local.toMillis() : NaN;
}

/** A call logged without a status change (SPEC §5.1); five "no answer" in a row over ≥3 days alert managers. */
export async function logCallTx(tx: Tx, ctx: OpsCtx, lead: Lead, input: CallInput, actor: Actor): Promise<Lead> {
  if (!(CALL_OUTCOMES as readonly string[]).includes(input.outcome)) throw validation('outcome', `must be one of ${CALL_OUTCOMES.join(', ')}`);
  const nowIso = ctx.now.toISOString();
  let callback: number | null = null;
  if (input.outcome === 'call_back') {
    // a lost lead has no follow-ups (reactivation brings it back on its milestones): a call-back would
    // sit in Today and go overdue for a lead nobody works; move it back to the pipeline first
    if (lead.status === 'lost') throw validation('outcome', 'a lost lead gets no call-back: move it back to the pipeline first');
    if (!input.callbackAt) throw validation('callbackAt', 'when should the call be repeated?');
    callback = instantOf(input.callbackAt, ctx.tz);
    if (Number.isNaN(callback)) throw validation('callbackAt', 'must be a date and time');
    if (callback <= +ctx.now) throw validation('callbackAt', 'must be in the future');
  }
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'call_logged', { data: { outcome: input.outcome, note: input.note ?? undefined, callbackAt: input.callbackAt ?? undefined } });
  const patch: Partial<Lead> = { updated_at: nowIso };
  if (actor && !lead.first_contact_at) patch.first_contact_at = nowIso;
  if (input.note?.trim()) {
    patch.notes = appendNote(lead.notes, input.note.trim(), ctx.now, ctx.tz);
    patch.last_note = input.note.trim();
  }
  if (input.outcome !== 'no_answer') patch.no_answer_alerted = 0;
  await tx.updateTable('leads').set(patch).where('id', '=', lead.id).execute();
  if (callback !== null) {
    await insertSteps(tx, ctx, lead, [{ kind: 'callback', planStatus: lead.status, step: 1, due: callback }], await scheduleOf(tx, ctx, lead.assigned_to));
  }
  if (input.outcome === 'no_answer' && !lead.no_answer_alerted) {
    const calls = await tx
      .selectFrom('lead_events')
      .select(['data', 'created_at'])
      .where('lead_id', '=', lead.id)
      .where('type', '=', 'call_logged')
      .orderBy('id', 'desc')
      .limit(5)
      .execute();
    const streak = calls.filter((c) => JSON.parse(c.data ?? '{}').outcome === 'no_answer');
    if (calls.length === 5 && streak.length === 5) {
      const days = new Set(streak.map((c) => DateTime.fromISO(c.created_at, { zone: ctx.tz }).toISODate()));
      if (days.size >= 3) {
        await tx.updateTable('leads').set({ no_answer_alerted: 1 }).where('id', '=', lead.id).execute();
        const owner = lead.assigned_to == null ? undefined : await tx.selectFrom('users').select('full_name').where('id', '=', lead.assigned_to).executeTakeFirst();
        // field names as the renderer reads them (OutboxPayloads['no_answer_streak'])
        await notifyManagers(tx, ctx, 'no_answer_streak', { leadId: lead.id, leadName: lead.name, phone: lead.phone, salesId: lead.assigned_to, salespersonName: owner?.full_name ?? null, count: 5, days: days.size });
      }
    }
  }
  return { ...lead, ...patch } as Lead;
}

export async function addNoteTx(tx: Tx, ctx: OpsCtx, lead: Lead, text: string, actor: Actor): Promise<Lead> {
  const note = text?.trim();
  if (!note) throw validation('text', 'the note is empty');
  if (note.length > 4000) throw validation('text', 'at most 4000 characters');
  const nowIso = ctx.now.toISOString();
  const notes = appendNote(lead.notes, note, ctx.now, ctx.tz);
  await tx.updateTable('leads').set({ notes, last_note: note, updated_at: nowIso }).where('id', '=', lead.id).execute();
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'note_added', { data: { note } });
  return { ...lead, notes, last_note: note };
}

export { getTrial };
