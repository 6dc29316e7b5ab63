import { sql, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import type { DB, LeadSource, LeadStatus } from '../../db/types.js';
import { validation } from '../errors.js';
import type { CoreDeps } from '../deps.js';
import { STATUSES } from '../leads/statuses.js';
import { addLocalDays, isLocalDay, localInstant } from '../worktime/worktime.js';

export interface AnalyticsFilter {
  /** local dates, inclusive */
  from: string;
  to: string;
  salesId?: number;
  source?: LeadSource;
  courseId?: number;
}

const n = (v: unknown): number => Number(v ?? 0);
const MAX_DAYS = 400;

/**
 * The local day of an instant column (ISO text), computed in SQL as a binary search over the
 * period's day boundaries (about five comparisons a row for a month): exact in any zone, DST and
 * half-hour offsets included, and the same on SQLite and PostgreSQL. Rows must already be limited
 * to the period.
 */
function localDayExpr(col: string, days: string[], tz: string): RawBuilder<string> {
  const starts = days.map((d) => new Date(localInstant(d, '00:00', tz)).toISOString());
  const build = (lo: number, hi: number): RawBuilder<string> => {
    if (hi - lo === 1) return sql<string>`cast(${sql.lit(days[lo])} as text)`;
    const mid = (lo + hi) >> 1;
    return sql<string>`case when ${sql.ref(col)} < ${sql.lit(starts[mid])} then ${build(lo, mid)} else ${build(mid, hi)} end`;
  };
  return build(0, days.length);
}

/**
 * Period analytics (SPEC §6.3): totals, per-day series, the funnel by status and by source, lost
 * reasons, revenue (agreed prices of enrollments) and per-salesperson response time and
 * conversion. Every figure is a grouped query over an index on the period's column.
 */
export function createAnalyticsService(deps: CoreDeps) {
  async function analytics(f: AnalyticsFilter) {
    if (!isLocalDay(f.from)) throw validation('from', 'must be a date YYYY-MM-DD');
    if (!isLocalDay(f.to)) throw validation('to', 'must be a date YYYY-MM-DD');
    if (f.to < f.from) throw validation('to', 'must not be before from');
    const days: string[] = [];
    for (let d = f.from; d <= f.to; d = addLocalDays(d, 1)) {
      days.push(d);
      if (days.length > MAX_DAYS) throw validation('to', `a period is at most ${MAX_DAYS} days`);
    }
    const F = new Date(localInstant(f.from, '00:00', deps.tz)).toISOString();
    const T = new Date(localInstant(addLocalDays(f.to, 1), '00:00', deps.tz)).toISOString();
    const db = deps.db;

    const filtered = <O>(q: SelectQueryBuilder<DB, 'leads', O>) => {
      let out = q.where('merged_into', 'is', null);
      if (f.salesId) out = out.where('assigned_to', '=', f.salesId);
      if (f.source) out = out.where('source', '=', f.source);
      if (f.courseId) out = out.where('course_id', '=', f.courseId);
      return out;
    };

    const sales = await db.selectFrom('users').select(['id', 'full_name', 'is_active']).where('role', '=', 'sales').orderBy('id').execute();
    const salesIds = (f.salesId ? sales.filter((s) => s.id === f.salesId) : sales).map((s) => s.id);

    // one pass over each period column: created, enrolled and lost, each grouped by its local day
    const [created, enrolled, lost, assigned, trials, kpi] = await Promise.all([
      filtered(db.selectFrom('leads').select(['source', 'status', localDayExpr('created_at', days, deps.tz).as('day'), (eb) => eb.fn.countAll<number>().as('n')]))
        .where('created_at', '>=', F)
        .where('created_at', '<', T)
        .groupBy(['source', 'status', sql`3`])
        .execute(),
      filtered(
        db
          .selectFrom('leads')
          .select([
            'assigned_to',
            localDayExpr('enrolled_at', days, deps.tz).as('day'),
            (eb) => eb.fn.countAll<number>().as('n'),
            sql<number>`coalesce(sum(agreed_price), 0)`.as('revenue'),
          ]),
      )
        .where('enrolled_at', '>=', F)
        .where('enrolled_at', '<', T)
        .groupBy(['assigned_to', sql`2`])
        .execute(),
      // a lead lost in the period counts there, even if it has come back since
      filtered(db.selectFrom('leads').select(['lost_reason', localDayExpr('lost_at', days, deps.tz).as('day'), (eb) => eb.fn.countAll<number>().as('n')]))
        .where('lost_at', '>=', F)
        .where('lost_at', '<', T)
        .groupBy(['lost_reason', sql`2`])
        .execute(),
      // merged leads lose their assignee, so this needs no merged filter and stays index-only
      salesIds.length
        ? db
            .selectFrom('leads')
            .select([
              'assigned_to',
              (eb) => eb.fn.countAll<number>().as('n'),
              sql<number>`sum(case when enrolled_at is not null and enrolled_at < ${T} then 1 else 0 end)`.as('enrolled'),
            ])
            .$if(!!f.source, (q) => q.where('source', '=', f.source!))
            .$if(!!f.courseId, (q) => q.where('course_id', '=', f.courseId!))
            .where('assigned_to', 'in', salesIds)
            .where('assigned_at', '>=', F)
            .where('assigned_at', '<', T)
            .groupBy('assigned_to')
            .execute()
        : Promise.resolve([]),
      db
        .selectFrom('trials')
        .innerJoin('leads', 'leads.id', 'trials.lead_id')
        .select(['trials.result', (eb) => eb.fn.countAll<number>().as('n')])
        .where('trials.starts_at', '>=', F)
        .where('trials.starts_at', '<', T)
        .where('trials.cancelled', '=', 0)
        .$if(!!f.salesId, (q) => q.where('leads.assigned_to', '=', f.salesId!))
        .$if(!!f.source, (q) => q.where('leads.source', '=', f.source!))
        .$if(!!f.courseId, (q) => q.where('leads.course_id', '=', f.courseId!))
        .groupBy('trials.result')
        .execute(),
      db
        .selectFrom('kpi_daily')
        .select([
          'user_id',
          'date',
          'daily_contacts',
          'daily_followups',
          'followup_completion_rate',
          'trials_registered',
          'response_time',
          'on_leave',
        ])
        .where('date', '>=', f.from)
        .where('date', '<=', f.to)
        .$if(!!f.salesId, (q) => q.where('user_id', '=', f.salesId!))
        .execute(),
    ]);

    const series = new Map(days.map((d) => [d, { date: d, created: 0, enrolled: 0, lost: 0, revenue: 0, contacts: 0 }]));

    // funnel by status and by source
    const byStatus: Record<LeadStatus, number> = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<LeadStatus, number>;
    const sourceMap = new Map<string, { source: string; total: number; open: number; enrolled: number; lost: number; byStatus: Partial<Record<LeadStatus, number>> }>();
    let createdTotal = 0;
    // leads per day by source (the back-office dashboard's stacked chart)
    const daySource = new Map<string, number>();
    for (const r of created) {
      const count = n(r.n);
      createdTotal += count;
      daySource.set(`${r.day}|${r.source}`, (daySource.get(`${r.day}|${r.source}`) ?? 0) + count);
      byStatus[r.status] = (byStatus[r.status] ?? 0) + count;
      const s = sourceMap.get(r.source) ?? { source: r.source, total: 0, open: 0, enrolled: 0, lost: 0, byStatus: {} };
      s.total += count;
      s.byStatus[r.status] = (s.byStatus[r.status] ?? 0) + count;
      if (r.status === 'enrolled') s.enrolled += count;
      else if (r.status === 'lost') s.lost += count;
      else s.open += count;
      sourceMap.set(r.source, s);
      const day = series.get(r.day);
      if (day) day.created += count;
    }
    const bySource = [...sourceMap.values()]
      .map((s) => ({ ...s, conversionRate: s.total ? (s.enrolled / s.total) * 100 : null }))
      .sort((a, b) => b.total - a.total || a.source.localeCompare(b.source));

    const perSales = new Map<number, { enrolled: number; revenue: number }>();
    let enrolledTotal = 0;
    let revenue = 0;
    for (const r of enrolled) {
      const day = series.get(r.day);
      if (day) {
        day.enrolled += n(r.n);
        day.revenue += n(r.revenue);
      }
      enrolledTotal += n(r.n);
      revenue += n(r.revenue);
      if (r.assigned_to != null) {
        const p = perSales.get(Number(r.assigned_to)) ?? { enrolled: 0, revenue: 0 };
        p.enrolled += n(r.n);
        p.revenue += n(r.revenue);
        perSales.set(Number(r.assigned_to), p);
      }
    }
    for (const k of kpi) {
      const day = series.get(k.date);
      if (day) day.contacts += n(k.daily_contacts);
    }

    const reasons = new Map<string, number>();
    let lostTotal = 0;
    for (const r of lost) {
      const reason = r.lost_reason ?? 'unknown';
      reasons.set(reason, (reasons.get(reason) ?? 0) + n(r.n));
      lostTotal += n(r.n);
      const day = series.get(r.day);
      if (day) day.lost += n(r.n);
    }
    const lostReasons = [...reasons.entries()]
      .map(([reason, count]) => ({ reason, count, share: lostTotal ? (count / lostTotal) * 100 : 0 }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));

    const trialsBy: Record<string, number> = { booked: 0, attended: 0, not_attended: 0, offer_sent: 0, accepted: 0, rejected: 0, pending: 0 };
    for (const r of trials) {
      trialsBy.booked += n(r.n);
      trialsBy[r.result ?? 'pending'] += n(r.n);
    }

    // per salesperson: conversion of the period's assignments, response time and completion from the daily KPI
    const assignedOf = new Map(assigned.map((r) => [Number(r.assigned_to), r]));
    const kpiOf = new Map<number, { resp: number[]; comp: number[]; contacts: number; followups: number; trials: number }>();
    for (const k of kpi) {
      const e = kpiOf.get(k.user_id) ?? { resp: [], comp: [], contacts: 0, followups: 0, trials: 0 };
      if (!k.on_leave) {
        if (k.response_time != null) e.resp.push(Number(k.response_time));
        if (k.followup_completion_rate != null) e.comp.push(Number(k.followup_completion_rate));
      }
      e.contacts += n(k.daily_contacts);
      e.followups += n(k.daily_followups);
      e.trials += n(k.trials_registered);
      kpiOf.set(k.user_id, e);
    }
    const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const salespeople = sales
      .filter((s) => salesIds.includes(s.id))
      .map((s) => {
        const a = assignedOf.get(s.id);
        const k = kpiOf.get(s.id);
        const p = perSales.get(s.id);
        return {
          userId: s.id,
          name: s.full_name,
          active: !!s.is_active,
          assigned: n(a?.n),
          enrolled: p?.enrolled ?? 0,
          revenue: p?.revenue ?? 0,
          conversionRate: a && n(a.n) > 0 ? (n(a.enrolled) / n(a.n)) * 100 : null,
          responseTime: k ? avg(k.resp) : null,
          completionRate: k ? avg(k.comp) : null,
          contacts: k?.contacts ?? 0,
          followupsDone: k?.followups ?? 0,
          trialsRegistered: k?.trials ?? 0,
        };
      })
      .filter((s) => s.active || s.assigned || s.enrolled);

    const assignedTotal = assigned.reduce((s, r) => s + n(r.n), 0);
    const assignedEnrolled = assigned.reduce((s, r) => s + n(r.enrolled), 0);
    const allResp = [...kpiOf.values()].flatMap((k) => k.resp);
    return {
      period: { from: f.from, to: f.to, days: days.length },
      totals: {
        created: createdTotal,
        enrolled: enrolledTotal,
        lost: lostTotal,
        revenue,
        trials: trialsBy.booked,
        trialsAttended: trialsBy.attended + trialsBy.offer_sent + trialsBy.accepted + trialsBy.rejected,
        conversionRate: assignedTotal ? (assignedEnrolled / assignedTotal) * 100 : null,
        responseTime: avg(allResp),
      },
      series: [...series.values()],
      createdBySource: [...daySource.entries()]
        .map(([k, count]) => {
          const [date, source] = k.split('|');
          return { date, source, count };
        })
        .sort((x, y) => x.date.localeCompare(y.date) || x.source.localeCompare(y.source)),
      funnel: { byStatus, bySource },
      lostReasons,
      trials: trialsBy,
      salespeople,
    };
  }

  return { analytics };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
