import { InlineKeyboard, type Context } from 'grammy';
import type { Conversation, VersionedStateStorage, ConversationData } from '@grammyjs/conversations';
import type { Role } from '../db/types.js';
import { AppError } from '../core/errors.js';
import { t, type Lang } from '../core/i18n/i18n.js';
import { kvDelete, kvGet, kvSet } from '../core/shared/kv-state.js';
import { errorText, type ErrorInfo } from './access.js';
import { clockOf, type BotContext, type BotDeps } from './context.js';

/**
 * The shared machinery of the four conversations. A conversation is replayed from its start on
 * every update, so everything that reads the database or the clock goes through
 * conversation.external() (its result is logged and reused on replay), and every result kept
 * there is plain JSON (the log is stored in the database).
 */

export type Convo = Conversation<BotContext, Context>;

/** What a conversation is entered with (JSON; kept in its state). */
export interface ConvoArgs {
  userId: number;
  /** the user's role when the conversation started (what it may offer; the core checks again) */
  role?: Role;
  lang: Lang;
  chatId: number;
  /** a lead chosen before entering (a "log call" / "book trial" button) */
  leadId?: number | null;
}

/** A conversation waiting longer than this for an answer is closed on the next update. */
export const INACTIVITY_MS = 30 * 60_000;
/** Bump when a conversation's steps (or its buttons' data) change: older stored states are then dropped, not misreplayed. */
export const CONVERSATION_STATE_VERSION = 2;
export const CONVERSATION_KEY_PREFIX = 'conv:';
export const CANCEL_DATA = 'cx';
const CHOICE = 'cv:';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

export interface Option<T extends string | number = string> {
  value: T;
  label: string;
}

export type Choice<T extends string | number> = { kind: 'option'; value: T; label: string } | { kind: 'text'; text: string } | { kind: 'skip' };

/** Conversation state in table kv_state: survives restarts, shared by every process on the database. */
export function databaseStorage(deps: BotDeps): VersionedStateStorage<string, ConversationData> {
  const db = deps.services.deps.db;
  return {
    read: (key) => kvGet(db, key),
    write: (key, state) => kvSet(db, key, state, clockOf(deps).now()),
    delete: (key) => kvDelete(db, key),
  };
}

/**
 * The number on a shared contact card. Telegram gives its users' numbers in international form
 * without the plus (998901234567, 79161234567); a card from the address book keeps what was saved.
 */
export function contactPhone(raw: string | undefined): string | null {
  const value = raw?.trim();
  if (!value) return null;
  return /^\d{11,15}$/.test(value) ? `+${value}` : value;
}

const isCommand = (ctx: Context) => (ctx.message?.entities ?? []).some((e) => e.type === 'bot_command' && e.offset === 0);

export function makeKit(conversation: Convo, ctx0: Context, deps: BotDeps, args: ConvoArgs) {
  const tr = (key: string, params?: Record<string, string | number | null | undefined>) => t(args.lang, key, params);
  const api = ctx0.api;
  const chatId = args.chatId;
  let step = 0;
  // Every conversation numbers its questions from 1, so a button's data also names the conversation
  // (the update that started it: the same on every replay). Else a button left under a dropped
  // form's question would answer the new form's question of the same number.
  const tag = ctx0.update.update_id.toString(36);
  const buttonData = (id: number, answer: string | number) => `${CHOICE}${tag}.${id}:${answer}`;
  const answerOf = (id: number, pressed: string) => new RegExp(`^${CHOICE}${tag}\\.${id}:(\\d+|skip)$`).exec(pressed);

  const nowMs = () => conversation.external(() => clockOf(deps).now().getTime());

  /** Runs a core call outside the replay; a core refusal comes back as data, not as a throw. */
  function core<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
    return conversation.external(async (): Promise<Outcome<T>> => {
      try {
        // JSON round trip: exactly what a replay after a restart will see
        return { ok: true, value: JSON.parse(JSON.stringify((await fn()) ?? null)) };
      } catch (err) {
        if (err instanceof AppError) return { ok: false, error: { code: err.code, message: err.message } };
        throw err;
      }
    });
  }

  const send = (text: string, keyboard?: InlineKeyboard) => api.sendMessage(chatId, text, keyboard ? { reply_markup: keyboard } : {});

  const say = async (text: string) => {
    await send(text);
  };

  const sayError = (error: ErrorInfo) => say(errorText(args.lang, error));

  /** Shows the answer under the question and removes its buttons. */
  async function markChosen(messageId: number, question: string, answer: string) {
    try {
      await api.editMessageText(chatId, messageId, tr('bot.conv.chosen', { question, answer }));
    } catch {
      // an edit refused by Telegram (too old, unchanged) changes nothing for the person
    }
  }

  /**
   * The next update of this chat. Closes the conversation after INACTIVITY_MS without an answer;
   * a command leaves it, saying so (and then runs); a button that is not ours passes through untouched.
   */
  async function next(): Promise<Context> {
    const before = await nowMs();
    const ctx = await conversation.wait();
    const after = await nowMs();
    const data = ctx.callbackQuery?.data;
    const foreign = data !== undefined && !data.startsWith(CHOICE);
    if (after - before > INACTIVITY_MS) {
      if (ctx.callbackQuery && !foreign) await ctx.answerCallbackQuery();
      await say(tr('bot.conv.timeout'));
      await conversation.halt({ next: isCommand(ctx) || foreign });
    }
    if (isCommand(ctx)) {
      // the command runs next; without a word the half-answered form would just vanish
      await say(tr('bot.conv.left'));
      await conversation.halt({ next: true });
    }
    if (foreign) await conversation.skip({ next: true });
    return ctx;
  }

  function keyboard(id: number, options: Option<string | number>[], opts: { columns?: number; skippable?: boolean }) {
    const kb = new InlineKeyboard();
    const columns = opts.columns ?? 1;
    options.forEach((o, i) => {
      kb.text(o.label.slice(0, 60), buttonData(id, i));
      if ((i + 1) % columns === 0 || i === options.length - 1) kb.row();
    });
    if (opts.skippable) kb.text(tr('bot.conv.skip_btn'), buttonData(id, 'skip'));
    kb.text(tr('bot.conv.cancel_btn'), CANCEL_DATA);
    return kb;
  }

  /**
   * Asks with buttons. With `allowText` a typed answer is returned as text (e.g. a search);
   * otherwise typing gets "please use the buttons" and the question stands.
   */
  async function choose<T extends string | number>(
    question: string,
    options: Option<T>[],
    opts: { columns?: number; allowText?: boolean; skippable?: boolean } = {},
  ): Promise<Choice<T>> {
    const id = ++step;
    const msg = await send(question, keyboard(id, options, opts));
    for (;;) {
      const ctx = await next();
      const data = ctx.callbackQuery?.data;
      if (data !== undefined) {
        const m = answerOf(id, data);
        if (!m) {
          await ctx.answerCallbackQuery({ text: tr('bot.conv.stale') });
          continue;
        }
        await ctx.answerCallbackQuery();
        if (m[1] === 'skip') {
          await markChosen(msg.message_id, question, tr('bot.conv.skip_btn'));
          return { kind: 'skip' };
        }
        const picked = options[Number(m[1])];
        if (!picked) continue;
        await markChosen(msg.message_id, question, picked.label);
        return { kind: 'option', value: picked.value, label: picked.label };
      }
      const text = ctx.message?.text?.trim();
      if (opts.allowText && text) return { kind: 'text', text };
      await say(tr('bot.conv.use_buttons'));
    }
  }

  /**
   * Asks for a typed answer; `skippable` adds a Skip button (then null). With `contact` a shared
   * contact card answers with its phone number (what people send when asked for one).
   */
  async function askText(question: string, opts: { skippable?: boolean; buttons?: Option<string>[]; contact?: boolean } = {}): Promise<string | null | { button: string }> {
    const id = ++step;
    const buttons = opts.buttons ?? [];
    const msg = await send(question, keyboard(id, buttons, { columns: 2, skippable: opts.skippable }));
    for (;;) {
      const ctx = await next();
      const data = ctx.callbackQuery?.data;
      if (data !== undefined) {
        const m = answerOf(id, data);
        if (!m) {
          await ctx.answerCallbackQuery({ text: tr('bot.conv.stale') });
          continue;
        }
        await ctx.answerCallbackQuery();
        if (m[1] === 'skip') {
          await markChosen(msg.message_id, question, tr('bot.conv.skip_btn'));
          return null;
        }
        const picked = buttons[Number(m[1])];
        if (!picked) continue;
        await markChosen(msg.message_id, question, picked.label);
        return { button: picked.value };
      }
      const text = ctx.message?.text?.trim();
      if (text) return text;
      const phone = opts.contact ? contactPhone(ctx.message?.contact?.phone_number) : null;
      if (phone) return phone;
      await say(tr('bot.conv.need_text'));
    }
  }

  /** Like askText, for questions that have no buttons but Cancel: always a string. */
  async function askPlain(question: string, opts: { contact?: boolean } = {}): Promise<string> {
    for (;;) {
      const answer = await askText(question, opts);
      if (typeof answer === 'string') return answer;
    }
  }

  return { tr, core, nowMs, say, sayError, choose, askText, askPlain, send };
}

export type Kit = ReturnType<typeof makeKit>;
