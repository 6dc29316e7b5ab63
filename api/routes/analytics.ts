import { z } from '@hono/zod-openapi';
import { SOURCES } from '../../core/leads/statuses.js';
import type { LeadSource } from '../../db/types.js';
import { newRouter, type RouteDeps } from '../router.js';
import { localDay } from './views.js';
import { jsonOk, managersOnly, staffRoute } from './common.js';

const period = { from: localDay, to: localDay };

const analyticsRoute = staffRoute({
  method: 'get',
  path: '/api/analytics',
  tags: ['Manager', 'Analytics'],
  summary: 'Managers: period analytics (totals, per-day series, funnel by status and source, lost reasons, revenue, per salesperson)',
  middleware: [managersOnly] as const,
  request: {
    query: z.object({
      ...period,
      salesId: z.coerce.number().int().positive().optional(),
      source: z.enum(SOURCES as [LeadSource, ...LeadSource[]]).optional(),
      courseId: z.coerce.number().int().positive().optional(),
    }),
  },
  responses: {
    200: jsonOk(
      z
        .object({
          period: z.object({ from: z.string(), to: z.string(), days: z.number().int() }),
          totals: z.object({
            created: z.number(),
            enrolled: z.number(),
            lost: z.number(),
            revenue: z.number(),
            trials: z.number(),
            trialsAttended: z.number(),
            conversionRate: z.number().nullable(),
            responseTime: z.number().nullable(),
          }),
          series: z.array(z.record(z.string(), z.unknown())),
          funnel: z.object({ byStatus: z.unknown(), bySource: z.unknown() }),
          lostReasons: z.unknown(),
          trials: z.record(z.string(), z.number()),
          salespeople: z.array(z.record(z.string(), z.unknown())),
        })
        .openapi('Analytics'),
    ),
  },
});

export function analyticsRoutes({ services }: RouteDeps) {
  return newRouter().openapi(analyticsRoute, async (c) => c.json((await services.analytics.analytics(c.req.valid('query'))) as never, 200));
}
