import { z } from '@hono/zod-openapi';
import type { LeaveRequest } from '../../db/types.js';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, staffRoute } from './common.js';
import { idParam, localDay } from './views.js';

const tags = ['Leave'];
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

const leaveSchema = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    userName: z.string().optional(),
    startDate: z.string(),
    endDate: z.string(),
    startTime: z.string().nullable(),
    endTime: z.string().nullable(),
    startsAt: z.string(),
    endsAt: z.string(),
    reason: z.string().nullable(),
    status: z.enum(['pending', 'approved', 'rejected', 'cancelled']),
    rejectionReason: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('LeaveRequest');

const leaveView = (l: LeaveRequest & { user_name?: string }): z.infer<typeof leaveSchema> => ({
  id: Number(l.id),
  userId: Number(l.user_id),
  userName: l.user_name,
  startDate: l.start_date,
  endDate: l.end_date,
  startTime: l.start_time,
  endTime: l.end_time,
  startsAt: l.starts_at,
  endsAt: l.ends_at,
  reason: l.reason,
  status: l.status,
  rejectionReason: l.rejection_reason,
  createdAt: l.created_at,
});

const listRoute = staffRoute({
  method: 'get',
  path: '/api/leave',
  tags,
  summary: 'Leave requests: a salesperson sees their own, managers everyone’s',
  responses: { 200: jsonOk(z.object({ items: z.array(leaveSchema) })) },
});

const requestRoute = staffRoute({
  method: 'post',
  path: '/api/leave',
  tags,
  summary: 'Ask for leave: whole days, or a partial day with start/end times (managers are told)',
  request: {
    body: jsonBody(
      z
        .strictObject({
          startDate: localDay,
          endDate: localDay.optional(),
          startTime: time.nullable().optional(),
          endTime: time.nullable().optional(),
          reason: z.string().trim().max(1000).nullable().optional(),
        })
        .openapi('LeaveInput'),
    ),
  },
  responses: { 201: jsonOk(leaveSchema, 'Requested') },
}, { errors: [409] });

const cancelRoute = staffRoute({
  method: 'post',
  path: '/api/leave/{id}/cancel',
  tags,
  summary: 'Withdraw my leave request while it is still pending',
  request: { params: idParam, body: jsonBody(z.strictObject({})) },
  responses: { 200: jsonOk(leaveSchema) },
}, { errors: [409] });

export function leaveRoutes({ services }: RouteDeps) {
  const leave = services.leave;
  return newRouter()
    .openapi(listRoute, async (c) => {
      const rows = await leave.list(c.get('user'));
      return c.json({ items: rows.map(leaveView) }, 200);
    })
    .openapi(requestRoute, async (c) => {
      const l = await leave.request(c.req.valid('json'), c.get('user'));
      return c.json(leaveView(l), 201);
    })
    .openapi(cancelRoute, async (c) => {
      const l = await leave.cancel(c.req.valid('param').id, c.get('user'));
      return c.json(leaveView(l), 200);
    });
}
