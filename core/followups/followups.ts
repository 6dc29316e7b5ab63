import type { Tx } from '../../db/connection.js';
import type { FollowUp, Lead } from '../../db/types.js';
import { AppError, forbidden, notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { enqueue, managers } from '../outbox/outbox.js';
import { loadSchedules } from '../worktime/schedules.js';
import { addLocalDays, addWorkingMinutes, localDate, localInstant, shiftIntoWorkingTime, workingMinutesBetween } from '../worktime/worktime.js';
import { BLOCK_THRESHOLD } from '../distribution/distribution.js';
import { addEvent, assignTo, getLead, type Actor } from '../leads/lead-ops.js';
import { activeSalesperson } from '../users/users.js';

/** how often the overdue scan runs (scheduler/jobs.ts): past that, a missed "due" reminder is the overdue notice's job */
const OVERDUE_SCAN_MS = 15 * 60_000;
import { planNextStep, placeDue, scheduleOf, type OpsCtx } from './followup-ops.js';

export const MAX_SNOOZES = 3;
const isManager = (a: Actor) => a?.role === 'admin' || a?.role === 'sales_manager';

export async function getFollowUp(db: Tx, id: number): Promise<FollowUp> {
  const fu = await db.selectFrom('follow_ups').selectAll().where('id', '=', id).executeTakeFirst();
  if (!fu) throw notFound('follow-up');
  return fu;
}

function assertOwn(actor: Actor, fu: FollowUp) {
  if (actor && actor.role === 'sales' && fu.sales_id !== actor.id) throw notFound('follow-up');
}

export async function completeTx(t: Tx, ctx: OpsCtx, fu: FollowUp, actor: Actor, note?: string | null): Promise<FollowUp> {
  assertOwn(actor, fu);
  if (fu.state !== 'open') throw new AppError('CONFLICT', fu.state === 'done' ? 'The follow-up is already done' : 'The follow-up was closed because the status moved on');
  const nowIso = ctx.now.toISOString();
  await t
    .updateTable('follow_ups')
    .set({ state: 'done', completed_at: nowIso, completed_by: actor?.id ?? null, closed_at: nowIso, notes: note ?? fu.notes })
    .where('id', '=', fu.id)
    .execute();
  await addEvent(t, ctx, fu.lead_id, actor?.id ?? null, 'followup_done', { data: { followUpId: fu.id, kind: fu.kind, note: note ?? undefined } });
  const lead = await getLead(t, fu.lead_id);
  await planNextStep(t, ctx, fu, lead);
  return getFollowUp(t, fu.id);
}

export async function snoozeTx(t: Tx, ctx: OpsCtx, fu: FollowUp, until: string, actor: Actor): Promise<FollowUp> {
  assertOwn(actor, fu);
  if (actor?.role === 'sales' && fu.sales_id !== actor.id) throw forbidden('only your own follow-ups can be snoozed');
  if (fu.state !== 'open') throw new AppError('CONFLICT', 'Only an open follow-up can be snoozed');
  if (fu.snooze_count >= MAX_SNOOZES) throw new AppError('CONFLICT', `A follow-up can be snoozed at most ${MAX_SNOOZES} times`, { until: 'no snoozes left' });
  const at = Date.parse(until);
  if (Number.isNaN(at)) throw validation('until', 'must be a date and time');
  if (at <= +ctx.now || at <= Date.parse(fu.due_at)) throw validation('until', 'must be later than now and than the current due time');
  const due = placeDue(await scheduleOf(t, ctx, fu.sales_id), +ctx.now, at) ?? at;
  await t
    .updateTable('follow_ups')
    .set({ due_at: new Date(due).toISOString(), snooze_count: fu.snooze_count + 1, reminder_sent: 0, overdue: 0, overdue_notified: 0 })
    .where('id', '=', fu.id)
    .execute();
  await addEvent(t, ctx, fu.lead_id, actor?.id ?? null, 'followup_snoozed', { data: { followUpId: fu.id, from: fu.due_at, to: new Date(due).toISOString(), count: fu.snooze_count + 1 } });
  return getFollowUp(t, fu.id);
}

export function createFollowUpService(deps: CoreDeps) {
  const ctx = (): OpsCtx => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect, schedules: new Map() });

  async function complete(id: number, actor: Actor, note?: string | null) {
    return tx(deps, async (t) => completeTx(t, ctx(), await getFollowUp(t, id), actor, note));
  }
  async function snooze(id: number, until: string, actor: Actor) {
    return tx(deps, async (t) => snoozeTx(t, ctx(), await getFollowUp(t, id), until, actor));
  }

  /** Follow-ups of one person: due today, overdue, upcoming (SPEC §5). */
  async function listFor(userId: number, opts: { from?: string; to?: string; overdueOnly?: boolean; limit?: number } = {}) {
    const now = deps.clock.now().toISOString();
    let q = deps.db
      .selectFrom('follow_ups')
      .innerJoin('leads', 'leads.id', 'follow_ups.lead_id')
      .select([
        'follow_ups.id',
        'follow_ups.lead_id',
        'follow_ups.due_at',
        'follow_ups.kind',
        'follow_ups.snooze_count',
        'follow_ups.overdue',
        'follow_ups.sales_id',
        'leads.name as lead_name',
        'leads.phone as lead_phone',
        'leads.status as lead_status',
      ])
      .where('follow_ups.sales_id', '=', userId)
      .where('follow_ups.state', '=', 'open');
    if (opts.overdueOnly) q = q.where('follow_ups.due_at', '<', now);
    if (opts.from) q = q.where('follow_ups.due_at', '>=', opts.from);
    if (opts.to) q = q.where('follow_ups.due_at', '<', opts.to);
    return q.orderBy('follow_ups.due_at').limit(opts.limit ?? 200).execute();
  }

  /**
   * A person's agenda for their local today: everything overdue, and what falls due from now to
   * the end of the day. Only managers may look at another person's.
   */
  async function agenda(userId: number, actor: Actor) {
    if (actor && actor.id !== userId && !isManager(actor)) throw forbidden("only managers see another person's follow-ups");
    const now = deps.clock.now();
    const date = localDate(now, deps.tz);
    const endOfDay = new Date(localInstant(addLocalDays(date, 1), '00:00', deps.tz)).toISOString();
    const [overdue, today] = await Promise.all([
      listFor(userId, { overdueOnly: true, limit: 500 }),
      listFor(userId, { from: now.toISOString(), to: endOfDay, limit: 500 }),
    ]);
    return { date, overdue, today };
  }

  function requireManager(actor: Actor) {
    if (!isManager(actor)) throw forbidden('bulk operations are for managers');
  }

  async function bulkReschedule(ids: number[], to: string, actor: Actor) {
    requireManager(actor);
    const at = Date.parse(to);
    if (Number.isNaN(at)) throw validation('to', 'must be a date and time');
    return tx(deps, async (t) => {
      const c = ctx();
      let n = 0;
      for (const id of ids) {
        const fu = await getFollowUp(t, id);
        if (fu.state !== 'open') continue;
        const due = placeDue(await scheduleOf(t, c, fu.sales_id), +c.now, at) ?? at;
        await t.updateTable('follow_ups').set({ due_at: new Date(due).toISOString(), reminder_sent: 0, overdue: 0, overdue_notified: 0 }).where('id', '=', id).execute();
        await addEvent(t, c, fu.lead_id, actor?.id ?? null, 'followup_rescheduled', { data: { followUpId: id, from: fu.due_at, to: new Date(due).toISOString(), bulk: true } });
        n++;
      }
      return { updated: n };
    });
  }

  async function bulkComplete(ids: number[], actor: Actor) {
    requireManager(actor);
    return tx(deps, async (t) => {
      let n = 0;
      for (const id of ids) {
        const fu = await getFollowUp(t, id);
        if (fu.state !== 'open') continue;
        await completeTx(t, ctx(), fu, actor, 'bulk');
        n++;
      }
      return { updated: n };
    });
  }

  /** Reassigns the leads of the given follow-ups (their open follow-ups move with them). */
  async function bulkReassign(ids: number[], toUserId: number, actor: Actor) {
    requireManager(actor);
    return tx(deps, async (t) => {
      await activeSalesperson(t, toUserId, 'toUserId');
      const leadIds = new Set<number>();
      for (const id of ids) leadIds.add((await getFollowUp(t, id)).lead_id);
      for (const leadId of leadIds) await assignTo(t, ctx(), await getLead(t, leadId), toUserId, 'bulk reassignment by a manager', actor?.id ?? null);
      return { updated: leadIds.size };
    });
  }

  /**
   * Marks follow-ups overdue and tells each owner once; starts/ends ≥5-overdue blocks and alerts
   * managers once per block (SPEC §5.3). Idempotent.
   */
  async function markOverdue() {
    return tx(deps, async (t) => {
      const c = ctx();
      const nowIso = c.now.toISOString();
      const rows = await t
        .selectFrom('follow_ups')
        .innerJoin('leads', 'leads.id', 'follow_ups.lead_id')
        .select(['follow_ups.id', 'follow_ups.sales_id', 'follow_ups.lead_id', 'follow_ups.due_at', 'follow_ups.kind', 'leads.name', 'leads.phone'])
        .where('follow_ups.state', '=', 'open')
        .where('follow_ups.overdue', '=', 0)
        .where('follow_ups.due_at', '<', nowIso)
        .execute();
      const owners = new Map<number, any>();
      for (const r of rows) {
        await t.updateTable('follow_ups').set({ overdue: 1, overdue_notified: 1 }).where('id', '=', r.id).where('overdue', '=', 0).execute();
        if (r.sales_id == null) continue;
        if (!owners.has(r.sales_id)) owners.set(r.sales_id, await t.selectFrom('users').selectAll().where('id', '=', r.sales_id).executeTakeFirst());
        const owner = owners.get(r.sales_id);
        if (owner) {
          await enqueue(t, c, {
            kind: 'followup_overdue',
            user: owner,
            payload: { followUpId: r.id, leadId: r.lead_id, leadName: r.name, phone: r.phone, dueAt: r.due_at, kind: r.kind },
            // per due time: a snooze or reschedule clears the overdue flag, and missing the new
            // time is a new lapse its owner hears about (once again)
            dedupeKey: `overdue:${r.id}:${r.due_at}`,
          });
        }
      }
      const counts = await t
        .selectFrom('follow_ups')
        .select(['sales_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', '=', 'open')
        .where('due_at', '<', nowIso)
        .where('sales_id', 'is not', null)
        .groupBy('sales_id')
        .execute();
      const countOf = new Map(counts.map((r) => [r.sales_id as number, Number(r.n)]));
      const sales = await t.selectFrom('users').selectAll().where('role', '=', 'sales').execute();
      let blocksStarted = 0;
      let blocksEnded = 0;
      for (const u of sales) {
        const n = countOf.get(u.id) ?? 0;
        if (n >= BLOCK_THRESHOLD && !u.blocked_since) {
          await t.updateTable('users').set({ blocked_since: nowIso }).where('id', '=', u.id).execute();
          for (const m of await managers(t)) {
            // field names as the renderer reads them (OutboxPayloads['block_started'])
            await enqueue(t, c, { kind: 'block_started', user: m, payload: { userId: u.id, userName: u.full_name, overdueCount: n }, dedupeKey: `block:${u.id}:${nowIso}:${m.id}` });
          }
          blocksStarted++;
        } else if (n < BLOCK_THRESHOLD && u.blocked_since) {
          await t.updateTable('users').set({ blocked_since: null }).where('id', '=', u.id).execute();
          blocksEnded++;
        }
      }
      return { markedOverdue: rows.length, blocksStarted, blocksEnded };
    });
  }

  /**
   * Queues "follow-up due" reminders for follow-ups falling due before the next run, once each.
   * One whose due time passed more than an overdue-scan period ago (the process was down) gets no
   * "due" reminder: it is overdue, and the overdue notice tells its owner once.
   */
  async function queueDueReminders(horizonMs = 5 * 60_000) {
    return tx(deps, async (t) => {
      const c = ctx();
      const until = new Date(+c.now + horizonMs).toISOString();
      const stale = new Date(+c.now - OVERDUE_SCAN_MS).toISOString();
      const rows = await t
        .selectFrom('follow_ups')
        .innerJoin('leads', 'leads.id', 'follow_ups.lead_id')
        .select(['follow_ups.id', 'follow_ups.sales_id', 'follow_ups.lead_id', 'follow_ups.due_at', 'follow_ups.kind', 'leads.name', 'leads.phone', 'leads.status'])
        .where('follow_ups.state', '=', 'open')
        .where('follow_ups.reminder_sent', '=', 0)
        .where('follow_ups.due_at', '>=', stale)
        .where('follow_ups.due_at', '<', until)
        .execute();
      for (const r of rows) {
        await t.updateTable('follow_ups').set({ reminder_sent: 1 }).where('id', '=', r.id).execute();
        if (r.sales_id == null) continue;
        const owner = await t.selectFrom('users').selectAll().where('id', '=', r.sales_id).executeTakeFirst();
        if (!owner) continue;
        const due = Date.parse(r.due_at);
        await enqueue(t, c, {
          kind: 'followup_due',
          user: owner,
          payload: { followUpId: r.id, leadId: r.lead_id, leadName: r.name, phone: r.phone, dueAt: r.due_at, kind: r.kind, status: r.status },
          notBefore: new Date(Math.max(due, +c.now)),
          dedupeKey: `due:${r.id}:${r.due_at}`,
        });
      }
      return { reminders: rows.length };
    });
  }

  /** A `new` lead not contacted within the first-response target (working minutes) alerts managers once. */
  async function checkFirstResponse() {
    return tx(deps, async (t) => {
      const c = ctx();
      const settings = await t.selectFrom('center_settings').select('first_response_minutes').where('id', '=', 1).executeTakeFirst();
      const target = settings?.first_response_minutes ?? 15;
      const latestAssigned = new Date(+c.now - target * 60_000).toISOString();
      const leads = await t
        .selectFrom('leads')
        .selectAll()
        .where('status', '=', 'new')
        .where('parked', '=', 0)
        .where('first_response_alerted', '=', 0)
        .where('first_contact_at', 'is', null)
        .where('assigned_to', 'is not', null)
        .where('assigned_at', '<=', latestAssigned)
        .execute();
      if (!leads.length) return { breaches: 0 };
      const users = await t.selectFrom('users').selectAll().where('id', 'in', [...new Set(leads.map((l) => l.assigned_to!))]).execute();
      const schedules = await loadSchedules(t, c.tz, users, new Date(Math.min(...leads.map((l) => Date.parse(l.assigned_at!)))));
      let breaches = 0;
      for (const l of leads) {
        const sched = schedules.get(l.assigned_to!);
        if (!sched) continue;
        const deadline = addWorkingMinutes(sched, shiftIntoWorkingTime(sched, Date.parse(l.assigned_at!)), target);
        if (deadline === null || deadline > +c.now) continue;
        await t.updateTable('leads').set({ first_response_alerted: 1 }).where('id', '=', l.id).execute();
        const u = users.find((x) => x.id === l.assigned_to);
        // the working minutes the lead has waited so far (at least the target)
        const minutes = Math.round(workingMinutesBetween(sched, Date.parse(l.assigned_at!), +c.now));
        for (const m of await managers(t)) {
          await enqueue(t, c, {
            kind: 'first_response_breach',
            user: m,
            payload: { leadId: l.id, leadName: l.name, phone: l.phone, salesId: l.assigned_to, salespersonName: u?.full_name ?? null, minutes, targetMinutes: target, assignedAt: l.assigned_at },
            dedupeKey: `first_response:${l.id}:${m.id}`,
          });
        }
        breaches++;
      }
      return { breaches };
    });
  }

  return { complete, snooze, listFor, agenda, bulkReschedule, bulkComplete, bulkReassign, markOverdue, queueDueReminders, checkFirstResponse, get: (id: number) => getFollowUp(deps.db, id) };
}

export type FollowUpService = ReturnType<typeof createFollowUpService>;
export type { Lead };
