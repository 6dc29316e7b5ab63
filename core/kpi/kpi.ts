import { sql } from 'kysely';
import type { Tx } from '../../db/connection.js';
import type { KpiRow, User } from '../../db/types.js';
import { validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { enqueue, managers } from '../outbox/outbox.js';
import type { TeamRow } from '../outbox/payloads.js';
import { loadSchedules } from '../worktime/schedules.js';
import { addLocalDays, isLocalDay, isoWeekday, localDate, localInstant, periodsOf, type Period, type WorkSchedule } from '../worktime/worktime.js';

/** What counts as touching a lead (SPEC §6.3): a call logged or a status changed by that person. */
export const CONTACT_EVENTS = ['status_changed', 'status_corrected', 'trial_result', 'call_logged'];
/** Trial results that make an enrollment a "trial to sale". */
export const SALE_TRIAL_RESULTS = ['attended', 'offer_sent', 'accepted'] as const;

export interface KpiValues {
  user_id: number;
  date: string;
  daily_contacts: number;
  daily_followups: number;
  /** percent 0..100, null when nothing was due */
  followup_completion_rate: number | null;
  trials_registered: number;
  trials_to_sales: number;
  /** percent 0..100, null when nothing was assigned in the 30-day window */
  conversion_rate: number | null;
  /** working minutes, null when nothing was assigned that day */
  response_time: number | null;
  overdue_count: number;
  on_leave: number;
}

const n = (v: unknown): number => Number(v ?? 0);
const iso = (ms: number) => new Date(ms).toISOString();

export function dayBounds(date: string, tz: string) {
  return { start: localInstant(date, '00:00', tz), end: localInstant(addLocalDays(date, 1), '00:00', tz) };
}

/** How a person's local date counts: no row (day off), a zero row (wholly away), or a working day. */
export function dayKind(s: WorkSchedule, date: string): 'off' | 'away' | 'working' {
  if (!s.workDays.includes(isoWeekday(date)) || s.holidays.has(date)) return 'off';
  if (s.absences.has(date)) return 'away';
  return periodsOf(s, date).length ? 'working' : 'away';
}

function overlapMinutes(periods: Period[], from: number, to: number): number {
  let total = 0;
  for (const p of periods) {
    const lo = Math.max(p.start, from);
    const hi = Math.min(p.end, to);
    if (hi > lo) total += hi - lo;
  }
  return total / 60_000;
}

type SalesUser = Pick<User, 'id' | 'full_name' | 'work_start' | 'work_end' | 'work_days' | 'role' | 'telegram_chat_id'>;

/**
 * Per-person counters of one local day, each a single grouped query over an index (never a loop
 * over leads): contacts, follow-ups done and due, overdue at a cut-off, trials booked, trials to
 * sales, the 30-day conversion window and first-contact times of the day's assignments.
 */
async function dayCounters(t: Tx, ids: number[], date: string, tz: string, cutoff: number) {
  const { start, end } = dayBounds(date, tz);
  const S = iso(start);
  const E = iso(end);
  const windowStart = iso(localInstant(addLocalDays(date, -29), '00:00', tz));
  const [contacts, done, due, trials, toSales, conversion, assigned, openOverdue, closedLater] = await Promise.all([
    t
      .selectFrom('lead_events')
      .select(['actor_id', (eb) => eb.fn.count<number>('lead_id').distinct().as('n')])
      .where('actor_id', 'in', ids)
      .where('created_at', '>=', S)
      .where('created_at', '<', E)
      .where('type', 'in', CONTACT_EVENTS)
      .groupBy('actor_id')
      .execute(),
    t
      .selectFrom('follow_ups')
      .select(['completed_by', (eb) => eb.fn.countAll<number>().as('n')])
      .where('completed_by', 'in', ids)
      .where('completed_at', '>=', S)
      .where('completed_at', '<', E)
      .where('state', '=', 'done')
      .groupBy('completed_by')
      .execute(),
    // due that day; a follow-up superseded before the day ended is not counted, one superseded
    // later was still open and undone when the day ended
    t
      .selectFrom('follow_ups')
      .select([
        'sales_id',
        sql<number>`sum(case when state = 'superseded' and closed_at < ${E} then 0 else 1 end)`.as('due'),
        sql<number>`sum(case when state = 'done' and completed_at < ${E} then 1 else 0 end)`.as('done'),
      ])
      .where('due_at', '>=', S)
      .where('due_at', '<', E)
      .where('sales_id', 'in', ids)
      .groupBy('sales_id')
      .execute(),
    t
      .selectFrom('trials')
      .select(['booked_by', (eb) => eb.fn.countAll<number>().as('n')])
      .where('booked_by', 'in', ids)
      .where('booked_at', '>=', S)
      .where('booked_at', '<', E)
      .groupBy('booked_by')
      .execute(),
    t
      .selectFrom('leads')
      .select(['assigned_to', (eb) => eb.fn.countAll<number>().as('n')])
      // no filter on the assignee here: the day's enrollments are few, and an assignee filter
      // tempts the planner into the (assigned_to, assigned_at, …) index and a scan of every lead
      .where('enrolled_at', '>=', S)
      .where('enrolled_at', '<', E)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('trials')
            .select('trials.id')
            .whereRef('trials.lead_id', '=', 'leads.id')
            .where('trials.result', 'in', [...SALE_TRIAL_RESULTS]),
        ),
      )
      .groupBy('assigned_to')
      .execute(),
    t
      .selectFrom('leads')
      .select([
        'assigned_to',
        (eb) => eb.fn.countAll<number>().as('assigned'),
        sql<number>`sum(case when enrolled_at is not null and enrolled_at < ${E} then 1 else 0 end)`.as('enrolled'),
      ])
      .where('assigned_to', 'in', ids)
      .where('assigned_at', '>=', windowStart)
      .where('assigned_at', '<', E)
      .groupBy('assigned_to')
      .execute(),
    // the day's assignments with the assignee's first touch after the assignment
    t
      .selectFrom('leads as l')
      .leftJoin('lead_events as e', (j) =>
        j
          .onRef('e.lead_id', '=', 'l.id')
          .onRef('e.actor_id', '=', 'l.assigned_to')
          .onRef('e.created_at', '>=', 'l.assigned_at')
          .on('e.type', 'in', CONTACT_EVENTS),
      )
      .select(['l.id', 'l.assigned_to', 'l.assigned_at', (eb) => eb.fn.min('e.created_at').as('first_touch')])
      .where('l.assigned_to', 'in', ids)
      .where('l.assigned_at', '>=', S)
      .where('l.assigned_at', '<', E)
      .groupBy(['l.id', 'l.assigned_to', 'l.assigned_at'])
      .execute(),
    t
      .selectFrom('follow_ups')
      .select(['sales_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('sales_id', 'in', ids)
      .where('state', '=', 'open')
      .where('due_at', '<', iso(cutoff))
      .groupBy('sales_id')
      .execute(),
    // open at the cut-off, closed since (a recomputation after the day). A follow-up is never
    // created with a due time before its creation, so "due before the cut-off" implies it existed then.
    t
      .selectFrom('follow_ups')
      .select(['sales_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('closed_at', '>=', iso(cutoff))
      .where('state', 'in', ['done', 'superseded'])
      .where('sales_id', 'in', ids)
      .where('due_at', '<', iso(cutoff))
      .groupBy('sales_id')
      .execute(),
  ]);
  const by = <R, K extends keyof R>(rows: R[], key: K) => new Map(rows.map((r) => [Number(r[key]), r]));
  return {
    contacts: by(contacts, 'actor_id'),
    done: by(done, 'completed_by'),
    due: by(due, 'sales_id'),
    trials: by(trials, 'booked_by'),
    toSales: by(toSales, 'assigned_to'),
    conversion: by(conversion, 'assigned_to'),
    assigned,
    openOverdue: by(openOverdue, 'sales_id'),
    closedLater: by(closedLater, 'sales_id'),
  };
}

/** local times of the daily jobs (scheduler/jobs.ts): a run before them is an early "run now" */
const KPI_TIME = '23:59';
const SUMMARY_TIME = '18:00';
/** at most this many days between the last computed KPI day and the run's day are filled in */
const BACKFILL_DAYS = 7;

export function createKpiService(deps: CoreDeps) {
  const today = () => localDate(deps.clock.now(), deps.tz);

  async function salespeople(t: Tx): Promise<SalesUser[]> {
    return t
      .selectFrom('users')
      .select(['id', 'full_name', 'work_start', 'work_end', 'work_days', 'role', 'telegram_chat_id'])
      .where('role', '=', 'sales')
      .where('is_active', '=', 1)
      .orderBy('id')
      .execute();
  }

  /** The eight metrics of SPEC §6.3 for every salesperson on a local date. */
  async function computeValues(t: Tx, date: string): Promise<KpiValues[]> {
    const users = await salespeople(t);
    if (!users.length) return [];
    const { start, end } = dayBounds(date, deps.tz);
    const schedules = await loadSchedules(t, deps.tz, users, new Date(start));
    const working: number[] = [];
    const away: number[] = [];
    for (const u of users) {
      const kind = dayKind(schedules.get(u.id)!, date);
      if (kind === 'working') working.push(u.id);
      else if (kind === 'away') away.push(u.id);
    }
    const zero = (id: number): KpiValues => ({
      user_id: id,
      date,
      daily_contacts: 0,
      daily_followups: 0,
      followup_completion_rate: null,
      trials_registered: 0,
      trials_to_sales: 0,
      conversion_rate: null,
      response_time: null,
      overdue_count: 0,
      on_leave: 0,
    });
    const out: KpiValues[] = away.map((id) => ({ ...zero(id), followup_completion_rate: 0, conversion_rate: 0, response_time: 0, on_leave: 1 }));
    if (working.length) {
      const cap = Math.min(end, +deps.clock.now());
      const c = await dayCounters(t, working, date, deps.tz, end);
      // working periods of the day (and the previous day, for a shift running past midnight)
      const periods = new Map<number, Period[]>();
      for (const id of working) {
        const s = schedules.get(id)!;
        periods.set(id, [...periodsOf(s, addLocalDays(date, -1)), ...periodsOf(s, date)]);
      }
      const response = new Map<number, { sum: number; count: number }>();
      for (const a of c.assigned) {
        const id = Number(a.assigned_to);
        const from = Date.parse(a.assigned_at as string);
        const touched = a.first_touch ? Date.parse(a.first_touch as string) : Infinity;
        const minutes = overlapMinutes(periods.get(id) ?? [], from, Math.min(touched, Math.max(cap, from)));
        const r = response.get(id) ?? { sum: 0, count: 0 };
        r.sum += minutes;
        r.count += 1;
        response.set(id, r);
      }
      for (const id of working) {
        const due = c.due.get(id);
        const dueN = n(due?.due);
        const conv = c.conversion.get(id);
        const resp = response.get(id);
        out.push({
          ...zero(id),
          daily_contacts: n(c.contacts.get(id)?.n),
          daily_followups: n(c.done.get(id)?.n),
          followup_completion_rate: dueN > 0 ? (n(due?.done) / dueN) * 100 : null,
          trials_registered: n(c.trials.get(id)?.n),
          trials_to_sales: n(c.toSales.get(id)?.n),
          conversion_rate: conv && n(conv.assigned) > 0 ? (n(conv.enrolled) / n(conv.assigned)) * 100 : null,
          response_time: resp && resp.count > 0 ? resp.sum / resp.count : null,
          overdue_count: n(c.openOverdue.get(id)?.n) + n(c.closedLater.get(id)?.n),
        });
      }
    }
    return out.sort((a, b) => a.user_id - b.user_id);
  }

  /**
   * Computes and stores one local day's KPI rows (SPEC §6.3). Idempotent: the day's rows are
   * replaced (a "report sent" mark survives), people with a day off lose any row.
   */
  async function computeDay(date: string = today()): Promise<KpiRow[]> {
    if (!isLocalDay(date)) throw validation('date', 'must be a date YYYY-MM-DD');
    return tx(deps, async (t) => {
      const values = await computeValues(t, date);
      const computedAt = deps.clock.now().toISOString();
      const ids = values.map((v) => v.user_id);
      let del = t.deleteFrom('kpi_daily').where('date', '=', date);
      if (ids.length) del = del.where('user_id', 'not in', ids);
      await del.execute();
      if (values.length) {
        await t
          .insertInto('kpi_daily')
          .values(values.map((v) => ({ ...v, report_sent: 0, computed_at: computedAt })))
          .onConflict((oc) =>
            oc.columns(['user_id', 'date']).doUpdateSet((eb) => ({
              daily_contacts: eb.ref('excluded.daily_contacts'),
              daily_followups: eb.ref('excluded.daily_followups'),
              followup_completion_rate: eb.ref('excluded.followup_completion_rate'),
              trials_registered: eb.ref('excluded.trials_registered'),
              trials_to_sales: eb.ref('excluded.trials_to_sales'),
              conversion_rate: eb.ref('excluded.conversion_rate'),
              response_time: eb.ref('excluded.response_time'),
              overdue_count: eb.ref('excluded.overdue_count'),
              on_leave: eb.ref('excluded.on_leave'),
              computed_at: eb.ref('excluded.computed_at'),
            })),
          )
          .execute();
      }
      return t.selectFrom('kpi_daily').selectAll().where('date', '=', date).orderBy('user_id').execute();
    });
  }

  /** Stored rows of a period (local dates, inclusive), optionally one person's. */
  async function rows(opts: { from: string; to: string; userId?: number }) {
    let q = deps.db
      .selectFrom('kpi_daily as k')
      .innerJoin('users as u', 'u.id', 'k.user_id')
      .selectAll('k')
      .select('u.full_name')
      .where('k.date', '>=', opts.from)
      .where('k.date', '<=', opts.to);
    if (opts.userId) q = q.where('k.user_id', '=', opts.userId);
    return q.orderBy('k.date').orderBy('k.user_id').execute();
  }

  /**
   * The ranking over a period (local dates, inclusive): enrolled count, then conversion (leads
   * assigned in the period enrolled by its end), then follow-up completion (follow-ups due in the
   * period done by its end).
   */
  async function ranking(opts: { from: string; to: string }) {
    if (!isLocalDay(opts.from)) throw validation('from', 'must be a date YYYY-MM-DD');
    if (!isLocalDay(opts.to)) throw validation('to', 'must be a date YYYY-MM-DD');
    const users = await salespeople(deps.db);
    if (!users.length) return [];
    const ids = users.map((u) => u.id);
    const F = iso(localInstant(opts.from, '00:00', deps.tz));
    const T = iso(localInstant(addLocalDays(opts.to, 1), '00:00', deps.tz));
    const [enrolled, assigned, fus] = await Promise.all([
      deps.db
        .selectFrom('leads')
        .select(['assigned_to', (eb) => eb.fn.countAll<number>().as('n')])
        .where('assigned_to', 'in', ids)
        .where('enrolled_at', '>=', F)
        .where('enrolled_at', '<', T)
        .groupBy('assigned_to')
        .execute(),
      deps.db
        .selectFrom('leads')
        .select(['assigned_to', (eb) => eb.fn.countAll<number>().as('n'), sql<number>`sum(case when enrolled_at is not null and enrolled_at < ${T} then 1 else 0 end)`.as('enrolled')])
        .where('assigned_to', 'in', ids)
        .where('assigned_at', '>=', F)
        .where('assigned_at', '<', T)
        .groupBy('assigned_to')
        .execute(),
      deps.db
        .selectFrom('follow_ups')
        .select([
          'sales_id',
          sql<number>`sum(case when state = 'superseded' and closed_at < ${T} then 0 else 1 end)`.as('due'),
          sql<number>`sum(case when state = 'done' and completed_at < ${T} then 1 else 0 end)`.as('done'),
        ])
        .where('due_at', '>=', F)
        .where('due_at', '<', T)
        .where('sales_id', 'in', ids)
        .groupBy('sales_id')
        .execute(),
    ]);
    const e = new Map(enrolled.map((r) => [Number(r.assigned_to), n(r.n)]));
    const a = new Map(assigned.map((r) => [Number(r.assigned_to), r]));
    const f = new Map(fus.map((r) => [Number(r.sales_id), r]));
    const rowsOut = users.map((u) => {
      const ar = a.get(u.id);
      const fr = f.get(u.id);
      return {
        userId: u.id,
        name: u.full_name,
        enrolled: e.get(u.id) ?? 0,
        assigned: n(ar?.n),
        conversionRate: ar && n(ar.n) > 0 ? (n(ar.enrolled) / n(ar.n)) * 100 : null,
        completionRate: fr && n(fr.due) > 0 ? (n(fr.done) / n(fr.due)) * 100 : null,
      };
    });
    const desc = (x: number | null, y: number | null) => (y ?? -1) - (x ?? -1);
    rowsOut.sort((x, y) => y.enrolled - x.enrolled || desc(x.conversionRate, y.conversionRate) || desc(x.completionRate, y.completionRate) || x.name.localeCompare(y.name));
    return rowsOut.map((r, i) => ({ rank: i + 1, ...r }));
  }

  const teamRow = (r: Awaited<ReturnType<typeof ranking>>[number]): TeamRow & { rank: number } => ({
    rank: r.rank,
    name: r.name,
    enrolled: r.enrolled,
    conversionRate: r.conversionRate == null ? null : r.conversionRate / 100,
  });

  /**
   * After the 23:59 run: each salesperson's report (held by the outbox until their next shift
   * starts) and the month-to-date ranking to managers and the team chat. Each once per day.
   */
  async function kpiReports(date: string = today()) {
    const from = `${date.slice(0, 8)}01`;
    const rank = await ranking({ from, to: date });
    return tx(deps, async (t) => {
      const c = { tz: deps.tz, now: deps.clock.now() };
      const pending = await t
        .selectFrom('kpi_daily as k')
        .innerJoin('users as u', 'u.id', 'k.user_id')
        .selectAll('k')
        .where('k.date', '=', date)
        .where('k.report_sent', '=', 0)
        .execute();
      const users = new Map((await salespeople(t)).map((u) => [u.id, u]));
      let reports = 0;
      for (const k of pending) {
        await t.updateTable('kpi_daily').set({ report_sent: 1 }).where('id', '=', k.id).execute();
        const u = users.get(k.user_id);
        if (!u || k.on_leave) continue;
        await enqueue(t, c, {
          kind: 'kpi_report',
          user: u,
          payload: {
            date,
            contacts: k.daily_contacts,
            followupsDone: k.daily_followups,
            completionRate: k.followup_completion_rate == null ? null : k.followup_completion_rate / 100,
            trialsRegistered: k.trials_registered,
            trialsToSales: k.trials_to_sales,
            conversionRate: k.conversion_rate == null ? null : k.conversion_rate / 100,
            responseMinutes: k.response_time,
            overdue: k.overdue_count,
          },
          dedupeKey: `kpi_report:${date}:${u.id}`,
        });
        reports++;
      }
      const payload = { date, from, to: date, rows: rank.map(teamRow) };
      for (const m of await managers(t)) {
        await enqueue(t, c, { kind: 'team_ranking', user: m, payload, dedupeKey: `team_ranking:${date}:${m.id}` });
      }
      const chat = await teamChat(t);
      if (chat) await enqueue(t, c, { kind: 'team_ranking', chatId: chat, payload, dedupeKey: `team_ranking:${date}:chat` });
      return { reports, ranked: rank.length };
    });
  }

  async function teamChat(t: Tx): Promise<string | null> {
    const s = await t.selectFrom('center_settings').select('team_chat_id').where('id', '=', 1).executeTakeFirst();
    return s?.team_chat_id?.trim() || null;
  }

  /**
   * The 23:59 job: the day's KPI, then the reports and the ranking. When the process was down
   * longer than the scheduler's one-slot catch-up, the days between the last computed KPI day and
   * this one (at most a week) are computed too, rows only: a report about last Tuesday is noise, a
   * hole in the KPI table is not. A first run ever fills nothing in (no staff history to count).
   */
  async function runDaily(ctx?: { slot?: Date }) {
    const date = localDate(ctx?.slot ?? deps.clock.now(), deps.tz);
    const last = await deps.db.selectFrom('kpi_daily').select((eb) => eb.fn.max('date').as('d')).where('date', '<', date).executeTakeFirst();
    const backfilled: string[] = [];
    if (last?.d) {
      const next = addLocalDays(String(last.d), 1);
      const weekAgo = addLocalDays(date, -BACKFILL_DAYS);
      for (let d = next > weekAgo ? next : weekAgo; d < date; d = addLocalDays(d, 1)) {
        if ((await computeDay(d)).length) backfilled.push(d);
      }
    }
    const computed = await computeDay(date);
    // the reports and the ranking are the day's final word, sent once: a "run now" earlier in the
    // day (CLI, back office) refreshes the rows but must not use them up with half a day's numbers
    if (+deps.clock.now() < localInstant(date, KPI_TIME, deps.tz)) {
      return { date, rows: computed.length, reports: 0, ranked: 0, held: `reports and ranking go out at ${KPI_TIME}`, ...(backfilled.length ? { backfilled } : {}) };
    }
    const sent = await kpiReports(date);
    return { date, rows: computed.length, ...sent, ...(backfilled.length ? { backfilled } : {}) };
  }

  /**
   * 18:00: each working salesperson's day so far (contacts, follow-ups done/due, overdue now,
   * tomorrow's trials), the team table to managers and the optional team chat. Once per day.
   */
  async function dailySummary(ctx?: { slot?: Date }) {
    const now = deps.clock.now();
    const date = localDate(ctx?.slot ?? now, deps.tz);
    const tomorrow = addLocalDays(date, 1);
    // a "run now" before 18:00 is a preview under its own key: it must not use up the day's summary
    const preview = +now < localInstant(date, SUMMARY_TIME, deps.tz) ? `:preview:${now.toISOString().slice(0, 16)}` : '';
    return tx(deps, async (t) => {
      const c = { tz: deps.tz, now };
      const users = await salespeople(t);
      if (!users.length) return { summaries: 0, teamTables: 0 };
      const { start } = dayBounds(date, deps.tz);
      const schedules = await loadSchedules(t, deps.tz, users, new Date(start));
      const working = users.filter((u) => dayKind(schedules.get(u.id)!, date) === 'working');
      if (!working.length) return { summaries: 0, teamTables: 0 };
      const ids = working.map((u) => u.id);
      const counters = await dayCounters(t, ids, date, deps.tz, +now);
      const trials = await t
        .selectFrom('trials')
        .innerJoin('leads', 'leads.id', 'trials.lead_id')
        .select(['leads.assigned_to', (eb) => eb.fn.countAll<number>().as('n')])
        .where('trials.date', '=', tomorrow)
        .where('trials.cancelled', '=', 0)
        .where('leads.assigned_to', 'in', ids)
        .groupBy('leads.assigned_to')
        .execute();
      const trialsOf = new Map(trials.map((r) => [Number(r.assigned_to), n(r.n)]));
      const rowsOut: TeamRow[] = [];
      let summaries = 0;
      for (const u of working) {
        const row = {
          date,
          userName: u.full_name,
          contacts: n(counters.contacts.get(u.id)?.n),
          followupsDone: n(counters.done.get(u.id)?.n),
          followupsDue: n(counters.due.get(u.id)?.due),
          overdue: n(counters.openOverdue.get(u.id)?.n),
          trialsTomorrow: trialsOf.get(u.id) ?? 0,
        };
        if (await enqueue(t, c, { kind: 'daily_summary', user: u, payload: { ...row, userName: null }, dedupeKey: `daily_summary:${date}:${u.id}${preview}` })) summaries++;
        rowsOut.push({ name: u.full_name, contacts: row.contacts, followupsDone: row.followupsDone, followupsDue: row.followupsDue, overdue: row.overdue, trials: row.trialsTomorrow });
      }
      let teamTables = 0;
      for (const m of await managers(t)) {
        if (await enqueue(t, c, { kind: 'team_table', user: m, payload: { date, rows: rowsOut }, dedupeKey: `team_table:${date}:${m.id}${preview}` })) teamTables++;
      }
      const chat = await teamChat(t);
      if (chat && (await enqueue(t, c, { kind: 'team_table', chatId: chat, payload: { date, rows: rowsOut }, dedupeKey: `team_table:${date}:chat${preview}` }))) teamTables++;
      // what this run queued: a second run of the same slot says 0
      return { summaries, teamTables };
    });
  }

  /**
   * One person's day so far (the bot's /stats): contacts, follow-ups done and due today, overdue
   * now, trials today. Same counters as the KPI run, cut at this moment.
   */
  async function personToday(userId: number) {
    const now = deps.clock.now();
    const date = localDate(now, deps.tz);
    const c = await dayCounters(deps.db, [userId], date, deps.tz, +now);
    const trials = await deps.db
      .selectFrom('trials')
      .innerJoin('leads', 'leads.id', 'trials.lead_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('trials.date', '=', date)
      .where('trials.cancelled', '=', 0)
      .where('leads.assigned_to', '=', userId)
      .executeTakeFirst();
    return {
      date,
      contacts: n(c.contacts.get(userId)?.n),
      followupsDone: n(c.done.get(userId)?.n),
      followupsDue: n(c.due.get(userId)?.due),
      overdue: n(c.openOverdue.get(userId)?.n),
      trialsToday: n(trials?.n),
    };
  }

  return {
    computeDay,
    personToday,
    /** the values without storing them (tests, previews) */
    preview: (date: string) => computeValues(deps.db, date),
    rows,
    ranking,
    kpiReports,
    runDaily,
    dailySummary,
  };
}

export type KpiService = ReturnType<typeof createKpiService>;
