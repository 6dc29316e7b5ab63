import { z } from '@hono/zod-openapi';
import { assertCan } from '../../core/policy/policy.js';
import { waitlistsOf } from '../../core/groups/waitlist-view.js';
import { localDate } from '../../core/worktime/worktime.js';
import { newRouter, type RouteDeps } from '../router.js';
import { localDay } from './views.js';
import { jsonOk, staffRoute } from './common.js';

const tags = ['Groups'];

const courseSchema = z
  .object({ id: z.number().int(), name: z.string(), price: z.number().int(), lessonMinutes: z.number().int(), lessonsPerWeek: z.number().int() })
  .openapi('Course');

const coursesRoute = staffRoute({
  method: 'get',
  path: '/api/courses',
  tags,
  summary: 'The active courses (the trial-booking and new-lead pickers)',
  responses: { 200: jsonOk(z.object({ items: z.array(courseSchema) })) },
});

const occupancySchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    courseId: z.number().int(),
    courseName: z.string(),
    days: z.enum(['odd', 'even', 'daily']),
    startTime: z.string(),
    roomName: z.string().nullable(),
    capacity: z.number().int(),
    currentStudents: z.number().int(),
    lessonDay: z.boolean().openapi({ description: 'the group meets on `date`' }),
    trials: z.number().int().openapi({ description: 'trial students booked for `date`' }),
    taken: z.number().int(),
    percent: z.number(),
    band: z.enum(['green', 'yellow', 'red']).openapi({ description: 'below 50% green, below 80% yellow, else red (SPEC §6.1)' }),
    freeSpots: z.number().int(),
    waitlist: z.object({
      count: z.number().int(),
      visible: z.array(z.object({ leadId: z.number().int(), leadName: z.string(), since: z.string() })).openapi({ description: 'a salesperson sees only their own leads' }),
    }),
  })
  .openapi('GroupOccupancy');

const occupancyRoute = staffRoute({
  method: 'get',
  path: '/api/groups/occupancy',
  tags,
  summary: 'Every active group with its occupancy on a date (default today), colour band and waitlist',
  request: { query: z.object({ date: localDay.optional(), courseId: z.coerce.number().int().positive().optional() }) },
  responses: { 200: jsonOk(z.object({ date: z.string(), items: z.array(occupancySchema) }).openapi('GroupsOccupancy')) },
});

export function catalogRoutes({ services }: RouteDeps) {
  const { db, clock, tz } = services.deps;
  return newRouter()
    .openapi(coursesRoute, async (c) => {
      assertCan(c.get('user'), 'catalog.view');
      const rows = await db.selectFrom('courses').selectAll().where('active', '=', 1).orderBy('name').orderBy('id').execute();
      return c.json(
        { items: rows.map((r) => ({ id: Number(r.id), name: r.name, price: Number(r.price), lessonMinutes: Number(r.lesson_minutes), lessonsPerWeek: Number(r.lessons_per_week) })) },
        200,
      );
    })
    .openapi(occupancyRoute, async (c) => {
      const user = c.get('user');
      assertCan(user, 'catalog.view');
      const { date, courseId } = c.req.valid('query');
      const groups = await services.groups.listGroups({ courseId, date });
      const waits = await waitlistsOf(db, groups.map((g) => Number(g.id)), user);
      return c.json(
        {
          date: date ?? localDate(clock.now(), tz),
          items: groups.map((g) => ({
            id: Number(g.id),
            name: g.name,
            courseId: Number(g.course_id),
            courseName: g.course_name,
            days: g.days,
            startTime: g.start_time,
            roomName: g.room_name ?? null,
            capacity: Number(g.capacity),
            currentStudents: Number(g.current_students),
            lessonDay: g.lessonDay,
            trials: Number(g.trials),
            taken: Number(g.taken),
            percent: g.percent,
            band: g.band,
            freeSpots: Number(g.freeSpots),
            waitlist: waits.get(Number(g.id)) ?? { count: 0, visible: [] },
          })),
        },
        200,
      );
    });
}
