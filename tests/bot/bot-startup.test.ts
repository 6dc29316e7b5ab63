import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import { silentLogger, type CoreLogger } from '../../core/deps.js';
import { createServices, type Services } from '../../core/services.js';
import { configureBotUi, createBot, mountTelegramWebhook, startBot, webhookSecret, WEBHOOK_PATH } from '../../bot/bot.js';
import { createBotApiRecorder, type BotApiRecorder } from '../support/bot-api-recorder.js';
import { BOT_INFO as EMULATED_BOT, BotEmulator, PUBLIC_URL } from '../support/bot-emulator.js';
import type { UserFromGetMe } from 'grammy/types';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, tash } from '../support/fixtures.js';

const BOT_INFO: UserFromGetMe = { ...EMULATED_BOT, id: 123456, first_name: 'CRM Test Bot', username: 'crm_test_bot' };

/** A logger that keeps warnings, to see that start-up failures are reported. */
function memoryLog() {
  const warnings: string[] = [];
  const log: CoreLogger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(String(msg)) };
  return { log, warnings };
}

const waitFor = async (what: () => boolean, ms = 5_000) => {
  const until = Date.now() + ms;
  while (!what()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const message = (from: number, text: string, languageCode?: string) => ({
  message: {
    message_id: 1,
    date: 1,
    chat: { id: from, type: 'private', first_name: 'T' },
    from: { id: from, is_bot: false, first_name: 'T', ...(languageCode ? { language_code: languageCode } : {}) },
    text,
    ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0].length }] } : {}),
  },
});

describe.each(dialects())('bot: start-up, menus, long polling and webhook against a Bot API recorder (%s)', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let recorder: BotApiRecorder;
  const config = () => ({ PUBLIC_URL, CRM_TIMEZONE: 'Asia/Tashkent', TELEGRAM_BOT_TOKEN: recorder.token });

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    services = createServices({ db: database.db, dialect, clock: new ManualClock(tash('2026-11-24T10:00:00')), log: silentLogger, tz: 'Asia/Tashkent' });
    await addUser(services, { fullName: 'Polling Pulat', telegramUserId: 8001 });
  });
  afterEach(async () => {
    await recorder?.close();
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it('sets the command menu per language (Uzbek as the default) and the menu button that opens the Mini App', async () => {
    recorder = await createBotApiRecorder({ botUsername: BOT_INFO.username });
    const bot = createBot({ services, config: config(), log: silentLogger, apiRoot: recorder.apiRoot, botInfo: BOT_INFO });
    expect(await configureBotUi(bot, { config: config(), log: silentLogger })).toEqual({ failed: [] });
    const byLang = (lang: string) => new Map((recorder.commands.get(`default|${lang}`) as Array<{ command: string; description: string }>).map((c) => [c.command, c.description]));
    expect(byLang('').get('followups')).toBe('Bugungi vazifalar');
    expect(byLang('uz').get('followups')).toBe('Bugungi vazifalar');
    expect(byLang('ru').get('followups')).toBe('Задачи на сегодня');
    expect(byLang('en').get('followups')).toBe("Today's follow-ups");
    expect([...byLang('ru').keys()].sort()).toEqual(['addlead', 'call', 'cancel', 'followups', 'help', 'leave', 'overdue', 'rating', 'start', 'stats', 'trial']);
    expect(recorder.menuButton).toEqual({ type: 'web_app', text: 'CRM', web_app: { url: `${PUBLIC_URL}/app/` } });
  });

  it('failing Bot API calls at start-up are logged, never fatal; the bot answers afterwards', async () => {
    recorder = await createBotApiRecorder({ botUsername: BOT_INFO.username });
    recorder.setFaults({ methods: ['setMyCommands', 'setChatMenuButton', 'setWebhook'], rate500: 1 });
    const { log, warnings } = memoryLog();
    const bot = createBot({ services, config: config(), log, apiRoot: recorder.apiRoot, botInfo: BOT_INFO });
    const running = await startBot(bot, { services, config: { ...config(), TELEGRAM_WEBHOOK_URL: 'https://crm.example.uz/telegram/webhook' }, log });
    const { failed } = await running.ready;
    expect(failed).toEqual(['setMyCommands', 'setMyCommands:uz', 'setMyCommands:ru', 'setMyCommands:en', 'setChatMenuButton', 'setWebhook']);
    expect(warnings.filter((w) => w.includes('failed')).length).toBe(6);
    await bot.handleUpdate({ update_id: 1, ...message(8001, '/help') } as never);
    expect(recorder.delivered('8001').at(-1)?.text).toContain('/followups');
    await running.stop();
  });

  it('an unreachable Bot API at start-up is not fatal either: the emulator 500s setMyCommands; refused connections pass and polling recovers', async () => {
    const emu = await BotEmulator.start(database, tash('2026-11-24T10:00:00'));
    try {
      const { failed } = await configureBotUi(emu.bot, { config: config(), log: silentLogger });
      expect(failed).toContain('setMyCommands:ru');
    } finally {
      await emu.close();
    }
    recorder = await createBotApiRecorder({ botUsername: BOT_INFO.username, maxPollMs: 200 });
    const outage = recorder.outage(1_500); // connections refused while the bot starts
    const { log, warnings } = memoryLog();
    const bot = createBot({ services, config: config(), log, apiRoot: recorder.apiRoot, botInfo: BOT_INFO });
    const running = await startBot(bot, { services, config: config(), log });
    expect((await running.ready).failed).toEqual(['setMyCommands', 'setMyCommands:uz', 'setMyCommands:ru', 'setMyCommands:en', 'setChatMenuButton']);
    expect(warnings.length).toBeGreaterThanOrEqual(5);
    await outage;
    recorder.pushUpdate(message(8001, '/help'));
    await waitFor(() => recorder.delivered('8001').length > 0, 15_000);
    expect(recorder.delivered('8001')[0].text).toContain('/followups');
    await running.stop();
  });

  it('long polling: an update queued on the Bot API is answered; an unlinked user gets the refusal, also on a button', async () => {
    recorder = await createBotApiRecorder({ botUsername: BOT_INFO.username, maxPollMs: 200 });
    const bot = createBot({ services, config: config(), log: silentLogger, apiRoot: recorder.apiRoot });
    const running = await startBot(bot, { services, config: config(), log: silentLogger });
    expect(running.mode).toBe('polling');
    recorder.pushUpdate(message(8001, '/help'));
    await waitFor(() => recorder.delivered('8001').length > 0);
    expect(recorder.delivered('8001')[0].text).toContain('/followups');

    recorder.pushUpdate(message(8999, '/followups', 'ru'));
    recorder.pushUpdate({
      callback_query: { id: 'cb1', from: { id: 8999, is_bot: false, first_name: 'X' }, chat_instance: '1', data: 'ft:done:1', message: { message_id: 5, date: 1, chat: { id: 8999, type: 'private' } } },
    });
    await waitFor(() => recorder.callsOf('answerCallbackQuery').length > 0);
    expect(recorder.delivered('8999').map((c) => c.text)).toEqual([expect.stringContaining('только для сотрудников')]);
    const alert = recorder.callsOf('answerCallbackQuery')[0].params;
    expect(alert.show_alert).toBe(true);
    expect(alert.text).toContain('faqat');
    await running.stop();
    expect(bot.isRunning()).toBe(false);
  });

  describe('webhook mode', () => {
    let server: Server;
    let url: string;
    afterEach(async () => {
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    });

    it('registers the webhook with a secret and refuses updates without the secret header', async () => {
      recorder = await createBotApiRecorder({ botUsername: BOT_INFO.username });
      const cfg = { ...config(), TELEGRAM_WEBHOOK_URL: 'https://crm.example.uz/telegram/webhook' };
      const bot = createBot({ services, config: cfg, log: silentLogger, apiRoot: recorder.apiRoot, botInfo: BOT_INFO });
      const app = new Hono();
      const secret = webhookSecret(cfg);
      mountTelegramWebhook(app, bot, secret);
      server = createServer(getRequestListener(app.fetch));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}${WEBHOOK_PATH}`;

      const running = await startBot(bot, { services, config: cfg, log: silentLogger });
      expect(running.mode).toBe('webhook');
      await running.ready;
      expect(recorder.webhook).toEqual({ url: cfg.TELEGRAM_WEBHOOK_URL, secretToken: secret });

      const post = (headers: Record<string, string>, text: string) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ update_id: 10, ...message(8001, text) }) });
      expect((await post({}, '/help')).status).toBe(401);
      expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': 'guess' }, '/help')).status).toBe(401);
      expect(recorder.delivered('8001')).toEqual([]);
      expect((await post({ 'X-Telegram-Bot-Api-Secret-Token': secret }, '/help')).status).toBe(200);
      expect(recorder.delivered('8001').map((c) => c.text)).toEqual([expect.stringContaining('/followups')]);
      await running.stop();
    });
  });
});
