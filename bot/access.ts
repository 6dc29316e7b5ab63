import type { MiddlewareFn } from 'grammy';
import { AppError, type ErrorCode } from '../core/errors.js';
import { asLang, hasKey, t } from '../core/i18n/i18n.js';
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

const statusLabel = (lang: BotContext['lang'], status: string) => (hasKey(`status.${status}`) ? t(lang, `status.${status}`) : null);

/**
 * The refusals a bot user meets (a button pressed twice, a lead moved meanwhile, a snooze too many)
 * in the user's words: the core's message is English, meant for logs and API clients.
 */
function knownRefusal(lang: BotContext['lang'], err: ErrorInfo): string | null {
  const msg = err.message;
  if (err.code === 'CONFLICT') {
    const n = /snoozed at most (\d+)/.exec(msg);
    if (n) return t(lang, 'bot.error.snooze_limit', { n: n[1] });
    if (/follow-up/i.test(msg)) return t(lang, 'bot.error.followup_closed');
    if (/leave request for this period/i.test(msg)) return t(lang, 'bot.error.leave_overlap');
  }
  if (err.code === 'INVALID_TRANSITION') {
    const move = /cannot move from (\w+) to (\w+)/.exec(msg);
    const from = move && statusLabel(lang, move[1]);
    const to = move && statusLabel(lang, move[2]);
    // the move table refuses a move to the status the lead is already in (someone else got there first)
    if (from && to && move[1] === move[2]) return t(lang, 'bot.error.already_status', { status: to });
    if (from && to) return t(lang, 'bot.error.transition', { from, to });
    const already = /already (\w+)/.exec(msg);
    const status = already && statusLabel(lang, already[1]);
    if (status) return t(lang, 'bot.error.already_status', { status });
    const trial = /trial cannot be booked for a lead in status (\w+)/.exec(msg);
    const current = trial && statusLabel(lang, trial[1]);
    if (current) return t(lang, 'bot.error.trial_status', { status: current });
  }
  return null;
}

export function errorText(lang: BotContext['lang'], err: ErrorInfo): string {
  return knownRefusal(lang, err) ?? t(lang, ERROR_KEYS[err.code] ?? 'bot.error.internal', { detail: err.message });
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
