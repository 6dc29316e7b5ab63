import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Composer, type Context, type MiddlewareFn } from 'grammy';
import { conversations } from '@grammyjs/conversations';
import { kvTryLock, kvUnlock } from '../core/shared/kv-state.js';
import { clockOf, type BotContext, type BotDeps } from './context.js';
import { CANCEL_DATA, CONVERSATION_KEY_PREFIX, CONVERSATION_STATE_VERSION, databaseStorage, type ConvoArgs } from './conversation-kit.js';

/** The conversations plugin with its state in the database (table kv_state), keyed by chat and staff user. */
export function conversationsPlugin(deps: BotDeps): MiddlewareFn<BotContext> {
  return conversations<BotContext, Context>({
    storage: {
      type: 'key',
      version: CONVERSATION_STATE_VERSION,
      prefix: CONVERSATION_KEY_PREFIX,
      // per chat AND staff user: an account re-linked to someone else never resumes the other's conversation
      getStorageKey: (ctx) => (ctx.chatId != null && ctx.staff ? `${ctx.chatId}:${ctx.staff.id}` : undefined),
      adapter: databaseStorage(deps),
    },
  });
}

export const CHAT_LOCK_PREFIX = 'lock:chat:';

export interface ChatLockOptions {
  /** a holder that has not let go after this long is taken to have died */
  staleMs?: number;
  /** pause between two attempts while another update of the chat runs */
  retryMs?: number;
}

/**
 * One update per chat at a time, across every process on the database. A webhook (Telegram opens
 * up to 40 connections) or several processes behind a load balancer hand over the updates of one
 * chat side by side; two quick taps on a conversation's button would then both resume the same
 * stored step and both do its work (a call logged twice). With the lock the second waits, finds
 * the conversation moved on, and is answered as an old button.
 */
export function chatLock(deps: BotDeps, opts: ChatLockOptions = {}): MiddlewareFn<BotContext> {
  const staleMs = opts.staleMs ?? 60_000;
  const retryMs = opts.retryMs ?? 25;
  const db = deps.services.deps.db;
  return async (ctx, next) => {
    if (ctx.chatId == null) return next();
    const key = `${CHAT_LOCK_PREFIX}${ctx.chatId}`;
    const holder = randomUUID();
    // the wait is bounded by real time too: an injected clock that stands still must not hang the chat
    for (let waited = 0; ; waited += retryMs) {
      const now = clockOf(deps).now();
      if (await kvTryLock(db, key, holder, now, new Date(+now - staleMs))) break;
      if (waited >= staleMs) {
        deps.log.warn({ chatId: ctx.chatId }, 'bot: chat lock still held; handling the update anyway');
        return next();
      }
      await sleep(retryMs);
    }
    try {
      await next();
    } finally {
      await kvUnlock(db, key, holder).catch((err) => deps.log.warn({ err, chatId: ctx.chatId }, 'bot: could not release the chat lock'));
    }
  };
}

/** Starts a conversation, leaving any other one first (one at a time per chat). */
export async function enterConversation(ctx: BotContext, id: string, args: ConvoArgs): Promise<void> {
  if (Object.keys(ctx.conversation.active()).length) await ctx.conversation.exitAll();
  await ctx.conversation.enter(id, args);
}

/**
 * /cancel and every Cancel button. Installed before the conversations, so it reaches the user
 * whatever the conversation is waiting for.
 */
export function cancelFeature(): Composer<BotContext> {
  const c = new Composer<BotContext>();
  c.command('cancel', async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    if (active) await ctx.conversation.exitAll();
    await ctx.reply(ctx.tr(active ? 'bot.conv.cancelled' : 'bot.conv.nothing'));
  });
  c.callbackQuery(CANCEL_DATA, async (ctx) => {
    const active = Object.keys(ctx.conversation.active()).length > 0;
    if (active) await ctx.conversation.exitAll();
    await ctx.answerCallbackQuery({ text: ctx.tr(active ? 'bot.conv.cancelled' : 'bot.conv.nothing') });
    try {
      await ctx.editMessageReplyMarkup({ reply_markup: undefined });
    } catch {
      // the buttons of an old message may not be editable any more; nothing to do
    }
    if (active) await ctx.reply(ctx.tr('bot.conv.cancelled'));
  });
  return c;
}
