import { sql } from 'kysely';
import { z } from 'zod';
import type { Tx, Dialect } from '../../db/connection.js';
import type { Lead, LeadSource, User } from '../../db/types.js';
import { normalizePhone } from '../shared/phone.js';
import { activeSalesperson, parseOrThrow } from '../users/users.js';
import { enqueue, managers } from '../outbox/outbox.js';
import { planForStatus, type OpsCtx } from '../followups/followup-ops.js';
import { availableSalespeople } from '../distribution/distribution.js';
import { addEvent, adjustOpenCount, applyStatus, assignTo, chooseAssignee, distribute, type Actor } from './lead-ops.js';
import { SOURCES, isOpen } from './statuses.js';
import { appendNote } from './notes.js';

const opt = (max: number) => z.string().trim().max(max).optional().nullable();

export const intakeSchema = z.object({
  name: z.string().trim().min(1, 'name is required').max(200),
  phone: z.union([z.string(), z.number()]),
  phone2: z.union([z.string(), z.number()]).optional().nullable(),
  courseId: z.number().int().positive().optional().nullable(),
  source: z.enum(SOURCES as [LeadSource, ...LeadSource[]]),
  note: opt(4000),
  utm: z
    .object({ source: opt(200), medium: opt(200), campaign: opt(200), content: opt(200), term: opt(200) })
    .partial()
    .optional()
    .nullable(),
  studentName: opt(200),
  studentAge: z.number().int().min(1).max(120).optional().nullable(),
  studentLevel: opt(100),
  parked: z.boolean().optional(),
});
export type IntakeInput = z.input<typeof intakeSchema>;

export type IntakeOutcome = 'created' | 'touched' | 'reactivated' | 'student_touched' | 'parked_touch';
export interface IntakeResult {
  lead: Lead;
  duplicate: boolean;
  outcome: IntakeOutcome;
}

/** Validates and normalizes an intake before any transaction starts (bad input writes nothing). */
export function normalizeIntake(input: IntakeInput) {
  return normalizeValidIntake(parseOrThrow(intakeSchema, input));
}

/** An intake in the schema's output form: its checks passed, its strings trimmed. */
export type ValidIntake = z.output<typeof intakeSchema>;

/**
 * normalizeIntake after the schema: for input already in its output form, such as the rows the
 * Excel import builds within the schema's limits (core/import/columns.ts), where running zod on
 * each of 100k rows made a third of the dry run's garbage.
 */
export function normalizeValidIntake(v: ValidIntake) {
  const phone = normalizePhone(v.phone, 'phone');
  let phone2 = v.phone2 == null || v.phone2 === '' ? null : normalizePhone(v.phone2, 'phone2');
  if (phone2 === phone) phone2 = null;
  const name = v.name.replace(/\s+/g, ' ');
  const note = v.note?.trim() || null;
  return { ...v, name, phone, phone2, note };
}
export type NormalizedIntake = ReturnType<typeof normalizeIntake>;

/** Serializes intakes of the same phone across PostgreSQL connections (SQLite: BEGIN IMMEDIATE does). */
export async function lockPhones(tx: Tx, dialect: Dialect, phones: string[]): Promise<void> {
  if (dialect !== 'postgres') return;
  for (const p of [...phones].sort()) await sql`select pg_advisory_xact_lock(hashtext(${p}))`.execute(tx);
}

export async function findByPhones(tx: Tx, phones: string[]): Promise<Lead | null> {
  const hits = await tx.selectFrom('lead_phones').select(['phone', 'lead_id']).where('phone', 'in', phones).execute();
  if (!hits.length) return null;
  const primary = hits.find((h) => h.phone === phones[0]) ?? hits[0];
  let lead = await tx.selectFrom('leads').selectAll().where('id', '=', primary.lead_id).executeTakeFirst();
  // follow merges to the surviving lead
  while (lead && lead.merged_into != null) {
    lead = await tx.selectFrom('leads').selectAll().where('id', '=', lead.merged_into).executeTakeFirst();
  }
  return lead ?? null;
}


async function touch(tx: Tx, ctx: OpsCtx, lead: Lead, input: NormalizedIntake, actor: Actor, kind: 'touched' | 'student_touched' | 'parked_touch' | 'returning') {
  const nowIso = ctx.now.toISOString();
  const newNote = input.note && input.note !== lead.last_note ? input.note : null;
  const patch: Partial<Lead> = { updated_at: nowIso };
  if (newNote) {
    patch.notes = appendNote(lead.notes, newNote, ctx.now, ctx.tz);
    patch.last_note = newNote;
  }
  if (!lead.phone2 && input.phone2 && input.phone2 !== lead.phone) {
    const taken = await tx.selectFrom('lead_phones').select('lead_id').where('phone', '=', input.phone2).executeTakeFirst();
    if (!taken) {
      patch.phone2 = input.phone2;
      await tx.insertInto('lead_phones').values({ phone: input.phone2, lead_id: lead.id }).execute();
    }
  }
  await tx.updateTable('leads').set(patch).where('id', '=', lead.id).execute();
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'touched', {
    data: { source: input.source, note: newNote, kind, utm: input.utm ?? undefined },
  });
  const updated = { ...lead, ...patch } as Lead;
  if ((kind === 'touched' || kind === 'student_touched') && lead.assigned_to != null) {
    const assignee = await tx.selectFrom('users').selectAll().where('id', '=', lead.assigned_to).executeTakeFirst();
    if (assignee) {
      await enqueue(tx, ctx, {
        kind: kind === 'student_touched' ? 'student_returned' : 'lead_touched',
        user: assignee,
        payload: { leadId: lead.id, leadName: lead.name, phone: lead.phone, status: lead.status, source: input.source, note: newNote },
      });
    }
  }
  return updated;
}

const LANDING_DIGEST_LIST = 20;

interface DigestItem {
  /** the digest message this lead joins: the one sent at the end of its minute */
  minute: string;
  lead: { id: number; name: string; phone: string; courseId: number | null; duplicate: boolean };
}

/**
 * The managers' landing digest: at most one message a minute, listing the leads that came in. In a
 * group-committed burst the leads of the transaction are added in one write per manager just before
 * COMMIT (db/group-commit.ts collect) instead of a read and a rewrite of the same row per lead.
 */
export async function addToLandingDigest(tx: Tx, ctx: OpsCtx, lead: Pick<Lead, 'id' | 'name' | 'phone' | 'course_id'>, duplicate: boolean) {
  const minute = new Date(Math.floor(+ctx.now / 60_000) * 60_000 + 60_000).toISOString();
  const item: DigestItem = { minute, lead: { id: lead.id, name: lead.name, phone: lead.phone, courseId: lead.course_id, duplicate } };
  if (ctx.collect) ctx.collect('landing_digest', item, (t, items) => writeLandingDigest(t, ctx, items));
  else await writeLandingDigest(tx, ctx, [item]);
}

async function writeLandingDigest(tx: Tx, ctx: OpsCtx, items: DigestItem[]) {
  const recipients = await managers(tx);
  if (!recipients.length) return;
  const courseIds = [...new Set(items.map((i) => i.lead.courseId).filter((id): id is number => id != null))];
  const courses = new Map(
    courseIds.length ? (await tx.selectFrom('courses').select(['id', 'name']).where('id', 'in', courseIds).execute()).map((c) => [c.id, c.name] as const) : [],
  );
  const byMinute = new Map<string, DigestItem[]>();
  for (const item of items) byMinute.set(item.minute, [...(byMinute.get(item.minute) ?? []), item]);
  for (const [minute, group] of byMinute) {
    const entries = group.map(({ lead }) => ({ id: lead.id, name: lead.name, phone: lead.phone, courseId: lead.courseId, courseName: lead.courseId == null ? null : (courses.get(lead.courseId) ?? null), duplicate: lead.duplicate }));
    for (const m of recipients) {
      const key = `landing_digest:${m.id}:${minute}`;
      const row = await tx.selectFrom('outbox').select(['id', 'payload', 'status']).where('dedupe_key', '=', key).executeTakeFirst();
      if (row && row.status === 'pending') {
        const payload = JSON.parse(row.payload);
        payload.total = (payload.total ?? payload.leads.length) + entries.length;
        // the message lists the first few and counts the rest: a burst of thousands of landing leads
        // must not grow the row (nor the message) without end
        payload.leads.push(...entries.slice(0, Math.max(0, LANDING_DIGEST_LIST - payload.leads.length)));
        await tx.updateTable('outbox').set({ payload: JSON.stringify(payload) }).where('id', '=', row.id).execute();
      } else if (!row) {
        await enqueue(tx, ctx, { kind: 'landing_digest', user: m, payload: { leads: entries.slice(0, LANDING_DIGEST_LIST), total: entries.length }, notBefore: new Date(minute), dedupeKey: key });
      }
    }
  }
}

/** An intake whose phone is already known: a touch, a student back, a lost lead returning, or a parked record going live. */
async function intakeKnown(tx: Tx, ctx: OpsCtx & { dialect: Dialect }, existing: Lead, input: NormalizedIntake, actor: (Actor & Partial<User>) | null): Promise<IntakeResult> {
  if (input.parked === true) return { lead: await touch(tx, ctx, existing, input, actor, 'parked_touch'), duplicate: true, outcome: 'parked_touch' };
  if (existing.status === 'enrolled') {
    return { lead: await touch(tx, ctx, existing, input, actor, 'student_touched'), duplicate: true, outcome: 'student_touched' };
  }
  if (existing.status === 'lost') {
    let lead = await touch(tx, ctx, existing, input, actor, 'returning');
    const previous = lead.assigned_to;
    const back = previous != null && (await availableSalespeople(tx, ctx, { onlyIds: [previous], courseId: lead.course_id })).length > 0;
    if (!back && previous != null) {
      // not available: the returning lead is distributed like a new one
      await tx.updateTable('leads').set({ assigned_to: null, previous_assignee: previous }).where('id', '=', lead.id).execute();
      lead = { ...lead, assigned_to: null, previous_assignee: previous };
    }
    lead = await applyStatus(tx, ctx, lead, 'reactivation', { actor, data: { reason: 'returned', source: input.source }, countsAsContact: false });
    if (back) {
      await addEvent(tx, ctx, lead.id, actor?.id ?? null, 'assigned', { data: { to: previous, reason: 'returning lead: back to its previous salesperson' } });
      const user = await tx.selectFrom('users').selectAll().where('id', '=', previous!).executeTakeFirstOrThrow();
      await tx.updateTable('users').set({ last_assigned_at: ctx.now.toISOString() }).where('id', '=', previous!).execute();
      await enqueue(tx, ctx, { kind: 'lead_assigned', user, payload: { leadId: lead.id, leadName: lead.name, phone: lead.phone, status: lead.status, reason: 'returned' } });
    } else {
      lead = (await distribute(tx, ctx, lead, actor?.id ?? null)) ?? lead;
    }
    return { lead, duplicate: true, outcome: 'reactivated' };
  }
  let lead = await touch(tx, ctx, existing, input, actor, 'touched');
  if (lead.parked === 1) {
    // a prospect reaching out again is live: the parked record leaves parking and is worked now
    lead = await releaseOne(tx, ctx, lead, actor?.id ?? null, 'touched by a live source');
  }
  return { lead, duplicate: true, outcome: 'touched' };
}

/**
 * SPEC §4: the one intake path of every source. Runs inside the caller's transaction.
 */
export async function intakeTx(
  tx: Tx,
  ctx: OpsCtx & { dialect: Dialect },
  input: NormalizedIntake,
  actor: (Actor & Partial<User>) | null,
  /** a manager's choice of salesperson for a NEW lead (a known phone keeps its owner) */
  opts: { toUserId?: number; reason?: string } = {},
): Promise<IntakeResult> {
  const phones = input.phone2 ? [input.phone, input.phone2] : [input.phone];
  await lockPhones(tx, ctx.dialect, phones);
  const existing = await findByPhones(tx, phones);
  const parkedIntake = input.parked === true;

  if (existing) {
    const known = await intakeKnown(tx, ctx, existing, input, actor);
    // managers read the digest as "who wrote in through the website": a returning contact is one too
    if (input.source === 'form') await addToLandingDigest(tx, ctx, known.lead, true);
    return known;
  }

  const nowIso = ctx.now.toISOString();
  const byOwnSalesperson = actor?.role === 'sales';
  const chosenBy = !parkedIntake && !byOwnSalesperson && opts.toUserId != null ? await activeSalesperson(tx, opts.toUserId, 'toUserId') : null;
  // chosen before the insert so the row is written once with its assignee
  const pick = parkedIntake || byOwnSalesperson || chosenBy ? null : await chooseAssignee(tx, ctx, input.courseId ?? null);
  let lead = await tx
    .insertInto('leads')
    .values({
      name: input.name,
      phone: input.phone,
      phone2: input.phone2,
      student_name: input.studentName ?? null,
      student_age: input.studentAge ?? null,
      student_level: input.studentLevel ?? null,
      course_id: input.courseId ?? null,
      source: input.source,
      utm_source: input.utm?.source ?? null,
      utm_medium: input.utm?.medium ?? null,
      utm_campaign: input.utm?.campaign ?? null,
      utm_content: input.utm?.content ?? null,
      utm_term: input.utm?.term ?? null,
      status: 'new',
      parked: parkedIntake ? 1 : 0,
      notes: input.note ? appendNote(null, input.note, ctx.now, ctx.tz) : null,
      last_note: input.note,
      created_by: actor?.id ?? null,
      created_at: nowIso,
      updated_at: nowIso,
      status_at: nowIso,
      assigned_to: pick?.chosen.id ?? null,
      assigned_at: pick ? nowIso : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await tx.insertInto('lead_phones').values(phones.map((p) => ({ phone: p, lead_id: lead.id }))).execute();
  await addEvent(tx, ctx, lead.id, actor?.id ?? null, parkedIntake ? 'imported' : 'created', {
    to: 'new',
    data: { source: input.source, parked: parkedIntake || undefined },
  });
  if (parkedIntake) return { lead, duplicate: false, outcome: 'created' };

  if (byOwnSalesperson) {
    const nowIso2 = ctx.now.toISOString();
    await tx.updateTable('leads').set({ assigned_to: actor!.id, assigned_at: nowIso2 }).where('id', '=', lead.id).execute();
    await adjustOpenCount(tx, actor!.id, +1);
    await tx.updateTable('users').set({ last_assigned_at: nowIso2 }).where('id', '=', actor!.id).execute();
    await addEvent(tx, ctx, lead.id, actor!.id, 'assigned', { data: { to: actor!.id, reason: 'entered by the salesperson: stays theirs' } });
    lead = { ...lead, assigned_to: actor!.id, assigned_at: nowIso2 };
  } else if (chosenBy) {
    // the manual-assignment path (as a reassignment): counter, event with the reason, notification
    lead = await assignTo(tx, ctx, lead, chosenBy.id, opts.reason ?? 'assigned by a manager', actor?.id ?? null, { fresh: true, user: chosenBy });
  } else if (pick) {
    lead = await assignTo(tx, ctx, lead, pick.chosen.id, pick.reason, actor?.id ?? null, { fresh: true, workingNow: true, user: pick.chosen, inserted: true });
  } else {
    await addEvent(tx, ctx, lead.id, null, 'queued', { data: { reason: 'nobody available' } });
  }
  await planForStatus(tx, ctx, lead);
  if (input.source === 'form') await addToLandingDigest(tx, ctx, lead, false);
  return { lead, duplicate: false, outcome: 'created' };
}

/** Takes one lead out of parking and into distribution. */
export async function releaseOne(tx: Tx, ctx: OpsCtx, lead: Lead, actorId: number | null, reason: string, toUserId?: number): Promise<Lead> {
  const nowIso = ctx.now.toISOString();
  await tx.updateTable('leads').set({ parked: 0, status_at: nowIso, updated_at: nowIso }).where('id', '=', lead.id).execute();
  let updated: Lead = { ...lead, parked: 0, status_at: nowIso };
  // a parked lead was not counted; it counts from now on for its assignee (if any)
  if (updated.assigned_to != null && isOpen(updated.status)) await adjustOpenCount(tx, updated.assigned_to, +1);
  await addEvent(tx, ctx, lead.id, actorId, 'released', { data: { reason } });
  if (toUserId != null) updated = await assignTo(tx, ctx, updated, toUserId, `released to this salesperson (${reason})`, actorId);
  else if (updated.assigned_to == null) updated = (await distribute(tx, ctx, updated, actorId)) ?? updated;
  if (isOpen(updated.status)) await planForStatus(tx, ctx, updated);
  return updated;
}
