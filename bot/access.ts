import type { MiddlewareFn } from 'grammy';
import { AppError, type ErrorCode } from '../core/errors.js';
import { asLang, t } from '../core/i18n/i18n.js';
import type { BotContext, BotDeps } from './context.js';

/**
 * Who is writing: the staff user linked to this Telegram account (active only), and the language
 * to answer in — the user's own setting, else what their Telegram app says.
 */
export function identify(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const from = ctx.from;
    ctx.staff = from && !from.is_bot ? await deps.services.telegramLinks.userByTelegramId(from.id) : null;
    ctx.lang = ctx.staff ? asLang(ctx.staff.language) : asLang(from?.language_code);
    ctx.tr = (key, params) => t(ctx.lang, key, params);
    await next();
  };
}

/** Only private chats: a command in a group would show one person's CRM data to everyone there. */
export const privateOnly: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (ctx.chat?.type !== 'private' || !ctx.from) return;
  await next();
};

/** Everyone who is not a linked staff user gets a polite refusal and nothing else, for every update. */
export const requireStaff: MiddlewareFn<BotContext> = async (ctx, next) => {
  if (ctx.staff) return next();
  if (ctx.callbackQuery) {
    await ctx.answerCallbackQuery({ text: ctx.tr('bot.unlinked'), show_alert: true });
    return;
  }
  if (ctx.message || ctx.editedMessage) await ctx.reply(ctx.tr('bot.unlinked'));
};

// Every core error code has a reply; the Record type makes a new code a compile error here.
const ERROR_KEYS: Record<ErrorCode, string> = {
  VALIDATION: 'bot.error.VALIDATION',
  NOT_FOUND: 'bot.error.NOT_FOUND',
  UNAUTHORIZED: 'bot.error.UNAUTHORIZED',
  FORBIDDEN: 'bot.error.FORBIDDEN',
  CONFLICT: 'bot.error.CONFLICT',
  INVALID_TRANSITION: 'bot.error.INVALID_TRANSITION',
  GROUP_FULL: 'bot.error.GROUP_FULL',
  RATE_LIMITED: 'bot.error.RATE_LIMITED',
  LOCKED: 'bot.error.LOCKED',
  PAYLOAD_TOO_LARGE: 'bot.error.PAYLOAD_TOO_LARGE',
};

/** A core error, as plain data: what a conversation step keeps in its replay log. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export function errorText(lang: BotContext['lang'], err: ErrorInfo): string {
  return t(lang, ERROR_KEYS[err.code] ?? 'bot.error.internal', { detail: err.message });
}

/** Answers in the medium the update came in: an alert for a button, a message otherwise. */
export async function answer(ctx: BotContext, text: string): Promise<void> {
  if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: text.slice(0, 200), show_alert: true });
  else await ctx.reply(text);
}

/**
 * The error boundary: a core AppError becomes a polite reply in the user's language; anything
 * else is logged and answered with a generic apology (no internals shown).
 */
export function errorBoundary(deps: BotDeps): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      await replyToError(deps, ctx, err);
    }
  };
}

export async function replyToError(deps: BotDeps, ctx: BotContext, err: unknown): Promise<void> {
  const lang = ctx.lang ?? asLang(ctx.from?.language_code);
  let text: string;
  if (err instanceof AppError) {
    deps.log.debug({ code: err.code, message: err.message, update: ctx.update.update_id }, 'bot: refused');
    text = errorText(lang, err);
  } else {
    deps.log.error({ err, update: ctx.update?.update_id }, 'bot: handler failed');
    text = t(lang, 'bot.error.internal');
  }
  try {
    await answer(ctx, text);
  } catch (replyErr) {
    deps.log.warn({ err: replyErr }, 'bot: could not send the error reply');
  }
}
