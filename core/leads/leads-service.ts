import type { Tx } from '../../db/connection.js';
import { createGroupCommit } from '../../db/group-commit.js';
import type { Lead, LeadSource, LeadStatus, User } from '../../db/types.js';
import { AppError, forbidden, notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import type { OpsCtx } from '../followups/followup-ops.js';
import { joinWaitlist } from '../groups/groups.js';
import { availableSalespeople, pickAssignee, reasonFor } from '../distribution/distribution.js';
import { cancelTrialTx, getTrial, moveTrialTx, type TrialSlot } from '../trials/trials.js';
import { enqueue } from '../outbox/outbox.js';
import { intakeTx, normalizeIntake, releaseOne, type IntakeInput, type IntakeResult } from './intake.js';
import { addEvent, adjustOpenCount, assertOwnLead, assignTo, distribute, getLead, notifyManagers, type Actor } from './lead-ops.js';
import { addNoteTx, logCallTx, moveTx, recordTrialResultTx, type CallInput, type MoveInput } from './pipeline.js';
import { isOpen, OPEN_STATUSES } from './statuses.js';
import { deleteLeadTx, updateDetailsTx, type DetailsInput } from './lead-admin.js';
import { kvDelete, kvGet, kvSet } from '../shared/kv-state.js';
import { activeSalesperson } from '../users/users.js';
import { assertCan, type Action } from '../policy/policy.js';

/** kv_state key: the newest queued lead managers were told about, and when */
const UNASSIGNED_TOLD = 'scheduler:unassigned-waiting-told';

const isManager = (a: Actor) => a?.role === 'admin' || a?.role === 'sales_manager';

/**
 * SPEC §10 trials row: a sales manager views trials and corrects results; booking, moving and
 * cancelling are the lead's salesperson's (and an admin's). The lead's ownership was checked first.
 */
function assertTrialAction(actor: Actor, action: Extract<Action, 'trial.book' | 'trial.move' | 'trial.cancel'>, lead: Lead) {
  if (actor) assertCan(actor, action, { ownerId: lead.assigned_to }, 'trial');
}

export interface LeadListFilter {
  assignedTo?: number | null;
  status?: LeadStatus[];
  source?: LeadSource[];
  q?: string;
  parked?: boolean;
  unassigned?: boolean;
  openOnly?: boolean;
  /** keyset: return leads with id below this (newest first) */
  before?: number;
  limit?: number;
}

/**
 * What a lead list row carries: the columns the Mini App's list, the bot's lead picker and a
 * manager's assignee filter use. The full lead (notes, UTM, timestamps) comes with the lead
 * itself; reading and sending all ~36 columns for 50 rows was most of the my-leads request.
 */
export const LEAD_LIST_COLUMNS = ['id', 'name', 'phone', 'status', 'source', 'course_id', 'assigned_to', 'created_at'] as const;
export type LeadListRow = Pick<Lead, (typeof LEAD_LIST_COLUMNS)[number]>;

export function createLeadService(deps: CoreDeps) {
  // concurrent intakes (a burst of landing posts) share one SQLite commit; see db/group-commit.ts
  const intakes = createGroupCommit(deps.db, deps.dialect);
  const ctx = (): OpsCtx & { dialect: typeof deps.dialect } => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect, schedules: new Map() });

  async function leadFor(t: Tx, id: number, actor: Actor): Promise<Lead> {
    const lead = await getLead(t, id);
    assertOwnLead(actor, lead);
    return lead;
  }

  /** `opts.toUserId`: a manager hands the new lead to this salesperson instead of distributing it (same transaction). */
  async function intake(input: IntakeInput, actor: (Actor & Partial<User>) | null = null, opts: { toUserId?: number; reason?: string } = {}): Promise<IntakeResult> {
    if (opts.toUserId != null && !isManager(actor)) throw forbidden('only managers choose who gets a new lead');
    const normalized = normalizeIntake(input);
    return intakes.run((t, memo, collect) => {
      // the intakes of one transaction share the shift roster and the schedules they plan with
      let schedules = memo.get('schedules') as OpsCtx['schedules'];
      if (!schedules) memo.set('schedules', (schedules = new Map()));
      return intakeTx(t, { ...ctx(), memo, schedules, collect }, normalized, actor, opts);
    });
  }

  /** An admin's correction of contact details (SPEC §10 "edit"); status and assignee have their own doors. */
  async function updateDetails(id: number, input: DetailsInput, actor: Actor) {
    return tx(deps, async (t) => updateDetailsTx(t, ctx(), id, input, actor));
  }

  /** An admin deletes a lead and everything hanging off it (SPEC §10 "delete"); logged without personal data. */
  async function remove(id: number, actor: Actor) {
    const summary = await tx(deps, async (t) => deleteLeadTx(t, ctx(), id, actor));
    deps.log.info({ ...summary, actorId: actor?.id ?? null }, 'lead deleted');
    return summary;
  }

  async function get(id: number, actor: Actor) {
    return leadFor(deps.db, id, actor);
  }

  /** A lead with its timeline, follow-ups and trials (the Lead screen). */
  async function details(id: number, actor: Actor) {
    const lead = await leadFor(deps.db, id, actor);
    const [events, followUps, trials] = await Promise.all([
      deps.db.selectFrom('lead_events').leftJoin('users', 'users.id', 'lead_events.actor_id').select([
        'lead_events.id', 'lead_events.type', 'lead_events.from_status', 'lead_events.to_status', 'lead_events.data', 'lead_events.created_at', 'lead_events.actor_id', 'users.full_name as actor_name',
      ]).where('lead_id', '=', id).orderBy('lead_events.id', 'desc').limit(200).execute(),
      deps.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', id).orderBy('due_at', 'desc').limit(100).execute(),
      deps.db.selectFrom('trials').selectAll().where('lead_id', '=', id).orderBy('id', 'desc').execute(),
    ]);
    return { lead, events: events.map((e) => ({ ...e, data: e.data ? JSON.parse(e.data) : null })), followUps, trials };
  }

  /** Newest first with keyset pagination on id, so pages stay stable while new leads arrive. */
  async function list(filter: LeadListFilter, actor: Actor): Promise<{ items: LeadListRow[]; next: number | null }> {
    // a salesperson sees only their own leads: asking for someone else's, the queue or parked ones is refused
    if (actor?.role === 'sales' && ((filter.assignedTo !== undefined && filter.assignedTo !== actor.id) || filter.unassigned !== undefined || filter.parked !== undefined)) {
      throw forbidden('assignedTo, unassigned and parked are manager filters');
    }
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
    let q = deps.db.selectFrom('leads').select(LEAD_LIST_COLUMNS).where('merged_into', 'is', null);
    if (actor?.role === 'sales') q = q.where('assigned_to', '=', actor.id);
    else if (filter.assignedTo !== undefined) q = filter.assignedTo === null ? q.where('assigned_to', 'is', null) : q.where('assigned_to', '=', filter.assignedTo);
    if (filter.unassigned) q = q.where('assigned_to', 'is', null).where('parked', '=', 0);
    if (filter.parked !== undefined) q = q.where('parked', '=', filter.parked ? 1 : 0);
    if (filter.status?.length) q = q.where('status', 'in', filter.status);
    else if (filter.openOnly) q = q.where('status', 'in', OPEN_STATUSES);
    if (filter.source?.length) q = q.where('source', 'in', filter.source);
    if (filter.q?.trim()) {
      const text = filter.q.trim().toLowerCase();
      const digits = text.replace(/\D/g, '');
      q = q.where((eb) => {
        const ors = [eb(eb.fn('lower', ['name']), 'like', `%${text}%`)];
        if (digits.length >= 3) ors.push(eb('phone', 'like', `%${digits}%`), eb('phone2', 'like', `%${digits}%`));
        return eb.or(ors);
      });
    }
    if (filter.before) q = q.where('id', '<', filter.before);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    const page = rows.slice(0, limit);
    return { items: page, next: rows.length > limit ? page[page.length - 1].id : null };
  }

  async function move(id: number, input: MoveInput, actor: Actor) {
    return tx(deps, async (t) => {
      const lead = await leadFor(t, id, actor);
      // a move to trial_registered books a trial
      if (input.to === 'trial_registered') assertTrialAction(actor, 'trial.book', lead);
      return moveTx(t, ctx(), lead, input, actor);
    });
  }

  async function correctStatus(id: number, input: MoveInput & { reason: string }, actor: Actor) {
    return tx(deps, async (t) => moveTx(t, ctx(), await leadFor(t, id, actor), input, actor, { reason: input.reason }));
  }

  async function logCall(id: number, input: CallInput, actor: Actor) {
    return tx(deps, async (t) => logCallTx(t, ctx(), await leadFor(t, id, actor), input, actor));
  }

  async function addNote(id: number, text: string, actor: Actor) {
    return tx(deps, async (t) => addNoteTx(t, ctx(), await leadFor(t, id, actor), text, actor));
  }

  async function bookTrial(id: number, slot: TrialSlot, actor: Actor) {
    return tx(deps, async (t) => {
      const lead = await leadFor(t, id, actor);
      assertTrialAction(actor, 'trial.book', lead);
      const moved = await moveTx(t, ctx(), lead, { to: 'trial_registered', trial: slot }, actor);
      const trial = await t.selectFrom('trials').selectAll().where('lead_id', '=', id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      return { lead: moved, trial };
    });
  }

  async function trialAndLead(t: Tx, trialId: number, actor: Actor) {
    const trial = await getTrial(t, trialId);
    const lead = await getLead(t, trial.lead_id);
    try {
      assertOwnLead(actor, lead);
    } catch {
      throw notFound('trial');
    }
    return { trial, lead };
  }

  async function moveTrial(trialId: number, slot: TrialSlot, actor: Actor) {
    return tx(deps, async (t) => {
      const { trial, lead } = await trialAndLead(t, trialId, actor);
      assertTrialAction(actor, 'trial.move', lead);
      return moveTrialTx(t, ctx(), trial, lead, slot, actor);
    });
  }

  async function cancelTrial(trialId: number, actor: Actor, reason?: string) {
    return tx(deps, async (t) => {
      const { trial, lead } = await trialAndLead(t, trialId, actor);
      assertTrialAction(actor, 'trial.cancel', lead);
      return cancelTrialTx(t, ctx(), trial, lead, actor, reason);
    });
  }

  async function recordTrialResult(
    trialId: number,
    result: Parameters<typeof recordTrialResultTx>[4],
    actor: Actor,
    extra: Parameters<typeof recordTrialResultTx>[6] = {},
  ) {
    return tx(deps, async (t) => {
      const { trial, lead } = await trialAndLead(t, trialId, actor);
      return recordTrialResultTx(t, ctx(), trial, lead, result, actor, extra);
    });
  }

  async function enroll(id: number, input: { groupId: number; agreedPrice?: number | null; offerId?: number | null }, actor: Actor) {
    return tx(deps, async (t) => {
      const lead = await leadFor(t, id, actor);
      if (!['interested', 'trial_registered', 'trial_attended', 'offer_sent', 'reactivation'].includes(lead.status)) {
        throw new AppError('INVALID_TRANSITION', `A lead in status ${lead.status} cannot be enrolled`);
      }
      // as the status move: the lead's trial is settled with it (accepted, or cancelled before the lesson)
      return moveTx(t, ctx(), lead, { to: 'enrolled', ...input }, actor);
    });
  }

  async function waitlist(id: number, groupId: number, actor: Actor) {
    return tx(deps, async (t) => {
      const lead = await leadFor(t, id, actor);
      if (!isOpen(lead.status)) throw new AppError('INVALID_TRANSITION', 'Only an open lead can wait for a spot');
      await joinWaitlist(t, ctx(), lead, groupId);
      await addEvent(t, ctx(), id, actor?.id ?? null, 'waitlisted', { data: { groupId } });
      return { ok: true };
    });
  }

  /** Manual (re)assignment by a manager; the lead's open follow-ups move with it, re-shifted. */
  async function assign(ids: number[], toUserId: number, actor: Actor, reason = 'assigned by a manager') {
    if (!isManager(actor)) throw forbidden('only managers assign leads');
    if (!ids.length) throw validation('leadIds', 'choose at least one lead');
    return tx(deps, async (t) => {
      await activeSalesperson(t, toUserId, 'toUserId');
      const out: Lead[] = [];
      for (const id of ids) {
        let lead = await getLead(t, id);
        if (lead.parked) lead = await releaseOne(t, ctx(), lead, actor?.id ?? null, reason, toUserId);
        else lead = await assignTo(t, ctx(), lead, toUserId, reason, actor?.id ?? null);
        out.push(lead);
      }
      return out;
    });
  }

  /**
   * Assigns queued (unassigned, not parked) leads in arrival order (when they entered their
   * status: a returning lead queues from its return, not from its first visit) while someone is
   * available. The whole queue is walked in pages, and a course nobody can take now is not tried
   * again in the same run, so leads nobody covers never hold up the ones behind them.
   */
  async function assignQueued() {
    return tx(deps, async (t) => {
      const c = ctx();
      let assigned = 0;
      let waiting = 0;
      let newestWaiting = 0;
      const nobodyFor = new Set<number | null>();
      let after: { status_at: string; id: number } | null = null;
      for (;;) {
        let q = t
          .selectFrom('leads')
          .selectAll()
          .where('assigned_to', 'is', null)
          .where('parked', '=', 0)
          .where('merged_into', 'is', null)
          .where('status', 'in', OPEN_STATUSES);
        if (after) {
          const { status_at, id } = after;
          q = q.where((eb) => eb.or([eb('status_at', '>', status_at), eb.and([eb('status_at', '=', status_at), eb('id', '>', id)])]));
        }
        const page = await q.orderBy('status_at').orderBy('id').limit(500).execute();
        for (const lead of page) {
          // nobody available for any course: the rest of the queue waits too
          const done = nobodyFor.has(null) || nobodyFor.has(lead.course_id) ? null : await distribute(t, c, lead, null);
          if (done) assigned++;
          else {
            nobodyFor.add(lead.course_id);
            waiting++;
            newestWaiting = Math.max(newestWaiting, lead.id);
          }
        }
        if (page.length < 500) break;
        const last = page[page.length - 1];
        after = { status_at: last.status_at, id: last.id };
      }
      // Managers hear about waiting leads once, and again only when more leads have joined the
      // queue since (at most once an hour): the same two leads waiting through the night are not
      // worth a message every hour. An empty queue ends the episode.
      const told = await kvGet<{ newestId: number; at: string }>(t, UNASSIGNED_TOLD);
      if (waiting === 0) {
        if (told) await kvDelete(t, UNASSIGNED_TOLD);
      } else if (!told || (newestWaiting > told.newestId && +c.now - Date.parse(told.at) >= 3_600_000)) {
        await notifyManagers(t, c, 'unassigned_waiting', { count: waiting }, `unassigned:${c.now.toISOString()}`);
        await kvSet(t, UNASSIGNED_TOLD, { newestId: newestWaiting, at: c.now.toISOString() }, c.now);
      }
      return { assigned, waiting };
    });
  }

  /**
   * Releases parked leads: given ids, a filter, or N per available salesperson; or all.
   */
  async function releaseParked(opts: { ids?: number[]; source?: LeadSource; perSalesperson?: number; limit?: number }, actor: Actor) {
    if (!isManager(actor)) throw forbidden('only managers release parked leads');
    return tx(deps, async (t) => {
      const c = ctx();
      let q = t.selectFrom('leads').selectAll().where('parked', '=', 1).where('merged_into', 'is', null);
      if (opts.ids?.length) q = q.where('id', 'in', opts.ids);
      if (opts.source) q = q.where('source', '=', opts.source);
      let released = 0;
      if (opts.perSalesperson) {
        const n = opts.perSalesperson;
        if (!Number.isInteger(n) || n < 1) throw validation('perSalesperson', 'must be a positive whole number');
        const people = await availableSalespeople(t, c);
        if (!people.length) throw new AppError('CONFLICT', 'Nobody is available to receive leads now');
        const leads = await q.orderBy('id').limit(n * people.length).execute();
        let i = 0;
        for (const lead of leads) {
          await releaseOne(t, c, lead, actor?.id ?? null, `released: ${n} per salesperson`, people[i % people.length].id);
          i++;
          released++;
        }
        return { released };
      }
      const leads = await q.orderBy('id').limit(opts.limit ?? 100_000).execute();
      for (const lead of leads) {
        await releaseOne(t, c, lead, actor?.id ?? null, 'released by a manager');
        released++;
      }
      return { released };
    });
  }

  /** Merges `otherId` into `survivorId`: events, follow-ups, trials and phones move; a merged event on both. */
  async function merge(survivorId: number, otherId: number, actor: Actor) {
    if (!isManager(actor)) throw forbidden('only managers merge leads');
    if (survivorId === otherId) throw validation('otherId', 'choose two different leads');
    return tx(deps, async (t) => {
      const c = ctx();
      const survivor = await getLead(t, survivorId);
      const other = await getLead(t, otherId);
      await t.updateTable('lead_events').set({ lead_id: survivorId }).where('lead_id', '=', otherId).execute();
      await t.updateTable('follow_ups').set({ lead_id: survivorId, sales_id: survivor.assigned_to }).where('lead_id', '=', otherId).execute();
      await t.updateTable('trials').set({ lead_id: survivorId }).where('lead_id', '=', otherId).execute();
      await t.updateTable('waitlist').set({ lead_id: survivorId }).where('lead_id', '=', otherId).execute().catch(() => undefined);
      await t.updateTable('lead_phones').set({ lead_id: survivorId }).where('lead_id', '=', otherId).execute();
      const patch: Partial<Lead> = { updated_at: c.now.toISOString() };
      if (!survivor.phone2 && other.phone !== survivor.phone) patch.phone2 = other.phone;
      if (other.notes) patch.notes = survivor.notes ? `${survivor.notes}\n${other.notes}` : other.notes;
      await t.updateTable('leads').set(patch).where('id', '=', survivorId).execute();
      if (other.parked === 0 && isOpen(other.status)) await adjustOpenCount(t, other.assigned_to, -1);
      await t.updateTable('leads').set({ merged_into: survivorId, assigned_to: null, updated_at: c.now.toISOString() }).where('id', '=', otherId).execute();
      await addEvent(t, c, survivorId, actor?.id ?? null, 'merged', { data: { survivor: survivorId, merged: otherId } });
      await addEvent(t, c, otherId, actor?.id ?? null, 'merged', { data: { survivor: survivorId, merged: otherId } });
      return getLead(t, survivorId);
    });
  }

  /** Deactivates a salesperson and hands their open leads over (to one person, or by distribution) in one step. */
  async function deactivateSalesperson(userId: number, opts: { toUserId?: number }, actor: Actor) {
    if (!isManager(actor)) throw forbidden('only managers deactivate staff');
    return tx(deps, async (t) => {
      const c = ctx();
      const user = await t.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
      if (!user) throw notFound('user');
      if (actor?.role === 'sales_manager' && user.role !== 'sales') throw forbidden('managers manage salespeople only');
      if (opts.toUserId != null) await activeSalesperson(t, opts.toUserId, 'toUserId', userId);
      await t.updateTable('users').set({ is_active: 0, is_active_sales: 0, updated_at: c.now.toISOString() }).where('id', '=', userId).execute();
      const leads = await t.selectFrom('leads').selectAll().where('assigned_to', '=', userId).where('status', 'in', OPEN_STATUSES).where('merged_into', 'is', null).execute();
      let handed = 0;
      let queued = 0;
      for (const lead of leads) {
        if (opts.toUserId) {
          await assignTo(t, c, lead, opts.toUserId, `handover: ${user.full_name} deactivated`, actor?.id ?? null);
          handed++;
          continue;
        }
        const cands = (await availableSalespeople(t, c, { courseId: lead.course_id })).filter((x) => x.id !== userId);
        const chosen = pickAssignee(cands);
        if (chosen) {
          await assignTo(t, c, lead, chosen.id, `handover: ${user.full_name} deactivated; ${reasonFor(chosen, cands)}`, actor?.id ?? null);
          handed++;
        } else {
          await t.updateTable('leads').set({ assigned_to: null, previous_assignee: userId }).where('id', '=', lead.id).execute();
          if (lead.parked === 0) await adjustOpenCount(t, userId, -1);
          await t.updateTable('follow_ups').set({ sales_id: null }).where('lead_id', '=', lead.id).where('state', '=', 'open').execute();
          await addEvent(t, c, lead.id, actor?.id ?? null, 'queued', { data: { reason: `handover: ${user.full_name} deactivated, nobody available` } });
          queued++;
        }
      }
      return { handed, queued };
    });
  }

  async function notifyUser(t: Tx, userId: number, kind: Parameters<typeof enqueue>[2]['kind'], payload: Record<string, unknown>) {
    const user = await t.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (user) await enqueue(t, ctx(), { kind, user, payload });
  }

  return {
    intake,
    updateDetails,
    remove,
    get,
    details,
    list,
    move,
    correctStatus,
    logCall,
    addNote,
    bookTrial,
    moveTrial,
    cancelTrial,
    recordTrialResult,
    enroll,
    waitlist,
    assign,
    assignQueued,
    releaseParked,
    merge,
    deactivateSalesperson,
    notifyUser,
  };
}

export type LeadService = ReturnType<typeof createLeadService>;
