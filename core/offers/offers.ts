import { z } from 'zod';
import type { Tx } from '../../db/connection.js';
import type { Lead, LeadStatus, Offer } from '../../db/types.js';
import { notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { assertCan, type PolicyUser } from '../policy/policy.js';
import { parseOrThrow } from '../users/users.js';
import type { OfferRef } from '../outbox/payloads.js';

export type OfferChannel = Offer['channel'];
export type OfferAudience = Offer['audience'];

/** SPEC §6.5: which audience a lead's status belongs to (statuses not listed match only `all`). */
export function audienceOf(status: LeadStatus): OfferAudience | null {
  switch (status) {
    case 'new':
      return 'new';
    case 'lost':
      return 'lost';
    case 'reactivation':
      return 'reactivation';
    case 'trial_registered':
    case 'trial_attended':
    case 'trial_not_attended':
      return 'trial';
    default:
      return null;
  }
}

/**
 * Active and within validity at `now` (valid_until is exclusive). Ordered by priority, the higher
 * number first, then the newest.
 */
export async function activeOffersTx(t: Tx, now: Date): Promise<Offer[]> {
  const at = now.toISOString();
  return t
    .selectFrom('offers')
    .selectAll()
    .where('active', '=', 1)
    .where((eb) => eb.or([eb('valid_from', 'is', null), eb('valid_from', '<=', at)]))
    .where((eb) => eb.or([eb('valid_until', 'is', null), eb('valid_until', '>', at)]))
    .orderBy('priority', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The offers a salesperson may use for this lead on this channel (SPEC §6.5). */
export async function activeForLeadTx(
  t: Tx,
  lead: Pick<Lead, 'status' | 'course_id'>,
  channel: Exclude<OfferChannel, 'all'>,
  now: Date,
  opts: { anyCourse?: boolean } = {},
): Promise<Offer[]> {
  const audience = audienceOf(lead.status);
  return (await activeOffersTx(t, now)).filter(
    (o) =>
      (o.channel === 'all' || o.channel === channel) &&
      (o.audience === 'all' || o.audience === audience) &&
      (opts.anyCourse || o.course_id == null || o.course_id === lead.course_id),
  );
}

/** What a notification carries about an offer. */
export function offerRef(o: Offer): OfferRef & { offerId: number; type: string; courseId: number | null; description: string | null } {
  return { offerId: o.id, title: o.title, description: o.description, type: o.type, courseId: o.course_id, validUntil: o.valid_until };
}

const instant = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time')
  .transform((s) => new Date(s).toISOString());

export const offerInputSchema = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().trim().max(4000).nullable().optional(),
  type: z.enum(['discount', 'bonus', 'package', 'other']).optional(),
  priority: z.number().int().min(-1000).max(1000).optional(),
  channel: z.enum(['all', 'followup', 'reactivation', 'trial', 'general']).optional(),
  audience: z.enum(['all', 'new', 'lost', 'reactivation', 'trial']).optional(),
  courseId: z.number().int().positive().nullable().optional(),
  validFrom: instant.nullable().optional(),
  validUntil: instant.nullable().optional(),
  active: z.boolean().optional(),
});
export type OfferInput = z.input<typeof offerInputSchema>;

export function createOfferService(deps: CoreDeps) {
  const now = () => deps.clock.now();

  async function getOffer(t: Tx, id: number): Promise<Offer> {
    const o = await t.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst();
    if (!o) throw notFound('offer');
    return o;
  }

  async function check(t: Tx, row: { course_id: number | null; valid_from: string | null; valid_until: string | null }) {
    if (row.course_id != null) {
      const c = await t.selectFrom('courses').select('id').where('id', '=', row.course_id).executeTakeFirst();
      if (!c) throw validation('courseId', 'no such course');
    }
    if (row.valid_from && row.valid_until && row.valid_until <= row.valid_from) throw validation('validUntil', 'must be after the start of validity');
  }

  async function create(input: OfferInput, actor: PolicyUser | null): Promise<Offer> {
    assertCan(actor, 'offer.manage');
    const v = parseOrThrow(offerInputSchema, input);
    return tx(deps, async (t) => {
      const row = {
        title: v.title,
        description: v.description ?? null,
        type: v.type ?? 'other',
        priority: v.priority ?? 0,
        channel: v.channel ?? 'all',
        audience: v.audience ?? 'all',
        course_id: v.courseId ?? null,
        valid_from: v.validFrom ?? null,
        valid_until: v.validUntil ?? null,
        active: v.active === false ? 0 : 1,
        created_by: actor?.id ?? null,
        created_at: now().toISOString(),
      } as const;
      await check(t, row);
      return t.insertInto('offers').values(row).returningAll().executeTakeFirstOrThrow();
    });
  }

  async function update(id: number, input: Partial<OfferInput>, actor: PolicyUser | null): Promise<Offer> {
    assertCan(actor, 'offer.manage');
    const v = parseOrThrow(offerInputSchema.partial(), input);
    return tx(deps, async (t) => {
      const o = await getOffer(t, id);
      const patch: Partial<Offer> = {};
      if (v.title !== undefined) patch.title = v.title;
      if (v.description !== undefined) patch.description = v.description;
      if (v.type !== undefined) patch.type = v.type;
      if (v.priority !== undefined) patch.priority = v.priority;
      if (v.channel !== undefined) patch.channel = v.channel;
      if (v.audience !== undefined) patch.audience = v.audience;
      if (v.courseId !== undefined) patch.course_id = v.courseId;
      if (v.validFrom !== undefined) patch.valid_from = v.validFrom;
      if (v.validUntil !== undefined) patch.valid_until = v.validUntil;
      if (v.active !== undefined) patch.active = v.active ? 1 : 0;
      await check(t, { ...o, ...patch });
      if (Object.keys(patch).length) await t.updateTable('offers').set(patch).where('id', '=', id).execute();
      return getOffer(t, id);
    });
  }

  /** Offers are referenced by enrollments, so "delete" deactivates. */
  async function deactivate(id: number, actor: PolicyUser | null): Promise<Offer> {
    return update(id, { active: false }, actor);
  }

  async function list(actor: PolicyUser | null, opts: { activeOnly?: boolean } = {}): Promise<Offer[]> {
    if (opts.activeOnly) {
      assertCan(actor, 'offer.view_active');
      return activeOffersTx(deps.db, now());
    }
    assertCan(actor, 'offer.view');
    return deps.db.selectFrom('offers').selectAll().orderBy('active', 'desc').orderBy('priority', 'desc').orderBy('id', 'desc').execute();
  }

  /** Nightly: deactivates offers whose validity has ended (SPEC §6.5). Idempotent. */
  async function expireOffers(): Promise<{ expired: number }> {
    const r = await deps.db
      .updateTable('offers')
      .set({ active: 0 })
      .where('active', '=', 1)
      .where('valid_until', 'is not', null)
      .where('valid_until', '<=', now().toISOString())
      .executeTakeFirst();
    return { expired: Number(r.numUpdatedRows) };
  }

  return {
    activeOffers: (at: Date = now()) => activeOffersTx(deps.db, at),
    activeForLead: (lead: Pick<Lead, 'status' | 'course_id'>, channel: Exclude<OfferChannel, 'all'>, at: Date = now()) => activeForLeadTx(deps.db, lead, channel, at),
    get: (id: number) => getOffer(deps.db, id),
    create,
    update,
    deactivate,
    list,
    expireOffers,
    /** the scheduler's name for the nightly job */
    expire: () => expireOffers(),
  };
}

export type OfferService = ReturnType<typeof createOfferService>;
