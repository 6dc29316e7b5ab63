import { Composer, type Context, type MiddlewareFn } from 'grammy';
import { conversations } from '@grammyjs/conversations';
import type { BotContext, BotDeps } from './context.js';
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
