import type { Tx } from '../../db/connection.js';
import type { Lead, ReactivationsTable } from '../../db/types.js';
import { tx, type CoreDeps } from '../deps.js';
import { enqueue } from '../outbox/outbox.js';
import { insertSteps, type OpsCtx } from '../followups/followup-ops.js';
import { applyStatus, distribute } from '../leads/lead-ops.js';
import { activeForLeadTx, activeOffersTx, audienceOf, offerRef } from '../offers/offers.js';
import { addLocalDays, localDate, localInstant } from '../worktime/worktime.js';
import { occupancyOf } from '../groups/group-service.js';

type MilestoneType = ReactivationsTable['type'];

/** SPEC §6.4: days after `lost_at`, latest first. */
export const MILESTONES: ReadonlyArray<{ type: MilestoneType; days: number }> = [
  { type: '30_days', days: 30 },
  { type: '14_days', days: 14 },
  { type: '7_days', days: 7 },
];

/** The latest milestone reached on local date `today` by a lead lost at `lostAt`, or null. */
export function latestMilestone(lostAt: string, today: string, tz: string): { type: MilestoneType; days: number } | null {
  const lostDay = localDate(Date.parse(lostAt), tz);
  return MILESTONES.find((m) => addLocalDays(lostDay, m.days) <= today) ?? null;
}

/**
 * The reactivation job (daily 09:00). For each lead still `lost`, or in `reactivation` of the same
 * lost cycle, the latest milestone reached fires once per cycle (the unique key on
 * (lead, lost_at, type) guarantees it), earlier ones are skipped when several are due at once.
 */
export function createReactivationService(deps: CoreDeps) {
  const ctx = (): OpsCtx => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect });

  /** Leads whose latest reached milestone is `type` and has not fired in this cycle. */
  async function candidates(t: Tx, today: string, m: { type: MilestoneType; days: number }, next: { days: number } | null) {
    // a lead lost on local day D reaches the milestone when D + days <= today
    const lostBefore = new Date(localInstant(addLocalDays(today, 1 - m.days), '00:00', deps.tz)).toISOString();
    let q = t
      .selectFrom('leads')
      .selectAll('leads')
      .where('leads.status', 'in', ['lost', 'reactivation'])
      .where('leads.lost_at', 'is not', null)
      .where('leads.lost_at', '<', lostBefore)
      .where('leads.parked', '=', 0)
      .where('leads.merged_into', 'is', null)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('reactivations as r')
              .select('r.id')
              .whereRef('r.lead_id', '=', 'leads.id')
              .whereRef('r.lost_at', '=', 'leads.lost_at')
              .where('r.type', '=', m.type),
          ),
        ),
      );
    if (next) {
      // those that already reached the next milestone belong to it
      q = q.where('leads.lost_at', '>=', new Date(localInstant(addLocalDays(today, 1 - next.days), '00:00', deps.tz)).toISOString());
    }
    return q.orderBy('leads.lost_at').execute();
  }

  async function offersFor(t: Tx, c: OpsCtx, lead: Lead, days: number) {
    if (days === 7) {
      // the same course again
      const offers = await activeForLeadTx(t, lead, 'reactivation', c.now);
      return { offers: offers.map(offerRef), groups: [] as unknown[] };
    }
    if (days === 14) {
      // another course: offers tied to a course other than the lead's
      const audience = audienceOf(lead.status);
      const offers = (await activeOffersTx(t, c.now)).filter(
        (o) =>
          (o.channel === 'all' || o.channel === 'reactivation') &&
          (o.audience === 'all' || o.audience === audience) &&
          o.course_id != null &&
          o.course_id !== lead.course_id,
      );
      return { offers: offers.map(offerRef), groups: [] as unknown[] };
    }
    // 30 days: groups opened in the last 30 days that still have free seats
    const since = new Date(+c.now - 30 * 86_400_000).toISOString();
    const sinceDate = localDate(+c.now - 30 * 86_400_000, c.tz);
    const groups = await t
      .selectFrom('study_groups as g')
      .innerJoin('courses', 'courses.id', 'g.course_id')
      .select(['g.id', 'g.name', 'g.days', 'g.start_time', 'g.capacity', 'g.current_students', 'g.start_date', 'courses.name as course_name', 'courses.id as course_id'])
      .where('g.active', '=', 1)
      .where((eb) => eb.or([eb('g.created_at', '>=', since), eb('g.start_date', '>=', sinceDate)]))
      .whereRef('g.current_students', '<', 'g.capacity')
      .orderBy('g.id')
      .limit(10)
      .execute();
    const offers = await activeForLeadTx(t, lead, 'reactivation', c.now, { anyCourse: true });
    return {
      offers: offers.map(offerRef),
      groups: groups.map((g) => ({ groupId: g.id, name: g.name, courseName: g.course_name, days: g.days, startTime: g.start_time, freeSpots: occupancyOf(g.current_students, g.capacity).freeSpots })),
    };
  }

  async function fire(t: Tx, c: OpsCtx, lead: Lead, m: { type: MilestoneType; days: number }): Promise<boolean> {
    const inserted = await t
      .insertInto('reactivations')
      .values({ lead_id: lead.id, lost_at: lead.lost_at!, type: m.type, sent_at: c.now.toISOString(), result: null })
      .onConflict((oc) => oc.columns(['lead_id', 'lost_at', 'type']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;

    let current = lead;
    // a salesperson who left cannot work it: the lead goes back into distribution
    if (current.assigned_to != null) {
      const owner = await t.selectFrom('users').select(['is_active', 'role']).where('id', '=', current.assigned_to).executeTakeFirst();
      if (!owner || !owner.is_active || owner.role !== 'sales') {
        await t.updateTable('leads').set({ assigned_to: null, previous_assignee: current.assigned_to }).where('id', '=', current.id).execute();
        current = { ...current, assigned_to: null, previous_assignee: current.assigned_to };
      }
    }
    if (current.status === 'lost') {
      // applyStatus plans the §5.1 `reactivation` follow-up (+5 minutes)
      current = await applyStatus(t, c, current, 'reactivation', { actor: null, data: { reason: 'reactivation milestone', milestone: m.type } });
    } else {
      const open = await t.selectFrom('follow_ups').select('id').where('lead_id', '=', current.id).where('state', '=', 'open').executeTakeFirst();
      if (!open) {
        await insertSteps(t, c, current, [{ kind: `reactivation:${m.type}`, planStatus: 'reactivation', step: 1, due: +c.now }]);
      }
    }
    if (current.assigned_to == null) current = (await distribute(t, c, current, null)) ?? current;
    await t.updateTable('reactivations').set({ result: current.assigned_to == null ? 'queued' : 'notified' }).where('lead_id', '=', lead.id).where('lost_at', '=', lead.lost_at!).where('type', '=', m.type).execute();
    if (current.assigned_to != null) {
      const user = await t.selectFrom('users').selectAll().where('id', '=', current.assigned_to).executeTakeFirst();
      if (user) {
        const course = current.course_id ? await t.selectFrom('courses').select('name').where('id', '=', current.course_id).executeTakeFirst() : undefined;
        const { offers, groups } = await offersFor(t, c, current, m.days);
        await enqueue(t, c, {
          kind: 'reactivation_milestone',
          user,
          payload: {
            leadId: current.id,
            leadName: current.name,
            phone: current.phone,
            days: m.days,
            milestone: m.type,
            lostAt: lead.lost_at,
            lostReason: lead.lost_reason,
            courseName: course?.name ?? null,
            offers,
            groups,
          },
          dedupeKey: `reactivation:${lead.id}:${lead.lost_at}:${m.type}`,
        });
      }
    }
    return true;
  }

  /** `slot`: the 09:00 the run stands for, so a catch-up after downtime fires that day's milestones, not today's */
  async function runReactivation(opts: { slot?: Date } = {}) {
    return tx(deps, async (t) => {
      const c = ctx();
      const today = localDate(opts.slot ?? c.now, c.tz);
      const fired: Record<MilestoneType, number> = { '7_days': 0, '14_days': 0, '30_days': 0 };
      for (let i = 0; i < MILESTONES.length; i++) {
        const m = MILESTONES[i];
        const next = i > 0 ? MILESTONES[i - 1] : null;
        for (const lead of await candidates(t, today, m, next)) {
          if (await fire(t, c, lead, m)) fired[m.type]++;
        }
      }
      return { fired };
    });
  }

  return {
    runReactivation,
    history: (leadId: number) => deps.db.selectFrom('reactivations').selectAll().where('lead_id', '=', leadId).orderBy('id').execute(),
  };
}

export type ReactivationService = ReturnType<typeof createReactivationService>;
