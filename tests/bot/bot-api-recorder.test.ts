import { afterEach, describe, expect, it } from 'vitest';
import { Api, Bot, GrammyError, HttpError } from 'grammy';
import { createBotApiRecorder, maxPerWindow, type BotApiRecorder } from '../support/bot-api-recorder.js';

describe('Bot API recorder', () => {
  let recorder: BotApiRecorder;
  afterEach(async () => {
    await recorder?.close();
  });

  it('answers the set-up calls a bot makes and keeps what was set', async () => {
    recorder = await createBotApiRecorder({ botUsername: 'edu_crm_bot' });
    const api = new Api(recorder.token, { apiRoot: recorder.apiRoot });
    expect((await api.getMe()).username).toBe('edu_crm_bot');
    await api.setMyCommands([{ command: 'stats', description: 'Bugungi natijalar' }], { language_code: 'uz' });
    await api.setChatMenuButton({ menu_button: { type: 'web_app', text: 'CRM', web_app: { url: 'https://crm.example.uz/app/' } } });
    await api.setWebhook('https://crm.example.uz/telegram/webhook', { secret_token: 's3cret' });
    expect(recorder.webhook).toEqual({ url: 'https://crm.example.uz/telegram/webhook', secretToken: 's3cret' });
    await api.deleteWebhook();
    expect(recorder.webhook).toBeNull();
    expect(recorder.commands.get('default|uz')).toEqual([{ command: 'stats', description: 'Bugungi natijalar' }]);
    expect(recorder.menuButton).toMatchObject({ type: 'web_app' });
    const sent = await api.sendMessage(42, 'hello');
    const edited = await api.editMessageText(42, sent.message_id, 'hello again');
    expect(edited).toMatchObject({ message_id: sent.message_id, text: 'hello again' });
    expect(await api.answerCallbackQuery('cb1')).toBe(true);
    await expect(new Api('1:wrong', { apiRoot: recorder.apiRoot }).getMe()).rejects.toBeInstanceOf(GrammyError);
    expect(recorder.calls.map((c) => c.method)).toEqual([
      'getMe',
      'setMyCommands',
      'setChatMenuButton',
      'setWebhook',
      'deleteWebhook',
      'sendMessage',
      'editMessageText',
      'answerCallbackQuery',
      'getMe',
    ]);
  });

  it('feeds a long-polling bot the updates it is given', async () => {
    recorder = await createBotApiRecorder({ maxPollMs: 200 });
    const bot = new Bot(recorder.token, { client: { apiRoot: recorder.apiRoot } });
    bot.command('start', (ctx) => ctx.reply(`hi ${ctx.from?.first_name}`));
    const polling = bot.start({ drop_pending_updates: false });
    recorder.pushUpdate({
      message: { message_id: 1, date: 0, chat: { id: 77, type: 'private', first_name: 'Ali' }, from: { id: 77, is_bot: false, first_name: 'Ali' }, text: '/start', entities: [{ type: 'bot_command', offset: 0, length: 6 }] },
    });
    for (let i = 0; i < 100 && !recorder.delivered('77').length; i++) await new Promise((r) => setTimeout(r, 20));
    await bot.stop();
    await polling;
    expect(recorder.delivered('77').map((c) => c.text)).toEqual(['hi Ali']);
  });

  it('injects 429s, 500s, dropped answers and refused connections', async () => {
    recorder = await createBotApiRecorder();
    const api = new Api(recorder.token, { apiRoot: recorder.apiRoot, timeoutSeconds: 2 });
    recorder.setFaults({ rate429: 1, retryAfter: 3 });
    const flood = await api.sendMessage(1, 'a').catch((e) => e);
    expect(flood).toBeInstanceOf(GrammyError);
    expect(flood).toMatchObject({ error_code: 429, parameters: { retry_after: 3 } });
    recorder.setFaults({ rate500: 1 });
    expect(await api.sendMessage(1, 'b').catch((e) => e)).toMatchObject({ error_code: 500 });
    recorder.setFaults({ dropRate: 1 });
    expect(await api.sendMessage(1, 'c').catch((e) => e)).toBeInstanceOf(HttpError);
    recorder.setFaults(null);
    const outage = recorder.outage(300);
    const refused = await api.sendMessage(1, 'd').catch((e) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).error).toMatchObject({ code: 'ECONNREFUSED' });
    await outage;
    await api.sendMessage(1, 'e');
    // the dropped one was taken (delivered), the others were not
    expect(recorder.delivered().map((c) => c.text)).toEqual(['c', 'e']);
    expect(maxPerWindow([0, 1000, 2000], 1000)).toBe(1);
    expect(maxPerWindow([0, 999, 1000, 1500], 1000)).toBe(3);
  });
});
