import { sql } from 'kysely';
import { z } from 'zod';
import type { Priority } from '../../db/types.js';
import { notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { enqueue } from '../outbox/outbox.js';
import { assertCan, can, type PolicyUser } from '../policy/policy.js';
import { parseOrThrow } from '../users/users.js';

export const messageInputSchema = z.object({
  recipientIds: z.array(z.number().int().positive()).min(1, 'choose at least one salesperson').max(1000),
  subject: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(3500),
  priority: z.enum(['urgent', 'high', 'normal', 'low']).optional(),
});
export type MessageInput = z.input<typeof messageInputSchema>;

/**
 * Manager messages (SPEC §6.6): one message, a recipient row and an outbox row per salesperson
 * (urgent ones are delivered even outside working time), an inbox per person, read receipts.
 */
export function createMessageService(deps: CoreDeps) {
  const now = () => deps.clock.now();

  async function send(input: MessageInput, actor: PolicyUser & { full_name?: string }) {
    assertCan(actor, 'message.send');
    const v = parseOrThrow(messageInputSchema, input);
    const ids = [...new Set(v.recipientIds)];
    const priority: Priority = v.priority ?? 'normal';
    return tx(deps, async (t) => {
      const c = { tz: deps.tz, now: now() };
      const recipients = await t.selectFrom('users').selectAll().where('id', 'in', ids).where('role', '=', 'sales').where('is_active', '=', 1).execute();
      if (recipients.length !== ids.length) {
        const missing = ids.filter((id) => !recipients.some((r) => r.id === id));
        throw validation('recipientIds', `not an active salesperson: ${missing.join(', ')}`);
      }
      const sender = await t.selectFrom('users').select(['id', 'full_name']).where('id', '=', actor.id).executeTakeFirst();
      const message = await t
        .insertInto('sales_messages')
        .values({
          sender_id: actor.id,
          subject: v.subject,
          body: v.body,
          priority,
          sent_to_telegram: recipients.some((r) => r.telegram_chat_id) ? 1 : 0,
          created_at: c.now.toISOString(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await t.insertInto('sales_message_recipients').values(recipients.map((r) => ({ message_id: message.id, user_id: r.id }))).execute();
      for (const r of recipients) {
        await enqueue(t, c, {
          kind: 'manager_message',
          user: r,
          payload: { messageId: message.id, fromName: sender?.full_name ?? actor.full_name ?? '', subject: v.subject, text: `${v.subject}\n\n${v.body}`, urgent: priority === 'urgent', priority },
          priority,
          ignoreQuietHours: priority === 'urgent',
          dedupeKey: `manager_message:${message.id}:${r.id}`,
        });
      }
      return { message, recipients: recipients.map((r) => r.id) };
    });
  }

  /** A person's inbox: unread first, then newest first. */
  async function inbox(userId: number, actor: PolicyUser, opts: { limit?: number } = {}) {
    assertCan(actor, 'message.read', { user_id: userId }, 'inbox');
    const rows = await deps.db
      .selectFrom('sales_message_recipients as r')
      .innerJoin('sales_messages as m', 'm.id', 'r.message_id')
      .innerJoin('users as s', 's.id', 'm.sender_id')
      .leftJoin('sales_message_reads as rd', (j) => j.onRef('rd.message_id', '=', 'r.message_id').onRef('rd.user_id', '=', 'r.user_id'))
      .select(['m.id', 'm.subject', 'm.body', 'm.priority', 'm.created_at', 'm.sender_id', 's.full_name as sender_name', 'rd.read_at'])
      .where('r.user_id', '=', userId)
      .orderBy(sql`case when rd.read_at is null then 0 else 1 end`)
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id', 'desc')
      .limit(Math.min(opts.limit ?? 100, 500))
      .execute();
    return rows.map((r) => ({ ...r, read: r.read_at != null }));
  }

  async function unreadCount(userId: number): Promise<number> {
    const r = await deps.db
      .selectFrom('sales_message_recipients as r')
      .leftJoin('sales_message_reads as rd', (j) => j.onRef('rd.message_id', '=', 'r.message_id').onRef('rd.user_id', '=', 'r.user_id'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('r.user_id', '=', userId)
      .where('rd.id', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Marks a message read by its recipient; reading it again keeps the first receipt. */
  async function markRead(messageId: number, actor: PolicyUser) {
    return tx(deps, async (t) => {
      const rec = await t.selectFrom('sales_message_recipients').selectAll().where('message_id', '=', messageId).where('user_id', '=', actor.id).executeTakeFirst();
      if (!rec) throw notFound('message');
      assertCan(actor, 'message.read', { user_id: rec.user_id }, 'message');
      await t
        .insertInto('sales_message_reads')
        .values({ message_id: messageId, user_id: actor.id, read_at: now().toISOString() })
        .onConflict((oc) => oc.columns(['message_id', 'user_id']).doNothing())
        .execute();
      return t.selectFrom('sales_message_reads').selectAll().where('message_id', '=', messageId).where('user_id', '=', actor.id).executeTakeFirstOrThrow();
    });
  }

  /** Who received a message and when each read it (the sender, or an admin). */
  async function readStatus(messageId: number, actor: PolicyUser) {
    const message = await deps.db.selectFrom('sales_messages').selectAll().where('id', '=', messageId).executeTakeFirst();
    if (!message) throw notFound('message');
    if (!can(actor, 'message.read_status', message)) throw notFound('message');
    const recipients = await deps.db
      .selectFrom('sales_message_recipients as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .leftJoin('sales_message_reads as rd', (j) => j.onRef('rd.message_id', '=', 'r.message_id').onRef('rd.user_id', '=', 'r.user_id'))
      .select(['u.id as user_id', 'u.full_name', 'rd.read_at'])
      .where('r.message_id', '=', messageId)
      .orderBy('u.full_name')
      .execute();
    return { message, recipients, readCount: recipients.filter((r) => r.read_at).length, total: recipients.length };
  }

  /** Messages sent by the actor (admins: by anyone), newest first, with read counts. */
  async function sent(actor: PolicyUser, opts: { limit?: number } = {}) {
    assertCan(actor, 'message.send');
    let q = deps.db
      .selectFrom('sales_messages as m')
      .select((eb) => [
        'm.id',
        'm.subject',
        'm.priority',
        'm.created_at',
        'm.sender_id',
        eb.selectFrom('sales_message_recipients as r').whereRef('r.message_id', '=', 'm.id').select((e) => e.fn.countAll<number>().as('n')).as('recipients'),
        eb.selectFrom('sales_message_reads as rd').whereRef('rd.message_id', '=', 'm.id').select((e) => e.fn.countAll<number>().as('n')).as('reads'),
      ]);
    if (!can(actor, 'message.view_all')) q = q.where('m.sender_id', '=', actor.id);
    const rows = await q.orderBy('m.id', 'desc').limit(Math.min(opts.limit ?? 100, 500)).execute();
    return rows.map((r) => ({ ...r, recipients: Number(r.recipients), reads: Number(r.reads) }));
  }

  return { send, inbox, unreadCount, markRead, readStatus, sent };
}

export type MessageService = ReturnType<typeof createMessageService>;
