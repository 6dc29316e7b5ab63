import { z } from '@hono/zod-openapi';
import { newRouter, type RouteDeps } from '../router.js';
import { jsonBody, jsonOk, staffRoute } from './common.js';
import { idParam } from './views.js';

const tags = ['Messages'];

const inboxItem = z
  .object({
    id: z.number().int(),
    subject: z.string(),
    body: z.string(),
    priority: z.enum(['urgent', 'high', 'normal', 'low']),
    createdAt: z.string(),
    senderName: z.string(),
    read: z.boolean(),
    readAt: z.string().nullable(),
  })
  .openapi('InboxMessage');

const inboxRoute = staffRoute({
  method: 'get',
  path: '/api/inbox',
  tags,
  summary: 'My inbox of manager messages: unread first, then newest first',
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional() }) },
  responses: { 200: jsonOk(z.object({ unread: z.number().int(), items: z.array(inboxItem) }).openapi('Inbox')) },
});

const readRoute = staffRoute({
  method: 'post',
  path: '/api/inbox/{id}/read',
  tags,
  summary: 'Mark a message of my inbox read (a read receipt the sender sees; reading again keeps the first)',
  request: { params: idParam, body: jsonBody(z.strictObject({})) },
  responses: { 200: jsonOk(z.object({ id: z.number().int(), readAt: z.string() })) },
});

export function inboxRoutes({ services }: RouteDeps) {
  const messages = services.messages;
  return newRouter()
    .openapi(inboxRoute, async (c) => {
      const user = c.get('user');
      const rows = await messages.inbox(user.id, user, { limit: c.req.valid('query').limit });
      return c.json(
        {
          unread: rows.filter((r) => !r.read).length,
          items: rows.map((r) => ({
            id: Number(r.id),
            subject: r.subject,
            body: r.body,
            priority: r.priority,
            createdAt: r.created_at,
            senderName: r.sender_name,
            read: r.read,
            readAt: r.read_at ?? null,
          })),
        },
        200,
      );
    })
    .openapi(readRoute, async (c) => {
      const receipt = await messages.markRead(c.req.valid('param').id, c.get('user'));
      return c.json({ id: Number(receipt.message_id), readAt: receipt.read_at }, 200);
    });
}
