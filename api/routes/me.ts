import { createRoute, z } from '@hono/zod-openapi';
import type { User } from '../../db/types.js';
import { parseWorkDays } from '../../core/worktime/schedules.js';
import { errorResponses } from '../errors.js';
import { newRouter, type RouteDeps } from '../router.js';

export const staffSchema = z
  .object({
    id: z.number().int(),
    username: z.string(),
    fullName: z.string(),
    role: z.enum(['admin', 'sales_manager', 'sales']),
    language: z.enum(['uz', 'ru', 'en']),
    workStart: z.string().openapi({ example: '09:00' }),
    workEnd: z.string().openapi({ example: '18:00' }),
    workDays: z.array(z.number().int()).openapi({ description: 'ISO weekdays, 1 = Monday' }),
    isActiveSales: z.boolean(),
  })
  .openapi('Staff');

export function staffView(u: User): z.infer<typeof staffSchema> {
  return {
    id: Number(u.id),
    username: u.username,
    fullName: u.full_name,
    role: u.role,
    language: u.language,
    workStart: u.work_start,
    workEnd: u.work_end,
    workDays: parseWorkDays(u.work_days),
    isActiveSales: !!u.is_active_sales,
  };
}

const meSchema = staffSchema
  .extend({ timeZone: z.string().openapi({ example: 'Asia/Tashkent', description: 'the center’s time zone: the app shows every time in it' }) })
  .openapi('Me');

const meRoute = createRoute({
  method: 'get',
  path: '/api/me',
  tags: ['Me'],
  summary: 'The signed-in staff user',
  security: [{ tma: [] }],
  responses: {
    200: { description: 'Who is signed in', content: { 'application/json': { schema: meSchema } } },
    ...errorResponses(401, 403),
  },
});

export function meRoutes(deps: RouteDeps) {
  return newRouter().openapi(meRoute, (c) => c.json({ ...staffView(c.get('user')), timeZone: deps.config.CRM_TIMEZONE }, 200));
}
