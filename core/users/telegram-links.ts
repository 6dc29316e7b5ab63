import { createHash, randomBytes } from 'node:crypto';
import type { User } from '../../db/types.js';
import { AppError, forbidden, notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { getUser } from './users.js';
import type { Actor } from '../leads/lead-ops.js';

export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

// Only a hash is stored: a copy of the database must not hand out working links.
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** Telegram deep-link start parameters: 1–64 characters of A–Z a–z 0–9 _ - */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,64}$/;

export interface TelegramIdentity {
  /** Telegram user id (ctx.from.id) */
  userId: number | string;
  /** the private chat with the bot (equals the user id in a private chat) */
  chatId: number | string;
}

export type RedeemRefusal = 'unknown' | 'used' | 'expired' | 'inactive' | 'taken';

export function createTelegramLinkService(deps: CoreDeps) {
  const isManager = (a: Actor) => a?.role === 'admin' || a?.role === 'sales_manager';

  /**
   * A one-time link binding a Telegram account to staff user `userId` (24 h, single use).
   * `actor` null = the operator's own CLI; otherwise an admin, or a manager for salespeople.
   */
  async function createLink(userId: number, botUsername: string, actor: Actor = null) {
    const name = botUsername.replace(/^@/, '').trim();
    if (!/^[A-Za-z0-9_]{3,64}$/.test(name)) throw validation('botUsername', 'is not a Telegram bot username');
    const user = await getUser(deps.db, userId);
    if (actor) {
      if (!isManager(actor)) throw forbidden('only managers and admins create Telegram links');
      if (actor.role === 'sales_manager' && user.role !== 'sales' && user.id !== actor.id) throw forbidden('managers link salespeople only');
    }
    if (!user.is_active) throw new AppError('CONFLICT', 'The user is deactivated', { userId: 'deactivated' });
    const token = randomBytes(24).toString('base64url');
    const now = deps.clock.now();
    const expiresAt = new Date(+now + LINK_TTL_MS).toISOString();
    await deps.db
      .insertInto('telegram_links')
      .values({ token: hashOf(token), user_id: user.id, expires_at: expiresAt, used_at: null, created_at: now.toISOString() })
      .execute();
    return { token, url: `https://t.me/${name}?start=${token}`, expiresAt, user: { id: user.id, username: user.username, fullName: user.full_name } };
  }

  /**
   * `/start <token>`: binds the Telegram account to the link's user. A second use, an expired or
   * unknown token, a deactivated user or an account already linked to another ACTIVE user is refused
   * (the reason in `refusal`), and nothing changes.
   */
  async function redeem(token: string, who: TelegramIdentity): Promise<{ ok: true; user: User } | { ok: false; refusal: RedeemRefusal }> {
    if (!TOKEN_SHAPE.test(token)) return { ok: false, refusal: 'unknown' };
    const tgUser = String(who.userId);
    const tgChat = String(who.chatId);
    return tx(deps, async (t) => {
      const now = deps.clock.now().toISOString();
      const link = await t.selectFrom('telegram_links').selectAll().where('token', '=', hashOf(token)).executeTakeFirst();
      if (!link) return { ok: false as const, refusal: 'unknown' as const };
      if (link.used_at) return { ok: false as const, refusal: 'used' as const };
      if (link.expires_at <= now) return { ok: false as const, refusal: 'expired' as const };
      const user = await t.selectFrom('users').selectAll().where('id', '=', link.user_id).executeTakeFirst();
      if (!user || !user.is_active) return { ok: false as const, refusal: 'inactive' as const };
      const other = await t.selectFrom('users').select(['id', 'is_active']).where('telegram_user_id', '=', tgUser).where('id', '!=', user.id).executeTakeFirst();
      if (other?.is_active) return { ok: false as const, refusal: 'taken' as const };
      // the used_at guard makes a concurrent second redemption update nothing
      const claimed = await t.updateTable('telegram_links').set({ used_at: now }).where('token', '=', link.token).where('used_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return { ok: false as const, refusal: 'used' as const };
      // a person back under a new account (rehired, or re-created by an admin): the binding of their
      // old, deactivated account gets no CRM data anyway and would otherwise lock them out until an
      // admin unlinks it by hand
      if (other) await t.updateTable('users').set({ telegram_user_id: null, telegram_chat_id: null, updated_at: now }).where('id', '=', other.id).execute();
      await t.updateTable('users').set({ telegram_user_id: tgUser, telegram_chat_id: tgChat, updated_at: now }).where('id', '=', user.id).execute();
      return { ok: true as const, user: { ...user, telegram_user_id: tgUser, telegram_chat_id: tgChat } };
    });
  }

  /** The staff user behind a Telegram account; null when unlinked or deactivated. */
  async function userByTelegramId(telegramUserId: number | string): Promise<User | null> {
    const user = await deps.db.selectFrom('users').selectAll().where('telegram_user_id', '=', String(telegramUserId)).executeTakeFirst();
    return user && user.is_active ? user : null;
  }

  /** Removes the binding (back office "unlink"); the account then gets no CRM data. */
  async function unlink(userId: number, actor: Actor = null) {
    if (actor && !isManager(actor)) throw forbidden('only managers and admins unlink Telegram accounts');
    const res = await deps.db
      .updateTable('users')
      .set({ telegram_user_id: null, telegram_chat_id: null, updated_at: deps.clock.now().toISOString() })
      .where('id', '=', userId)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound('user');
  }

  return { createLink, redeem, userByTelegramId, unlink };
}

export type TelegramLinkService = ReturnType<typeof createTelegramLinkService>;
