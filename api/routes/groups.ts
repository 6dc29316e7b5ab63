import { z } from '@hono/zod-openapi';
import { isLessonDay, trialsBookedOn } from '../../core/groups/groups.js';
import { bookableGroups, freeTrialDates } from '../../core/trials/trial-slots.js';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonOk, staffRoute } from './common.js';
import { localDay } from './views.js';

const groupSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    courseId: z.number().int(),
    courseName: z.string(),
    days: z.enum(['odd', 'even', 'daily']),
    startTime: z.string(),
    capacity: z.number().int(),
    currentStudents: z.number().int(),
    freeOnDate: z.number().int().nullable().openapi({ description: 'trial seats free on `date` (when asked)' }),
    nextFreeDates: z.array(z.object({ date: z.string(), time: z.string(), free: z.number().int() })),
  })
  .openapi('BookableGroup');

const listRoute = staffRoute({
  method: 'get',
  path: '/api/groups',
  tags: ['Groups'],
  summary: 'Active groups with a free spot, for a course and (optionally) a lesson date',
  request: {
    query: z.object({
      courseId: z.coerce.number().int().positive().optional(),
      date: localDay.optional(),
    }),
  },
  responses: { 200: jsonOk(z.object({ items: z.array(groupSchema) })) },
});

export function groupRoutes({ services }: RouteDeps) {
  const { db, clock, tz } = services.deps;
  return newRouter().openapi(listRoute, async (c) => {
    const { courseId, date } = c.req.valid('query');
    let groups = await bookableGroups(db, { courseId, limit: 200 });
    if (courseId) groups = groups.filter((g) => g.courseId === courseId);
    const ctx = { tz, now: clock.now() };
    const items = [];
    for (const g of groups) {
      let freeOnDate: number | null = null;
      if (date) {
        if (!isLessonDay(g.days, date)) continue;
        freeOnDate = g.capacity - g.currentStudents - (await trialsBookedOn(db, g.id, date));
        if (freeOnDate <= 0) continue;
      }
      items.push({ ...g, freeOnDate, nextFreeDates: await freeTrialDates(db, ctx, g.id, { count: 3 }) });
    }
    return c.json({ items }, 200);
  });
}
