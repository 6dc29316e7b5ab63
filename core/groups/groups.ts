import type { Tx } from '../../db/connection.js';
import type { Lead, StudyGroup, User } from '../../db/types.js';
import { AppError, notFound } from '../errors.js';
import { enqueue } from '../outbox/outbox.js';
import { isoWeekday } from '../worktime/worktime.js';
import type { OpsCtx } from '../followups/followup-ops.js';

/** `odd` = Mon/Wed/Fri, `even` = Tue/Thu/Sat, `daily` = Mon–Sat (SPEC §2). */
export const LESSON_DAYS: Record<StudyGroup['days'], number[]> = {
  odd: [1, 3, 5],
  even: [2, 4, 6],
  daily: [1, 2, 3, 4, 5, 6],
};

export function isLessonDay(days: StudyGroup['days'], date: string): boolean {
  return LESSON_DAYS[days]?.includes(isoWeekday(date)) ?? false;
}

export type Band = 'green' | 'yellow' | 'red';
/** Below 50% green, 50% to below 80% yellow, 80% and above red. */
export function occupancyBand(percent: number): Band {
  if (percent >= 80) return 'red';
  if (percent >= 50) return 'yellow';
  return 'green';
}

export function occupancyPercent(taken: number, capacity: number): number {
  return capacity > 0 ? Math.round((taken / capacity) * 1000) / 10 : 100;
}

export async function getGroup(tx: Tx, id: number): Promise<StudyGroup> {
  const g = await tx.selectFrom('study_groups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!g) throw notFound('group');
  return g;
}

export async function trialsBookedOn(tx: Tx, groupId: number, date: string, exceptTrialId?: number): Promise<number> {
  let q = tx
    .selectFrom('trials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('group_id', '=', groupId)
    .where('date', '=', date)
    .where('cancelled', '=', 0);
  if (exceptTrialId) q = q.where('id', '!=', exceptTrialId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

export function groupFull(group: StudyGroup, leadId?: number): AppError {
  return new AppError('GROUP_FULL', `Group "${group.name}" is full (${group.current_students}/${group.capacity}); the lead can join its waitlist`, { groupId: 'full' }, {
    groupId: group.id,
    waitlist: true,
    leadId,
  });
}

/** A freed seat tells the salespeople of waitlisted leads, oldest first (SPEC §6.1). */
export async function notifyWaitlist(tx: Tx, ctx: OpsCtx, group: StudyGroup): Promise<number> {
  const waiting = await tx
    .selectFrom('waitlist')
    .innerJoin('leads', 'leads.id', 'waitlist.lead_id')
    .select(['waitlist.id as wid', 'leads.id as lead_id', 'leads.name', 'leads.phone', 'leads.assigned_to', 'waitlist.since'])
    .where('waitlist.group_id', '=', group.id)
    .where('leads.status', 'not in', ['enrolled'])
    .orderBy('waitlist.since')
    .orderBy('waitlist.id')
    .execute();
  let n = 0;
  for (const w of waiting) {
    if (w.assigned_to == null) continue;
    const user = await tx.selectFrom('users').selectAll().where('id', '=', w.assigned_to).executeTakeFirst();
    if (!user) continue;
    await enqueue(tx, ctx, {
      kind: 'waitlist_spot_freed',
      user,
      payload: { leadId: w.lead_id, leadName: w.name, phone: w.phone, groupId: group.id, groupName: group.name, position: ++n },
    });
    await tx.updateTable('waitlist').set({ notified_at: ctx.now.toISOString() }).where('id', '=', w.wid).execute();
  }
  return n;
}

export async function joinWaitlist(tx: Tx, ctx: OpsCtx, lead: Lead, groupId: number): Promise<void> {
  await getGroup(tx, groupId);
  await tx
    .insertInto('waitlist')
    .values({ lead_id: lead.id, group_id: groupId, since: ctx.now.toISOString() })
    .onConflict((oc) => oc.columns(['lead_id', 'group_id']).doNothing())
    .execute();
}

export type WaitlistActor = Pick<User, 'id' | 'role'> | null;
