import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserFromGetMe } from 'grammy/types';
import { ManualClock } from '../../core/clock.js';
import { silentLogger, type CoreLogger } from '../../core/deps.js';
import type { ErrorCode } from '../../core/errors.js';
import { LANGS, t } from '../../core/i18n/i18n.js';
import { createServices, type Services } from '../../core/services.js';
import { errorText } from '../../bot/access.js';
import { createBot, type CrmBot } from '../../bot/bot.js';
import { createBotApiRecorder, type BotApiRecorder } from '../support/bot-api-recorder.js';
import { BOT_INFO, PUBLIC_URL } from '../support/bot-emulator.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, tash } from '../support/fixtures.js';
import type { User } from '../../db/types.js';

const CODES: ErrorCode[] = ['VALIDATION', 'NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN', 'CONFLICT', 'INVALID_TRANSITION', 'GROUP_FULL', 'RATE_LIMITED', 'LOCKED', 'PAYLOAD_TOO_LARGE'];

describe('bot: every core error code has a polite reply in every language', () => {
  it.each(LANGS)('%s', (lang) => {
    const texts = CODES.map((code) => errorText(lang, { code, message: 'detail-x' }));
    for (const text of texts) expect(text).not.toMatch(/^bot\.error\./);
    expect(new Set(texts).size).toBe(CODES.length);
    expect(texts[0]).toContain('detail-x');
    expect(t(lang, 'bot.error.internal')).not.toBe('bot.error.internal');
  });
});

describe.each(dialects())('bot: error boundary and notification buttons (%s)', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let recorder: BotApiRecorder;
  let bot: CrmBot;
  let sales: User;
  const errors: unknown[] = [];
  const log: CoreLogger = { ...silentLogger, error: (obj) => void errors.push(obj) };
  let updateId = 1;

  const callback = (from: number, data: string, text = 'notification') =>
    bot.handleUpdate({
      update_id: updateId++,
      callback_query: { id: `cb${updateId}`, from: { id: from, is_bot: false, first_name: 'S' }, chat_instance: '1', data, message: { message_id: 42, date: 1, chat: { id: from, type: 'private', first_name: 'S' }, text } },
    } as never);
  const command = (from: number, text: string) =>
    bot.handleUpdate({
      update_id: updateId++,
      message: { message_id: updateId, date: 1, chat: { id: from, type: 'private', first_name: 'S' }, from: { id: from, is_bot: false, first_name: 'S' }, text, entities: [{ type: 'bot_command', offset: 0, length: text.length }] },
    } as never);
  const lastCall = (method: string) => recorder.callsOf(method).at(-1)!.params;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    services = createServices({ db: database.db, dialect, clock: new ManualClock(tash('2026-11-24T10:00:00')), log: silentLogger, tz: 'Asia/Tashkent' });
    sales = await addUser(services, { fullName: 'Sevara', telegramUserId: 8101 });
    recorder = await createBotApiRecorder();
    const info: UserFromGetMe = { ...BOT_INFO, id: 123456, username: 'crm_test_bot' };
    bot = createBot({ services, config: { PUBLIC_URL, CRM_TIMEZONE: 'Asia/Tashkent', TELEGRAM_BOT_TOKEN: recorder.token }, log, apiRoot: recorder.apiRoot, botInfo: info });
    await bot.init();
  });
  afterAll(async () => {
    await recorder?.close();
    await database?.cleanup();
  });

  it("a notification's done button completes the follow-up and marks the message; a second press is refused politely", async () => {
    const { lead } = await services.leads.intake({ name: 'Notified Nigora', phone: '90 800 00 01', source: 'instagram' }, sales);
    const fu = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lead.id).executeTakeFirstOrThrow();
    await callback(8101, `fu:done:${fu.id}`, '⏰ Bog‘lanish vaqti keldi: Notified Nigora');
    expect((await database.db.selectFrom('follow_ups').select('state').where('id', '=', fu.id).executeTakeFirstOrThrow()).state).toBe('done');
    expect(lastCall('editMessageText').text).toBe('⏰ Bog‘lanish vaqti keldi: Notified Nigora\n\n✅ Bajarildi: Notified Nigora');
    await callback(8101, `fu:done:${fu.id}`);
    const refusal = lastCall('answerCallbackQuery');
    // in the user's words, not the core's English
    expect(refusal).toMatchObject({ show_alert: true, text: "Bu vazifa allaqachon yopilgan (bajarilgan yoki lid holati o'zgargan). Ro'yxat: /followups" });
  });

  it('a fourth snooze is refused in the user language, saying why, and changes nothing', async () => {
    await services.users.update(sales.id, { language: 'ru' });
    try {
      const { lead } = await services.leads.intake({ name: 'Snoozy Sanjar', phone: '90 800 00 03', source: 'instagram' }, sales);
      const fu = await database.db.selectFrom('follow_ups').select(['id', 'due_at']).where('lead_id', '=', lead.id).executeTakeFirstOrThrow();
      await database.db.updateTable('follow_ups').set({ snooze_count: 3 }).where('id', '=', fu.id).execute();
      await callback(8101, `fu:h1:${fu.id}`);
      expect(lastCall('answerCallbackQuery')).toMatchObject({ show_alert: true, text: 'Эту задачу нельзя откладывать больше 3 раз. Выполните её или напишите менеджеру.' });
      expect(await database.db.selectFrom('follow_ups').select(['due_at', 'snooze_count']).where('id', '=', fu.id).executeTakeFirstOrThrow()).toEqual({ due_at: fu.due_at, snooze_count: 3 });
    } finally {
      await services.users.update(sales.id, { language: 'uz' });
    }
  });

  it("a notification's snooze button offers +1 hour and tomorrow; tomorrow lands at the person's shift start", async () => {
    const { lead } = await services.leads.intake({ name: 'Snoozed Shahlo', phone: '90 800 00 02', source: 'instagram' }, sales);
    const fu = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lead.id).executeTakeFirstOrThrow();
    await callback(8101, `fu:snooze:${fu.id}`);
    const markup = lastCall('editMessageReplyMarkup').reply_markup;
    expect(markup.inline_keyboard[0].map((b: { callback_data: string }) => b.callback_data)).toEqual([`fu:h1:${fu.id}`, `fu:tm:${fu.id}`]);
    await callback(8101, `fu:tm:${fu.id}`);
    const row = await database.db.selectFrom('follow_ups').select(['due_at', 'snooze_count']).where('id', '=', fu.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ due_at: tash('2026-11-25T09:00:00'), snooze_count: 1 });
  });

  it('an unexpected failure is logged and answered with an apology, without internals', async () => {
    const original = services.kpi.personToday;
    services.kpi.personToday = async () => {
      throw new Error('connection reset by the database: secret-internal-detail');
    };
    try {
      await command(8101, '/stats');
    } finally {
      services.kpi.personToday = original;
    }
    const reply = recorder.delivered('8101').at(-1)!.text!;
    expect(reply).toBe("Kutilmagan xatolik yuz berdi. Birozdan keyin qayta urinib ko'ring.");
    expect(reply).not.toContain('secret-internal-detail');
    expect(errors).toHaveLength(1);
    // the bot goes on answering
    await command(8101, '/help');
    expect(recorder.delivered('8101').at(-1)!.text).toContain('/followups');
  });
});
