import { z } from '@hono/zod-openapi';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, managersOnly, staffRoute } from './common.js';
import { idParam } from './views.js';

// the recipients' side (inbox, mark read) is api/routes/inbox.ts

const priority = z.enum(['urgent', 'high', 'normal', 'low']);

const sendRoute = staffRoute({
  method: 'post',
  path: '/api/messages',
  tags: ['Manager', 'Messages'],
  summary: 'Managers: send a message to one or many salespeople (Telegram and their inbox)',
  middleware: [managersOnly] as const,
  request: {
    body: jsonBody(
      z
        .strictObject({
          recipientIds: z.array(z.number().int().positive()).min(1, 'choose at least one salesperson').max(1000),
          subject: z.string().trim().min(1, 'is required').max(200),
          body: z.string().trim().min(1, 'is required').max(3500),
          priority: priority.optional(),
        })
        .openapi('NewMessage'),
    ),
  },
  responses: { 201: jsonOk(z.object({ id: z.number().int(), recipients: z.array(z.number().int()) }), 'Sent') },
});

const sentRoute = staffRoute({
  method: 'get',
  path: '/api/messages',
  tags: ['Manager', 'Messages'],
  summary: 'Managers: messages I sent (admins: all) with read counts',
  middleware: [managersOnly] as const,
  responses: {
    200: jsonOk(
      z.object({
        items: z.array(z.object({ id: z.number().int(), subject: z.string(), priority, createdAt: z.string(), senderId: z.number().int(), recipients: z.number().int(), reads: z.number().int() })),
      }),
    ),
  },
});

const statusRoute = staffRoute({
  method: 'get',
  path: '/api/messages/{id}/reads',
  tags: ['Manager', 'Messages'],
  summary: 'Managers: who received a message and when each read it',
  middleware: [managersOnly] as const,
  request: { params: idParam },
  responses: {
    200: jsonOk(
      z.object({
        id: z.number().int(),
        subject: z.string(),
        readCount: z.number().int(),
        total: z.number().int(),
        recipients: z.array(z.object({ userId: z.number().int(), fullName: z.string(), readAt: z.string().nullable() })),
      }),
    ),
  },
});

export function messageRoutes({ services }: RouteDeps) {
  const messages = services.messages;
  return newRouter()
    .openapi(sendRoute, async (c) => {
      const r = await messages.send(c.req.valid('json'), c.get('user'));
      return c.json({ id: Number(r.message.id), recipients: r.recipients.map(Number) }, 201);
    })
    .openapi(sentRoute, async (c) => {
      const rows = await messages.sent(c.get('user'));
      return c.json(
        { items: rows.map((m) => ({ id: Number(m.id), subject: m.subject, priority: m.priority, createdAt: m.created_at, senderId: Number(m.sender_id), recipients: m.recipients, reads: m.reads })) },
        200,
      );
    })
    .openapi(statusRoute, async (c) => {
      const s = await messages.readStatus(c.req.valid('param').id, c.get('user'));
      return c.json(
        {
          id: Number(s.message.id),
          subject: s.message.subject,
          readCount: s.readCount,
          total: s.total,
          recipients: s.recipients.map((r) => ({ userId: Number(r.user_id), fullName: r.full_name, readAt: r.read_at ?? null })),
        },
        200,
      );
    });
}
