import { z } from '@hono/zod-openapi';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, managersOnly, staffRoute } from './common.js';
import { idParam } from './views.js';
import { staffSchema, staffView } from './me.js';

const tags = ['Manager'];

const listRoute = staffRoute({
  method: 'get',
  path: '/api/staff',
  tags,
  summary: 'Managers: the active salespeople with their open-lead counts (for assignment)',
  middleware: [managersOnly] as const,
  responses: {
    200: jsonOk(z.object({ items: z.array(staffSchema.extend({ openLeads: z.number().int(), blocked: z.boolean(), telegramLinked: z.boolean() }).openapi('Salesperson')) })),
  },
});

const deactivateRoute = staffRoute({
  method: 'post',
  path: '/api/staff/{id}/deactivate',
  tags,
  summary: 'Managers: deactivate a salesperson and hand their open leads to one person or by distribution (managers by admins only)',
  middleware: [managersOnly] as const,
  request: { params: idParam, body: jsonBody(z.strictObject({ toUserId: z.number().int().positive().optional() })) },
  responses: { 200: jsonOk(z.object({ handed: z.number().int(), queued: z.number().int() })) },
});

export function staffRoutes({ services }: RouteDeps) {
  return newRouter()
    .openapi(listRoute, async (c) => {
      const users = (await services.users.list()).filter((u) => u.role === 'sales' && u.is_active);
      return c.json({ items: users.map((u) => ({ ...staffView(u), openLeads: Number(u.open_lead_count), blocked: !!u.blocked_since, telegramLinked: !!u.telegram_user_id })) }, 200);
    })
    .openapi(deactivateRoute, async (c) => {
      const r = await services.leads.deactivateSalesperson(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json({ handed: Number(r.handed), queued: Number(r.queued) }, 200);
    });
}
