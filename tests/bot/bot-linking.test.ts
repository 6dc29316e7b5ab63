import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, tash } from '../support/fixtures.js';
import { BOT_INFO, BotEmulator, last } from '../support/bot-emulator.js';

describe.each(dialects())('bot: linking a Telegram account (%s)', (dialect) => {
  let database: TestDatabase;
  let emu: BotEmulator;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    emu = await BotEmulator.start(database, tash('2026-11-24T10:00:00'));
  });
  afterAll(async () => {
    await emu?.close();
    await database?.cleanup();
  });

  it('/start <token> links the account; the same token is refused the second time', async () => {
    const user = await addUser(emu.services, { fullName: 'Dilnoza Karimova' });
    const link = await emu.services.telegramLinks.createLink(user.id, BOT_INFO.username);
    expect(link.url).toBe(`https://t.me/${BOT_INFO.username}?start=${link.token}`);

    const dilnoza = { id: 5001 };
    const welcome = last(await emu.say(dilnoza, `/start ${link.token}`));
    expect(welcome.text).toContain('Dilnoza Karimova');
    expect(welcome.text).toMatch(/bog'landi/);
    const row = await database.db.selectFrom('users').select(['telegram_user_id', 'telegram_chat_id']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ telegram_user_id: '5001', telegram_chat_id: '5001' });

    // now a staff member: commands answer
    expect(last(await emu.say(dilnoza, '/help')).text).toContain('/followups');

    // someone else with the same link: refused, and stays a stranger
    const stranger = { id: 5002 };
    expect(last(await emu.say(stranger, `/start ${link.token}`)).text).toMatch(/allaqachon ishlatilgan/);
    expect(last(await emu.say(stranger, '/help')).text).toMatch(/faqat o'quv markazi xodimlari uchun/);
    const still = await database.db.selectFrom('users').select('telegram_user_id').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(still.telegram_user_id).toBe('5001');
  });

  it('an expired or unknown token is refused and links nothing', async () => {
    const user = await addUser(emu.services, { fullName: 'Late Larisa' });
    const link = await emu.services.telegramLinks.createLink(user.id, BOT_INFO.username);
    emu.clock.advance(24 * 3_600_000 + 1_000);
    const late = { id: 5003 };
    expect(last(await emu.say(late, `/start ${link.token}`)).text).toMatch(/muddati tugagan/);
    expect(last(await emu.say(late, '/start not-a-real-token')).text).toMatch(/Havola noto'g'ri/);
    const row = await database.db.selectFrom('users').select('telegram_user_id').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.telegram_user_id).toBeNull();
  });

  it('a Telegram account already linked to someone keeps its binding', async () => {
    const a = await addUser(emu.services, { fullName: 'Anvar' });
    const b = await addUser(emu.services, { fullName: 'Bobur' });
    const tg = { id: 5004 };
    await emu.say(tg, `/start ${(await emu.services.telegramLinks.createLink(a.id, BOT_INFO.username)).token}`);
    const second = await emu.services.telegramLinks.createLink(b.id, BOT_INFO.username);
    expect(last(await emu.say(tg, `/start ${second.token}`)).text).toContain('Anvar');
    // the link for Bobur was not spent by that attempt
    expect(last(await emu.say({ id: 5005 }, `/start ${second.token}`)).text).toContain('Bobur');
  });

  it("a person back under a new account links the Telegram their deactivated old account held; the old one loses it", async () => {
    const old = await addUser(emu.services, { fullName: 'Old Olim' });
    const tg = { id: 5006 };
    await emu.say(tg, `/start ${(await emu.services.telegramLinks.createLink(old.id, BOT_INFO.username)).token}`);
    await database.db.updateTable('users').set({ is_active: 0 }).where('id', '=', old.id).execute();
    const rehired = await addUser(emu.services, { fullName: 'New Olim' });
    const welcome = last(await emu.say(tg, `/start ${(await emu.services.telegramLinks.createLink(rehired.id, BOT_INFO.username)).token}`));
    expect(welcome.text).toContain('New Olim');
    expect(welcome.text).toMatch(/bog'landi/);
    const rows = await database.db.selectFrom('users').select(['id', 'telegram_user_id']).where('id', 'in', [old.id, rehired.id]).orderBy('id').execute();
    expect(rows).toEqual([
      { id: old.id, telegram_user_id: null },
      { id: rehired.id, telegram_user_id: '5006' },
    ]);
    expect(last(await emu.say(tg, '/help')).text).toContain('/followups');
  });
});
