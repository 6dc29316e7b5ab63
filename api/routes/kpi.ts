import { z } from '@hono/zod-openapi';
import { assertCan } from '../../core/policy/policy.js';
import { addLocalDays, localDate } from '../../core/worktime/worktime.js';
import { validation } from '../../core/errors.js';
import { newRouter, type RouteDeps } from '../router.js';
import { localDay } from './views.js';
import { jsonOk, staffRoute } from './common.js';

const tags = ['KPI'];

const metrics = z
  .object({
    date: z.string(),
    dailyContacts: z.number().int(),
    dailyFollowups: z.number().int(),
    followupCompletionRate: z.number().nullable().openapi({ description: 'percent; null when nothing was due' }),
    trialsRegistered: z.number().int(),
    trialsToSales: z.number().int(),
    conversionRate: z.number().nullable().openapi({ description: 'percent of the 30-day window; null when nothing was assigned' }),
    responseTime: z.number().nullable().openapi({ description: 'average working minutes to first contact' }),
    overdueCount: z.number().int(),
    onLeave: z.boolean(),
  })
  .openapi('KpiDay');

type Row = {
  date: string;
  daily_contacts: number;
  daily_followups: number;
  followup_completion_rate: number | null;
  trials_registered: number;
  trials_to_sales: number;
  conversion_rate: number | null;
  response_time: number | null;
  overdue_count: number;
  on_leave: number | boolean;
};
const num = (v: unknown) => (v == null ? null : Number(v));
const view = (r: Row): z.infer<typeof metrics> => ({
  date: r.date,
  dailyContacts: Number(r.daily_contacts),
  dailyFollowups: Number(r.daily_followups),
  followupCompletionRate: num(r.followup_completion_rate),
  trialsRegistered: Number(r.trials_registered),
  trialsToSales: Number(r.trials_to_sales),
  conversionRate: num(r.conversion_rate),
  responseTime: num(r.response_time),
  overdueCount: Number(r.overdue_count),
  onLeave: !!r.on_leave,
});

const kpiRoute = staffRoute({
  method: 'get',
  path: '/api/kpi',
  tags,
  summary: 'My KPI: today live (the eight metrics of SPEC §6.3) and the stored days of the last N days; managers may ask for one salesperson',
  request: {
    query: z.object({
      days: z.coerce.number().int().min(1).max(366).optional().openapi({ description: 'default 30, today included' }),
      userId: z.coerce.number().int().positive().optional(),
    }),
  },
  responses: {
    200: jsonOk(
      z
        .object({ userId: z.number().int(), from: z.string(), to: z.string(), today: metrics.nullable().openapi({ description: 'null on a day off' }), days: z.array(metrics) })
        .openapi('KpiSeries'),
    ),
  },
});

const rankingRoute = staffRoute({
  method: 'get',
  path: '/api/kpi/ranking',
  tags,
  summary: 'The team ranking over a period (default this month): enrolled, then conversion, then follow-up completion',
  request: { query: z.object({ from: localDay.optional(), to: localDay.optional() }) },
  responses: {
    200: jsonOk(
      z
        .object({
          from: z.string(),
          to: z.string(),
          items: z.array(
            z.object({
              rank: z.number().int(),
              userId: z.number().int(),
              name: z.string(),
              enrolled: z.number().int(),
              assigned: z.number().int(),
              conversionRate: z.number().nullable(),
              completionRate: z.number().nullable(),
            }),
          ),
        })
        .openapi('Ranking'),
    ),
  },
});

export function kpiRoutes({ services }: RouteDeps) {
  const { clock, tz } = services.deps;
  return newRouter()
    .openapi(kpiRoute, async (c) => {
      const user = c.get('user');
      const q = c.req.valid('query');
      const userId = q.userId ?? user.id;
      assertCan(user, 'kpi.view', { user_id: userId }, 'KPI');
      const to = localDate(clock.now(), tz);
      const from = addLocalDays(to, -((q.days ?? 30) - 1));
      const [stored, live] = await Promise.all([services.kpi.rows({ from, to: addLocalDays(to, -1), userId }), services.kpi.preview(to)]);
      const today = live.find((v) => v.user_id === userId) ?? null;
      const days = stored.filter((r) => r.user_id === userId).map(view);
      if (today) days.push(view(today));
      return c.json({ userId, from, to, today: today ? view(today) : null, days }, 200);
    })
    .openapi(rankingRoute, async (c) => {
      assertCan(c.get('user'), 'ranking.view');
      const q = c.req.valid('query');
      const today = localDate(clock.now(), tz);
      const to = q.to ?? today;
      const from = q.from ?? `${to.slice(0, 8)}01`;
      if (from > to) throw validation('from', 'must not be after `to`');
      const items = await services.kpi.ranking({ from, to });
      return c.json({ from, to, items }, 200);
    });
}
