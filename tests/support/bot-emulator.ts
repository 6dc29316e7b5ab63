import { createServer } from 'node:net';
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import type { UserFromGetMe } from 'grammy/types';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';
import { createServices, type Services } from '../../core/services.js';
import { createBot, type CrmBot } from '../../bot/bot.js';
import type { BotConfig } from '../../bot/context.js';
import type { TestDatabase } from './db.js';

/**
 * Drives the bot the way Telegram does, through telegram-test-api (a Bot API emulator) on
 * 127.0.0.1: a client posts messages, commands and button presses to the emulator; the bot takes
 * them with getUpdates over HTTP and answers with sendMessage/editMessageText over HTTP; the client
 * reads the answers back over HTTP. The emulator ignores getUpdates' offset and timeout, so instead
 * of bot.start() (which would spin) `pump()` fetches the queued updates once and hands them to
 * bot.handleUpdate — the same code path long polling uses.
 */

export const TOKEN = '777000:TEST-emulator-token';
export const BOT_INFO: UserFromGetMe = {
  id: 777000,
  is_bot: true,
  first_name: 'CRM Bot',
  username: 'crm_emulated_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export const PUBLIC_URL = 'https://crm.example.uz';

export function botConfig(over: Partial<BotConfig> = {}): BotConfig {
  return { PUBLIC_URL, CRM_TIMEZONE: 'Asia/Tashkent', TELEGRAM_BOT_TOKEN: TOKEN, ...over };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** A message the bot sent, as the emulator stored it. */
export interface BotMessage {
  messageId: number;
  chatId: string;
  text: string;
  buttons: Array<{ text: string; callback_data?: string; web_app?: { url: string }; url?: string }>;
}

export interface TgUser {
  id: number;
  firstName?: string;
  languageCode?: string;
}

export class BotEmulator {
  bot!: CrmBot;
  services!: Services;
  readonly clock: ManualClock;
  private constructor(
    readonly server: TelegramServer,
    readonly apiURL: string,
    readonly database: TestDatabase,
    clockStart: string,
    readonly config: BotConfig,
  ) {
    this.clock = new ManualClock(clockStart);
  }

  static async start(database: TestDatabase, clockStart: string, config: Partial<BotConfig> = {}): Promise<BotEmulator> {
    const port = await freePort();
    const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 3600 });
    await server.start();
    const emu = new BotEmulator(server, server.config.apiURL, database, clockStart, botConfig(config));
    emu.restart();
    return emu;
  }

  /** A new Bot (and new services) on the same database and clock: what a process restart gives. */
  restart(): CrmBot {
    this.services = createServices({ db: this.database.db, dialect: this.database.dialect, clock: this.clock, log: silentLogger, tz: this.config.CRM_TIMEZONE });
    this.bot = createBot({ services: this.services, config: this.config, log: silentLogger, apiRoot: this.apiURL, botInfo: BOT_INFO });
    return this.bot;
  }

  private async post(path: string, body: unknown): Promise<any> {
    const res = await fetch(`${this.apiURL}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  }

  /** Hands every queued update to the bot (getUpdates over HTTP), in order. */
  async pump(): Promise<number> {
    const res = await this.post(`/bot${TOKEN}/getUpdates`, {});
    const updates: any[] = res.result ?? [];
    await this.bot.init();
    for (const u of updates) {
      // the emulator adds its own bookkeeping field to messages; Telegram would not send it
      if (u.message) delete u.message.botToken;
      await this.bot.handleUpdate(u);
    }
    return updates.length;
  }

  private from(user: TgUser) {
    return { id: user.id, is_bot: false, first_name: user.firstName ?? `User${user.id}`, username: `u${user.id}`, ...(user.languageCode ? { language_code: user.languageCode } : {}) };
  }

  private chat(user: TgUser) {
    return { id: user.id, type: 'private', first_name: user.firstName ?? `User${user.id}`, username: `u${user.id}` };
  }

  /** Messages the bot sent to this chat since the last read (sendMessage over HTTP). */
  async read(user: TgUser): Promise<BotMessage[]> {
    const res = await this.post('/getUpdates', { token: TOKEN, chatId: user.id });
    return (res.result ?? []).map((u: any) => toBotMessage(u));
  }

  /** The current state of a message the bot sent (edits applied). */
  async message(messageId: number): Promise<BotMessage> {
    const res = await this.post('/getUpdatesHistory', { token: TOKEN });
    const hit = (res.result ?? []).find((u: any) => u.messageId === messageId && 'chat_id' in (u.message ?? {}));
    if (!hit) throw new Error(`no bot message ${messageId}`);
    return toBotMessage(hit);
  }

  /** The user types `text` (a command when it starts with /); returns the bot's new messages. */
  async say(user: TgUser, text: string): Promise<BotMessage[]> {
    const message: Record<string, unknown> = { text, from: this.from(user), chat: this.chat(user), date: Math.floor(+this.clock.now() / 1000), botToken: TOKEN };
    if (text.startsWith('/')) {
      const cmd = text.split(/\s/)[0];
      message.entities = [{ offset: 0, length: cmd.length, type: 'bot_command' }];
      await this.post('/sendCommand', message);
    } else {
      await this.post('/sendMessage', message);
    }
    await this.pump();
    return this.read(user);
  }

  /** The user sends something that is not text (a contact card, a photo, a sticker); returns the bot's new messages. */
  async send(user: TgUser, content: Record<string, unknown>): Promise<BotMessage[]> {
    await this.post('/sendMessage', { ...content, from: this.from(user), chat: this.chat(user), date: Math.floor(+this.clock.now() / 1000), botToken: TOKEN });
    await this.pump();
    return this.read(user);
  }

  /** The user presses a button (by its label, or exact callback data) under one of the bot's messages. */
  async press(user: TgUser, on: BotMessage, button: string | RegExp): Promise<BotMessage[]> {
    const match = (b: BotMessage['buttons'][number]) =>
      typeof button === 'string' ? b.text === button || b.callback_data === button : button.test(b.text) || button.test(b.callback_data ?? '');
    const hit = on.buttons.find(match);
    if (!hit?.callback_data) throw new Error(`no button ${String(button)} on "${on.text}": ${on.buttons.map((b) => b.text).join(' | ')}`);
    await this.pressData(user, on, hit.callback_data);
    return this.read(user);
  }

  async pressData(user: TgUser, on: { messageId: number; text?: string }, data: string): Promise<void> {
    await this.post('/sendCallback', {
      from: this.from(user),
      message: { message_id: on.messageId, chat: this.chat(user), date: Math.floor(+this.clock.now() / 1000), text: on.text ?? '' },
      data,
      botToken: TOKEN,
      date: Math.floor(+this.clock.now() / 1000),
    });
    await this.pump();
  }

  async close(): Promise<void> {
    await this.server.stop();
  }
}

function toBotMessage(u: any): BotMessage {
  const m = u.message ?? {};
  const markup = typeof m.reply_markup === 'string' ? JSON.parse(m.reply_markup) : m.reply_markup;
  return {
    messageId: u.messageId,
    chatId: String(m.chat_id),
    text: String(m.text ?? ''),
    buttons: (markup?.inline_keyboard ?? []).flat(),
  };
}

/** The last message of a batch (fails loudly when the bot said nothing). */
export function last(messages: BotMessage[]): BotMessage {
  if (!messages.length) throw new Error('the bot sent nothing');
  return messages[messages.length - 1];
}
