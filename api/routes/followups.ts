import { z } from '@hono/zod-openapi';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, managersOnly, staffRoute } from './common.js';
import { countSchema, followUpSchema, followUpView, idParam } from './views.js';

const tags = ['Follow-ups'];

const dueItem = z
  .object({
    id: z.number().int(),
    leadId: z.number().int(),
    leadName: z.string(),
    leadPhone: z.string(),
    leadStatus: z.string(),
    dueAt: z.string(),
    kind: z.string(),
    snoozeCount: z.number().int(),
    overdue: z.boolean(),
  })
  .openapi('DueFollowUp');

const listRoute = staffRoute({
  method: 'get',
  path: '/api/followups',
  tags,
  summary: "Today's open follow-ups and the overdue ones (a manager may look at one salesperson with salesId)",
  request: { query: z.object({ salesId: z.coerce.number().int().positive().optional() }) },
  responses: { 200: jsonOk(z.object({ date: z.string(), overdue: z.array(dueItem), today: z.array(dueItem) }).openapi('FollowUpDay')) },
});

const completeRoute = staffRoute({
  method: 'post',
  path: '/api/followups/{id}/complete',
  tags,
  summary: 'Complete my follow-up (the next step of its sequence is planned)',
  request: { params: idParam, body: jsonBody(z.strictObject({ note: z.string().trim().max(4000).optional().nullable() })) },
  responses: { 200: jsonOk(followUpSchema) },
}, { errors: [409] });

const snoozeRoute = staffRoute({
  method: 'post',
  path: '/api/followups/{id}/snooze',
  tags,
  summary: 'Snooze my follow-up to a later time (at most 3 times)',
  request: { params: idParam, body: jsonBody(z.strictObject({ until: z.iso.datetime({ offset: true }) })) },
  responses: { 200: jsonOk(followUpSchema) },
}, { errors: [409] });

const bulkRoute = staffRoute({
  method: 'post',
  path: '/api/followups/bulk',
  tags: ['Manager'],
  summary: 'Managers: reschedule, complete or reassign many follow-ups at once (each recorded)',
  middleware: [managersOnly] as const,
  request: {
    body: jsonBody(
      z
        .discriminatedUnion('action', [
          z.strictObject({ action: z.literal('reschedule'), ids: z.array(z.number().int().positive()).min(1).max(1000), to: z.iso.datetime({ offset: true }) }),
          z.strictObject({ action: z.literal('complete'), ids: z.array(z.number().int().positive()).min(1).max(1000) }),
          z.strictObject({ action: z.literal('reassign'), ids: z.array(z.number().int().positive()).min(1).max(1000), toUserId: z.number().int().positive() }),
        ])
        .openapi('FollowUpBulk'),
    ),
  },
  responses: { 200: jsonOk(countSchema) },
}, { errors: [404] });

type Row = Awaited<ReturnType<RouteDeps['services']['followUps']['listFor']>>[number];
const itemView = (r: Row): z.infer<typeof dueItem> => ({
  id: Number(r.id),
  leadId: Number(r.lead_id),
  leadName: r.lead_name,
  leadPhone: r.lead_phone,
  leadStatus: r.lead_status,
  dueAt: r.due_at,
  kind: r.kind,
  snoozeCount: Number(r.snooze_count),
  overdue: true,
});

export function followUpRoutes({ services }: RouteDeps) {
  const fu = services.followUps;
  return newRouter()
    .openapi(listRoute, async (c) => {
      const user = c.get('user');
      const { salesId } = c.req.valid('query');
      const a = await fu.agenda(salesId ?? user.id, user);
      return c.json({ date: a.date, overdue: a.overdue.map(itemView), today: a.today.map((r) => ({ ...itemView(r), overdue: false })) }, 200);
    })
    .openapi(completeRoute, async (c) => {
      const done = await fu.complete(c.req.valid('param').id, c.get('user'), c.req.valid('json').note);
      return c.json(followUpView(done), 200);
    })
    .openapi(snoozeRoute, async (c) => {
      const f = await fu.snooze(c.req.valid('param').id, c.req.valid('json').until, c.get('user'));
      return c.json(followUpView(f), 200);
    })
    .openapi(bulkRoute, async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const r =
        body.action === 'reschedule'
          ? await fu.bulkReschedule(body.ids, body.to, user)
          : body.action === 'complete'
            ? await fu.bulkComplete(body.ids, user)
            : await fu.bulkReassign(body.ids, body.toUserId, user);
      return c.json({ updated: Number(r.updated) }, 200);
    });
}
