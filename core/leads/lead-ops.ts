import { sql } from 'kysely';
import type { Tx } from '../../db/connection.js';
import type { Lead, LeadStatus, User } from '../../db/types.js';
import { AppError, notFound } from '../errors.js';
import { enqueue, managers } from '../outbox/outbox.js';
import { availableSalespeople, pickAssignee, reasonFor, type Candidate } from '../distribution/distribution.js';
import { moveOpenFollowUps, planForStatus, supersedeOpen, type OpsCtx } from '../followups/followup-ops.js';
import { isOpen } from './statuses.js';

/** Low-level steps shared by every lead use case. Each runs inside the caller's transaction. */

export type Actor = Pick<User, 'id' | 'role'> | null;

export async function getLead(tx: Tx, id: number): Promise<Lead> {
  const lead = await tx.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirst();
  if (!lead || lead.merged_into != null) throw notFound('lead');
  return lead;
}

export async function addEvent(
  tx: Tx,
  ctx: OpsCtx,
  leadId: number,
  actorId: number | null,
  type: string,
  extra: { from?: LeadStatus | null; to?: LeadStatus | null; data?: Record<string, unknown> } = {},
): Promise<void> {
  await tx
    .insertInto('lead_events')
    .values({
      lead_id: leadId,
      actor_id: actorId,
      type,
      from_status: extra.from ?? null,
      to_status: extra.to ?? null,
      data: extra.data ? JSON.stringify(extra.data) : null,
      created_at: ctx.now.toISOString(),
    })
    .execute();
}

export async function adjustOpenCount(tx: Tx, userId: number | null, delta: number): Promise<void> {
  if (userId == null || delta === 0) return;
  await tx
    .updateTable('users')
    .set((eb) => ({ open_lead_count: eb('open_lead_count', '+', delta) }))
    .where('id', '=', userId)
    .execute();
}

export async function courseName(tx: Tx, courseId: number | null): Promise<string | null> {
  if (courseId == null) return null;
  return (await tx.selectFrom('courses').select('name').where('id', '=', courseId).executeTakeFirst())?.name ?? null;
}

async function userById(tx: Tx, id: number) {
  return tx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/**
 * Gives a lead to a salesperson: counters, the assignment event with its reason, open follow-ups
 * moved and re-shifted, and a "new lead" notification.
 */
export async function assignTo(
  tx: Tx,
  ctx: OpsCtx,
  lead: Lead,
  userId: number,
  reason: string,
  actorId: number | null,
  opts: {
    notify?: boolean;
    kind?: 'assigned' | 'reassigned';
    /** a lead created in this transaction has no follow-ups to move yet */
    fresh?: boolean;
    /** the assignee was just found available (working now): no quiet-hours lookup needed */
    workingNow?: boolean;
    /** the assignee's row when the caller already has it (saves a lookup) */
    user?: Parameters<typeof enqueue>[2]['user'];
    /** the lead row was inserted with this assignee already (a new lead: no update, no churn of its indexes) */
    inserted?: boolean;
  } = {},
): Promise<Lead> {
  const from = opts.inserted ? null : lead.assigned_to;
  if (from === userId) return lead;
  const open = isOpen(lead.status) && lead.parked === 0;
  const nowIso = ctx.now.toISOString();
  if (!opts.inserted) {
    await tx
      .updateTable('leads')
      .set({ assigned_to: userId, previous_assignee: from, assigned_at: nowIso, updated_at: nowIso })
      .where('id', '=', lead.id)
      .execute();
  }
  if (open) await adjustOpenCount(tx, from, -1);
  await tx
    .updateTable('users')
    .set((eb) => ({ last_assigned_at: nowIso, open_lead_count: eb('open_lead_count', '+', open ? 1 : 0) }))
    .where('id', '=', userId)
    .execute();
  const kind = opts.kind ?? (from == null ? 'assigned' : 'reassigned');
  await addEvent(tx, ctx, lead.id, actorId, kind, { data: { from, to: userId, reason } });
  if (!opts.fresh) await moveOpenFollowUps(tx, ctx, lead.id, userId);
  const updated = { ...lead, assigned_to: userId, previous_assignee: from, assigned_at: nowIso };
  if (opts.notify !== false) {
    const user = opts.user ?? (await userById(tx, userId));
    await enqueue(tx, ctx, {
      kind: 'lead_assigned',
      user,
      ignoreQuietHours: opts.workingNow,
      payload: { leadId: lead.id, leadName: lead.name, phone: lead.phone, status: lead.status, courseId: lead.course_id, courseName: await courseName(tx, lead.course_id), source: lead.source, reason: kind },
    });
  }
  return updated;
}

/**
 * Automatic distribution (SPEC §4): the available salesperson covering the course with the fewest
 * open leads. Returns null (the lead stays in the unassigned queue) when nobody is available.
 */
// any constant shared by every process: the key of the distribution lock on PostgreSQL
const DISTRIBUTION_LOCK = 7_140_001;

/** Who gets a lead of this course now (null: nobody available), and why. */
export async function chooseAssignee(tx: Tx, ctx: OpsCtx, courseId: number | null): Promise<{ chosen: Candidate; reason: string } | null> {
  // "fewest open leads" reads counters another PostgreSQL connection may be raising at the same
  // moment: without this, a burst of landing posts piles onto one salesperson (SQLite has one writer)
  if (ctx.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${DISTRIBUTION_LOCK})`.execute(tx);
  const cands = await availableSalespeople(tx, ctx, { courseId });
  const chosen = pickAssignee(cands);
  return chosen ? { chosen, reason: reasonFor(chosen, cands) } : null;
}

export async function distribute(tx: Tx, ctx: OpsCtx, lead: Lead, actorId: number | null): Promise<Lead | null> {
  const pick = await chooseAssignee(tx, ctx, lead.course_id);
  if (!pick) return null;
  return assignTo(tx, ctx, lead, pick.chosen.id, pick.reason, actorId, { workingNow: true, user: pick.chosen });
}

export interface StatusMoveOptions {
  actor: Actor;
  /** an event type other than status_changed (e.g. status_corrected, trial_result) */
  eventType?: string;
  data?: Record<string, unknown>;
  /** extra columns set with the move (lost reason, group, price …) */
  patch?: Partial<Lead>;
  /** whether this move counts as the first contact when the actor is a person (default yes) */
  countsAsContact?: boolean;
}

/**
 * Applies a status move whose rules were already checked: lead columns, open-lead counter, the
 * event, the previous status's open follow-ups superseded and the new status's plan created.
 */
export async function applyStatus(tx: Tx, ctx: OpsCtx, lead: Lead, to: LeadStatus, opts: StatusMoveOptions): Promise<Lead> {
  const nowIso = ctx.now.toISOString();
  const from = lead.status;
  const patch: Partial<Lead> = { status: to, status_at: nowIso, updated_at: nowIso, ...opts.patch };
  if (to === 'lost') patch.lost_at = nowIso;
  if (to === 'enrolled') patch.enrolled_at = nowIso;
  if (opts.actor && opts.countsAsContact !== false && !lead.first_contact_at) patch.first_contact_at = nowIso;
  await tx.updateTable('leads').set(patch).where('id', '=', lead.id).execute();
  if (lead.parked === 0 && isOpen(from) !== isOpen(to)) await adjustOpenCount(tx, lead.assigned_to, isOpen(to) ? +1 : -1);
  await addEvent(tx, ctx, lead.id, opts.actor?.id ?? null, opts.eventType ?? 'status_changed', { from, to, data: opts.data });
  await supersedeOpen(tx, ctx, lead.id);
  const updated = { ...lead, ...patch } as Lead;
  if (lead.parked === 0) await planForStatus(tx, ctx, updated);
  return updated;
}

export async function notifyManagers(
  tx: Tx,
  ctx: OpsCtx,
  kind: Parameters<typeof enqueue>[2]['kind'],
  payload: Record<string, unknown>,
  dedupePrefix?: string,
): Promise<void> {
  for (const m of await managers(tx)) {
    await enqueue(tx, ctx, { kind, user: m, payload, dedupeKey: dedupePrefix ? `${dedupePrefix}:${m.id}` : undefined });
  }
}

export function assertOwnLead(actor: Actor, lead: Lead): void {
  if (actor && actor.role === 'sales' && lead.assigned_to !== actor.id) throw notFound('lead');
}

export function refuse(message: string, fields?: Record<string, string>): never {
  throw new AppError('INVALID_TRANSITION', message, fields);
}
