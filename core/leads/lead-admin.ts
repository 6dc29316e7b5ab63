import { z } from 'zod';
import type { Tx, Dialect } from '../../db/connection.js';
import type { Lead } from '../../db/types.js';
import { validation } from '../errors.js';
import { assertCan } from '../policy/policy.js';
import { normalizePhone } from '../shared/phone.js';
import { parseOrThrow } from '../users/users.js';
import { freeSeat } from './pipeline.js';
import type { OpsCtx } from '../followups/followup-ops.js';
import { addEvent, adjustOpenCount, getLead, type Actor } from './lead-ops.js';
import { lockPhones } from './intake.js';
import { isOpen } from './statuses.js';

/**
 * The admin's corrections of a lead record (SPEC §10: admins edit and delete leads). Status,
 * assignee, parking and counters have their own use cases and are not touched here.
 */

const optText = (max: number) => z.string().trim().max(max).nullable().optional();

export const detailsSchema = z.strictObject({
  name: z.string().trim().min(1, 'name is required').max(200).optional(),
  phone2: z.union([z.string(), z.number()]).nullable().optional(),
  courseId: z.number().int().positive().nullable().optional(),
  studentName: optText(200),
  studentAge: z.number().int().min(1).max(120).nullable().optional(),
  studentLevel: optText(100),
});
export type DetailsInput = z.input<typeof detailsSchema>;

type Editable = 'name' | 'phone2' | 'course_id' | 'student_name' | 'student_age' | 'student_level';

/** Contact details of one lead; an event lists what changed (old and new values). */
export async function updateDetailsTx(tx: Tx, ctx: OpsCtx & { dialect: Dialect }, id: number, input: DetailsInput, actor: Actor): Promise<{ lead: Lead; changed: string[] }> {
  assertCan(actor, 'lead.edit', undefined, 'lead');
  const v = parseOrThrow(detailsSchema, input);
  const lead = await getLead(tx, id);
  const next: Partial<Pick<Lead, Editable>> = {};
  if (v.name !== undefined) next.name = v.name.replace(/\s+/g, ' ');
  if (v.studentName !== undefined) next.student_name = v.studentName || null;
  if (v.studentAge !== undefined) next.student_age = v.studentAge;
  if (v.studentLevel !== undefined) next.student_level = v.studentLevel || null;
  if (v.phone2 !== undefined) {
    const phone2 = v.phone2 == null || v.phone2 === '' ? null : normalizePhone(v.phone2, 'phone2');
    if (phone2 != null && phone2 === lead.phone) throw validation('phone2', 'is the same as the main phone');
    next.phone2 = phone2;
  }
  if (v.courseId !== undefined) {
    if (v.courseId != null && v.courseId !== lead.course_id) {
      // a lead may keep a course that was closed since; a new choice must be one taught now
      const course = await tx.selectFrom('courses').select(['id', 'active']).where('id', '=', v.courseId).executeTakeFirst();
      if (!course || !course.active) throw validation('courseId', 'is not an active course');
    }
    next.course_id = v.courseId;
  }

  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, to] of Object.entries(next) as Array<[Editable, unknown]>) {
    if ((lead[k] ?? null) !== (to ?? null)) changes[k] = { from: lead[k] ?? null, to: to ?? null };
  }
  const changed = Object.keys(changes);
  if (!changed.length) return { lead, changed };

  if (changes.phone2) {
    const added = next.phone2 ?? null;
    const removed = lead.phone2;
    const phones = [added, removed].filter((p): p is string => !!p);
    await lockPhones(tx, ctx.dialect, phones);
    if (added) {
      // lead_phones is the dedupe key of every intake: a number may belong to one lead only
      const owner = await tx.selectFrom('lead_phones').select('lead_id').where('phone', '=', added).executeTakeFirst();
      if (owner && owner.lead_id !== id) throw validation('phone2', `belongs to lead #${owner.lead_id}`);
    }
    if (removed && removed !== lead.phone) await tx.deleteFrom('lead_phones').where('phone', '=', removed).where('lead_id', '=', id).execute();
    if (added) {
      const mine = await tx.selectFrom('lead_phones').select('lead_id').where('phone', '=', added).executeTakeFirst();
      if (!mine) await tx.insertInto('lead_phones').values({ phone: added, lead_id: id }).execute();
    }
  }
  const nowIso = ctx.now.toISOString();
  const patch = Object.fromEntries(changed.map((k) => [k, next[k as Editable] ?? null])) as Partial<Lead>;
  await tx.updateTable('leads').set({ ...patch, updated_at: nowIso }).where('id', '=', id).execute();
  await addEvent(tx, ctx, id, actor?.id ?? null, 'details_edited', { data: { changes } });
  return { lead: { ...lead, ...patch, updated_at: nowIso }, changed };
}

export interface DeleteSummary {
  leadId: number;
  /** records merged into this lead earlier, deleted with it */
  mergedIds: number[];
  events: number;
  followUps: number;
  trials: number;
  waitlist: number;
  phones: number;
  outbox: number;
}

const n = (r: { numDeletedRows: bigint } | Array<{ numDeletedRows: bigint }>) =>
  (Array.isArray(r) ? r : [r]).reduce((s, x) => s + Number(x.numDeletedRows), 0);

/**
 * Removes a lead and everything hanging off it. Records merged into it earlier are the same
 * person and go with it (they would otherwise point at a lead that no longer exists).
 */
export async function deleteLeadTx(tx: Tx, ctx: OpsCtx & { dialect: Dialect }, id: number, actor: Actor): Promise<DeleteSummary> {
  assertCan(actor, 'lead.delete', undefined, 'lead');
  await getLead(tx, id);
  const ids = [id];
  for (let frontier = [id]; frontier.length; ) {
    const rows = await tx.selectFrom('leads').select('id').where('merged_into', 'in', frontier).execute();
    frontier = rows.map((r) => r.id).filter((x) => !ids.includes(x));
    ids.push(...frontier);
  }
  // an intake of one of these phones running now would touch the lead as it goes: it waits, then
  // finds no lead and creates a new one
  const phoneRows = await tx.selectFrom('lead_phones').select('phone').where('lead_id', 'in', ids).execute();
  await lockPhones(tx, ctx.dialect, phoneRows.map((r) => r.phone));
  const lead = await getLead(tx, id);

  const trialIds = (await tx.selectFrom('trials').select('id').where('lead_id', 'in', ids).execute()).map((r) => r.id);
  const followUpIds = (await tx.selectFrom('follow_ups').select('id').where('lead_id', 'in', ids).execute()).map((r) => r.id);
  const outbox = await pendingOutboxAbout(tx, ids, trialIds, followUpIds);

  // follow-ups point at trials, so they go first
  const followUps = n(await tx.deleteFrom('follow_ups').where('lead_id', 'in', ids).executeTakeFirst());
  const trials = n(await tx.deleteFrom('trials').where('lead_id', 'in', ids).executeTakeFirst());
  const waitlist = n(await tx.deleteFrom('waitlist').where('lead_id', 'in', ids).executeTakeFirst());
  await tx.deleteFrom('reactivations').where('lead_id', 'in', ids).execute();
  const events = n(await tx.deleteFrom('lead_events').where('lead_id', 'in', ids).executeTakeFirst());
  const phones = n(await tx.deleteFrom('lead_phones').where('lead_id', 'in', ids).executeTakeFirst());
  if (outbox.drop.length) await tx.deleteFrom('outbox').where('id', 'in', outbox.drop).execute();
  for (const u of outbox.rewrite) await tx.updateTable('outbox').set({ payload: u.payload }).where('id', '=', u.id).execute();
  // merged records first: nothing may point at the survivor when it goes
  for (const other of ids.slice(1).reverse()) await tx.deleteFrom('leads').where('id', '=', other).execute();
  await tx.deleteFrom('leads').where('id', '=', id).execute();

  // counters: the assignee's open leads, and the enrolled student's seat in the group
  if (lead.parked === 0 && isOpen(lead.status)) await adjustOpenCount(tx, lead.assigned_to, -1);
  if (lead.status === 'enrolled') await freeSeat(tx, ctx, lead);
  return { leadId: id, mergedIds: ids.slice(1), events, followUps, trials, waitlist, phones, outbox: outbox.drop.length };
}

/**
 * Pending notifications about these leads (their follow-ups and trials included): dropped, so
 * nobody is sent a reminder about a lead that is gone. A managers' digest listing several leads
 * keeps the others.
 */
async function pendingOutboxAbout(tx: Tx, leadIds: number[], trialIds: number[], followUpIds: number[]) {
  // a cheap text filter first (payloads are JSON text on both databases), then the exact check
  const needles = [...new Set([...leadIds, ...trialIds, ...followUpIds])].map((x) => `%${x}%`);
  const rows = await tx
    .selectFrom('outbox')
    .select(['id', 'kind', 'payload'])
    .where('status', '=', 'pending')
    .where((eb) => eb.or(needles.map((s) => eb('payload', 'like', s))))
    .execute();
  const leads = new Set(leadIds);
  const trials = new Set(trialIds);
  const followUps = new Set(followUpIds);
  const drop: number[] = [];
  const rewrite: Array<{ id: number; payload: string }> = [];
  for (const r of rows) {
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(r.payload) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (leads.has(Number(p.leadId)) || trials.has(Number(p.trialId)) || followUps.has(Number(p.followUpId))) {
      drop.push(r.id);
      continue;
    }
    if (Array.isArray(p.leads)) {
      const list = p.leads as Array<Record<string, unknown>>;
      const kept = list.filter((l) => !leads.has(Number(l.id ?? l.leadId)));
      if (kept.length === list.length) continue;
      if (!kept.length) drop.push(r.id);
      else {
        const total = typeof p.total === 'number' ? Math.max(kept.length, p.total - (list.length - kept.length)) : undefined;
        rewrite.push({ id: r.id, payload: JSON.stringify({ ...p, leads: kept, ...(total !== undefined ? { total } : {}) }) });
      }
    }
  }
  return { drop, rewrite };
}
