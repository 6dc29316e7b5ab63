import { z } from '@hono/zod-openapi';
import type { LeaveRequest } from '../../db/types.js';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, managersOnly, staffRoute } from './common.js';
import { idParam, localDay } from './views.js';

// The managers' side of leave and absence (SPEC §6.2); the salesperson's side is api/routes/leave.ts.

const tags = ['Manager', 'Leave'];

const decisionSchema = z
  .object({
    id: z.number().int(),
    userId: z.number().int(),
    status: z.enum(['pending', 'approved', 'rejected', 'cancelled']),
    startsAt: z.string(),
    endsAt: z.string(),
    decidedBy: z.number().int().nullable(),
    decidedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
  })
  .openapi('LeaveDecision');

const decisionView = (l: LeaveRequest): z.infer<typeof decisionSchema> => ({
  id: Number(l.id),
  userId: Number(l.user_id),
  status: l.status,
  startsAt: l.starts_at,
  endsAt: l.ends_at,
  decidedBy: l.decided_by == null ? null : Number(l.decided_by),
  decidedAt: l.decided_at,
  rejectionReason: l.rejection_reason,
});

const approveRoute = staffRoute({
  method: 'post',
  path: '/api/leave/{id}/approve',
  tags,
  summary: 'Managers: approve a request (the person leaves distribution for the period; their follow-ups move out of it)',
  middleware: [managersOnly] as const,
  request: { params: idParam },
  responses: { 200: jsonOk(z.object({ leave: decisionSchema, followUpsMoved: z.number().int() })) },
}, { errors: [409] });

const rejectRoute = staffRoute({
  method: 'post',
  path: '/api/leave/{id}/reject',
  tags,
  summary: 'Managers: reject a request with a reason',
  middleware: [managersOnly] as const,
  request: { params: idParam, body: jsonBody(z.strictObject({ reason: z.string().trim().min(1, 'say why the request is rejected').max(1000) })) },
  responses: { 200: jsonOk(decisionSchema) },
}, { errors: [409] });

const absenceBody = z.strictObject({ userId: z.number().int().positive(), date: localDay });

const markRoute = staffRoute({
  method: 'post',
  path: '/api/absences',
  tags,
  summary: 'Managers: mark a salesperson absent for a date (that day’s follow-ups move to their next working time)',
  middleware: [managersOnly] as const,
  request: { body: jsonBody(absenceBody) },
  responses: { 200: jsonOk(z.object({ created: z.boolean(), followUpsMoved: z.number().int() })) },
}, { errors: [404] });

const unmarkRoute = staffRoute({
  method: 'post',
  path: '/api/absences/remove',
  tags,
  summary: 'Managers: remove an absence mark',
  middleware: [managersOnly] as const,
  request: { body: jsonBody(absenceBody) },
  responses: { 200: jsonOk(z.object({ removed: z.number().int() })) },
});

const listRoute = staffRoute({
  method: 'get',
  path: '/api/absences',
  tags,
  summary: 'Managers: absence marks, optionally of one person or a period',
  middleware: [managersOnly] as const,
  request: { query: z.object({ userId: z.coerce.number().int().positive().optional(), from: localDay.optional(), to: localDay.optional() }) },
  responses: { 200: jsonOk(z.object({ items: z.array(z.object({ id: z.number().int(), userId: z.number().int(), date: z.string(), markedBy: z.number().int().nullable() })) })) },
});

export function leaveDecisionRoutes({ services }: RouteDeps) {
  const leave = services.leave;
  return newRouter()
    .openapi(approveRoute, async (c) => {
      const r = await leave.approve(c.req.valid('param').id, c.get('user'));
      return c.json({ leave: decisionView(r.leave), followUpsMoved: Number(r.followUpsMoved) }, 200);
    })
    .openapi(rejectRoute, async (c) => c.json(decisionView(await leave.reject(c.req.valid('param').id, c.req.valid('json').reason, c.get('user'))), 200))
    .openapi(markRoute, async (c) => {
      const b = c.req.valid('json');
      const r = await leave.markAbsent(b.userId, b.date, c.get('user'));
      return c.json({ created: r.created, followUpsMoved: Number(r.followUpsMoved) }, 200);
    })
    .openapi(unmarkRoute, async (c) => {
      const b = c.req.valid('json');
      const r = await leave.unmarkAbsent(b.userId, b.date, c.get('user'));
      return c.json({ removed: Number(r.removed) }, 200);
    })
    .openapi(listRoute, async (c) => {
      const rows = await leave.absences(c.req.valid('query'));
      return c.json({ items: rows.map((a) => ({ id: Number(a.id), userId: Number(a.user_id), date: a.date, markedBy: a.marked_by == null ? null : Number(a.marked_by) })) }, 200);
    });
}
