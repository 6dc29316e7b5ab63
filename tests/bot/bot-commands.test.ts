import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, tash } from '../support/fixtures.js';
import { BotEmulator, PUBLIC_URL, last, type TgUser } from '../support/bot-emulator.js';
import type { User } from '../../db/types.js';

const REFUSAL = "Kechirasiz, bu bot faqat o'quv markazi xodimlari uchun";

describe.each(dialects())('bot: commands (%s)', (dialect) => {
  let database: TestDatabase;
  let emu: BotEmulator;
  let aziza: User;
  let bekzod: User;
  const azizaTg: TgUser = { id: 6001 };
  const bekzodTg: TgUser = { id: 6002 };
  const stranger: TgUser = { id: 6999 };
  const leadIds: Record<string, number> = {};

  async function linked(fullName: string, tg: TgUser, over: Parameters<typeof addUser>[1] = {}) {
    const user = await addUser(emu.services, { fullName, ...over });
    const res = await emu.services.telegramLinks.redeem((await emu.services.telegramLinks.createLink(user.id, 'crm_bot')).token, { userId: tg.id, chatId: tg.id });
    if (!res.ok) throw new Error(res.refusal);
    return res.user;
  }

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // Tuesday 10:00 in Tashkent, inside everyone's 09:00–18:00 shift
    emu = await BotEmulator.start(database, tash('2026-11-24T10:00:00'));
    aziza = await linked('Aziza', azizaTg);
    bekzod = await linked('Bekzod', bekzodTg);
    for (const [name, phone, owner] of [
      ['Olim Ismoilov', '90 111 22 33', aziza],
      ['Madina Yusupova', '90 111 22 44', aziza],
      ['Sardor Bekov', '90 111 22 55', bekzod],
    ] as const) {
      const { lead } = await emu.services.leads.intake({ name, phone, source: 'instagram' }, owner);
      leadIds[name] = lead.id;
    }
  });
  afterAll(async () => {
    await emu?.close();
    await database?.cleanup();
  });

  it('an unlinked Telegram user gets a polite refusal and no CRM data, for every command, text and button', async () => {
    for (const text of ['/followups', '/overdue', '/stats', '/rating', '/addlead', '/call', '/trial', '/leave', '/help', 'Olim', '/start']) {
      const replies = await emu.say(stranger, text);
      expect(replies.map((r) => r.text)).toEqual([expect.stringContaining(REFUSAL)]);
      expect(replies[0].buttons).toEqual([]);
    }
    const fu = await database.db.selectFrom('follow_ups').select(['id']).where('lead_id', '=', leadIds['Olim Ismoilov']).executeTakeFirstOrThrow();
    await emu.pressData(stranger, { messageId: 1 }, `ft:done:${fu.id}`);
    expect(await emu.read(stranger)).toEqual([]);
    const after = await database.db.selectFrom('follow_ups').select('state').where('id', '=', fu.id).executeTakeFirstOrThrow();
    expect(after.state).toBe('open');
  });

  it("/followups lists exactly that person's follow-ups for today, with done / snooze / Mini App buttons", async () => {
    const list = last(await emu.say(azizaTg, '/followups'));
    expect(list.text).toContain('Bugungi vazifalar: 2');
    expect(list.text).toContain('Olim Ismoilov');
    expect(list.text).toContain('Madina Yusupova');
    expect(list.text).not.toContain('Sardor Bekov');
    expect(list.text).toContain('+998901112233');
    const urls = list.buttons.filter((b) => b.web_app).map((b) => b.web_app!.url);
    expect(urls.sort()).toEqual([`${PUBLIC_URL}/app/#/leads/${leadIds['Olim Ismoilov']}`, `${PUBLIC_URL}/app/#/leads/${leadIds['Madina Yusupova']}`].sort());

    const other = last(await emu.say(bekzodTg, '/followups'));
    expect(other.text).toContain('Bugungi vazifalar: 1');
    expect(other.text).toContain('Sardor Bekov');
    expect(other.text).not.toMatch(/Olim|Madina/);
  });

  it('the done button completes the follow-up and the list updates in place', async () => {
    const list = last(await emu.say(azizaTg, '/followups'));
    const doneButton = list.buttons.find((b) => b.text.includes('Olim Ismoilov'))!;
    const fuId = Number(doneButton.callback_data!.split(':')[2]);
    await emu.press(azizaTg, list, doneButton.callback_data!);
    const fu = await database.db.selectFrom('follow_ups').select(['state', 'completed_by']).where('id', '=', fuId).executeTakeFirstOrThrow();
    expect(fu).toEqual({ state: 'done', completed_by: aziza.id });
    const edited = await emu.message(list.messageId);
    expect(edited.text).toContain('✅ Bajarildi: Olim Ismoilov');
    expect(edited.text).toContain('Bugungi vazifalar: 1');

    // Bekzod cannot complete Aziza's follow-up, even with a forged button
    const madina = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', leadIds['Madina Yusupova']).where('state', '=', 'open').executeTakeFirstOrThrow();
    await emu.pressData(bekzodTg, { messageId: list.messageId }, `ft:done:${madina.id}`);
    const still = await database.db.selectFrom('follow_ups').select('state').where('id', '=', madina.id).executeTakeFirstOrThrow();
    expect(still.state).toBe('open');
  });

  it('/overdue shows only follow-ups past due; +1h snooze moves one out of it', async () => {
    expect(last(await emu.say(azizaTg, '/overdue')).text).toContain("Muddati o'tgan vazifa yo'q");
    emu.clock.advance(60 * 60_000); // 11:00, the 10:05 follow-ups are late now
    const overdue = last(await emu.say(azizaTg, '/overdue'));
    expect(overdue.text).toContain("Muddati o'tgan vazifalar: 1");
    expect(overdue.text).toContain('Madina Yusupova');
    expect(overdue.text).not.toContain('Olim Ismoilov');
    expect(overdue.text).not.toContain('Sardor Bekov');
    const snooze = overdue.buttons.find((b) => b.text === '⏰ +1h')!;
    await emu.press(azizaTg, overdue, snooze.callback_data!);
    const fu = await database.db.selectFrom('follow_ups').select(['due_at', 'snooze_count']).where('id', '=', Number(snooze.callback_data!.split(':')[2])).executeTakeFirstOrThrow();
    expect(fu).toEqual({ due_at: tash('2026-11-24T12:00:00'), snooze_count: 1 });
    expect((await emu.message(overdue.messageId)).text).toContain("Muddati o'tgan vazifa yo'q");
  });

  it('a Russian-speaking user is answered in Russian (their setting; a stranger by their Telegram language)', async () => {
    const ruTg: TgUser = { id: 6003 };
    await linked('Ольга', ruTg, { language: 'ru' });
    expect(last(await emu.say(ruTg, '/help')).text).toContain('Команды:');
    expect(last(await emu.say(ruTg, '/followups')).text).toContain('На сегодня задач нет');
    expect(last(await emu.say({ id: 6998, languageCode: 'ru' }, '/stats')).text).toContain('этот бот только для сотрудников');
    expect(last(await emu.say({ id: 6997, languageCode: 'en' }, '/stats')).text).toContain("this bot is for the education center's staff only");
  });

  it('unknown text gets a pointer to /help, in the user language', async () => {
    expect(last(await emu.say(azizaTg, 'salom')).text).toContain('/help');
  });
});
