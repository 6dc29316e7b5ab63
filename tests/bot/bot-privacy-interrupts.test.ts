import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, tash } from '../support/fixtures.js';
import { BotEmulator, last, type TgUser } from '../support/bot-emulator.js';
import type { User } from '../../db/types.js';

const REFUSAL = "Kechirasiz, bu bot faqat o'quv markazi xodimlari uchun";

describe.each(dialects())('bot: other people’s leads stay hidden, interrupted conversations say so (%s)', (dialect) => {
  let database: TestDatabase;
  let emu: BotEmulator;
  let aziza: User;
  let bekzod: User;
  let manager: User;
  let leaving: User;
  const azizaTg: TgUser = { id: 8201 };
  const bekzodTg: TgUser = { id: 8202 };
  const managerTg: TgUser = { id: 8203 };
  const leavingTg: TgUser = { id: 8204 };
  let bekzodLead: number;

  async function link(user: User, who: TgUser) {
    const res = await emu.services.telegramLinks.redeem((await emu.services.telegramLinks.createLink(user.id, 'crm_bot')).token, { userId: who.id, chatId: who.id });
    if (!res.ok) throw new Error(res.refusal);
  }
  const leadsWithPhone = (phone: string) => database.db.selectFrom('leads').select(['id', 'assigned_to']).where('phone', '=', phone).execute();
  const conversationRows = async () => (await database.db.selectFrom('kv_state').select('key').where('key', 'like', 'conv:%').execute()).length;

  /** /addlead up to the source question, then picks Instagram; returns the bot's answer. */
  async function addLead(who: TgUser, name: string, phone: string) {
    await emu.say(who, '/addlead');
    await emu.say(who, name);
    const source = last(await emu.say(who, phone)); // no courses: straight to the source
    return last(await emu.press(who, source, 'Instagram')).text;
  }

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // Tuesday 10:00 in Tashkent, inside everyone's 09:00–18:00 shift
    emu = await BotEmulator.start(database, tash('2026-11-24T10:00:00'));
    aziza = await addUser(emu.services, { fullName: 'Aziza Karimova' });
    bekzod = await addUser(emu.services, { fullName: 'Bekzod Rahimov' });
    manager = await addUser(emu.services, { fullName: 'Manager Mansur', role: 'sales_manager' });
    leaving = await addUser(emu.services, { fullName: 'Leaving Laylo' });
    for (const [u, tg] of [[aziza, azizaTg], [bekzod, bekzodTg], [manager, managerTg], [leaving, leavingTg]] as const) await link(u, tg);
    bekzodLead = (await emu.services.leads.intake({ name: 'Sirli Sardor', phone: '90 700 00 01', source: 'walk_in' }, bekzod)).lead.id;
  });
  afterAll(async () => {
    await emu?.close();
    await database?.cleanup();
  });

  it("a salesperson typing the phone of a colleague's lead learns it is known, not whose or who it is", async () => {
    const answer = await addLead(azizaTg, 'Boshqa Ism', '+998 90 700 00 01');
    expect(answer).toBe("ℹ️ Bu raqam bazada bor va boshqa xodimga biriktirilgan. Yangi lid yaratilmadi, murojaat mavjud lidga yozildi.");
    expect(answer).not.toMatch(/Sirli|Sardor|Bekzod|Yangi\)/);
    expect(await leadsWithPhone('+998907000001')).toEqual([{ id: bekzodLead, assigned_to: bekzod.id }]);
    const touched = await database.db.selectFrom('lead_events').select('id').where('lead_id', '=', bekzodLead).where('type', '=', 'touched').execute();
    expect(touched.length).toBeGreaterThan(0);

    // the owner, and a manager, see which lead it is
    expect(await addLead(bekzodTg, 'Yana', '90 700 00 01')).toContain('Sirli Sardor');
    expect(await addLead(managerTg, 'Yana', '90 700 00 01')).toContain("Sirli Sardor (Yangi, mas'ul: Bekzod Rahimov)");
    expect(await leadsWithPhone('+998907000001')).toHaveLength(1);
  });

  it('a command typed in the middle of a conversation says the form was dropped, then runs; nothing half-written stays', async () => {
    await emu.say(azizaTg, '/addlead');
    await emu.say(azizaTg, 'Yarim Yozilgan');
    const replies = await emu.say(azizaTg, '/followups');
    expect(replies[0].text).toBe('Oldingi amal bekor qilindi.');
    expect(last(replies).text).toMatch(/vazifa/);
    // the phone typed now is not an answer to the dropped question
    expect(last(await emu.say(azizaTg, '90 700 00 02')).text).toContain('Tushunmadim');
    expect(await leadsWithPhone('+998907000002')).toHaveLength(0);
    expect(await conversationRows()).toBe(0);

    // an unknown command too: told, and pointed to /help
    await emu.say(azizaTg, '/addlead');
    const unknown = await emu.say(azizaTg, '/nima');
    expect(unknown.map((m) => m.text)).toEqual(['Oldingi amal bekor qilindi.', expect.stringContaining('/help')]);
    expect(await conversationRows()).toBe(0);
  });

  it('a user deactivated mid-conversation is refused from the next message on, and no lead is written', async () => {
    await emu.say(leavingTg, '/addlead');
    await emu.say(leavingTg, 'Oxirgi Lid');
    await emu.services.users.update(leaving.id, { isActive: false });
    const replies = await emu.say(leavingTg, '90 700 00 03');
    expect(replies.map((m) => m.text)).toEqual([expect.stringContaining(REFUSAL)]);
    expect(await leadsWithPhone('+998907000003')).toHaveLength(0);
    for (const command of ['/start', '/stats', '/followups', '/call', '/cancel']) {
      expect((await emu.say(leavingTg, command)).map((m) => m.text)).toEqual([expect.stringContaining(REFUSAL)]);
    }
  });

  it("a forged button for a colleague's lead is answered as not found and changes nothing", async () => {
    await emu.pressData(azizaTg, { messageId: 1 }, `call:${bekzodLead}`);
    expect((await emu.read(azizaTg)).map((m) => m.text)).toEqual(['Topilmadi yoki sizga tegishli emas.']);
    await emu.pressData(azizaTg, { messageId: 1 }, `trial:${bekzodLead}`);
    expect((await emu.read(azizaTg)).map((m) => m.text)).toEqual(['Topilmadi yoki sizga tegishli emas.']);
    const calls = await database.db.selectFrom('lead_events').select('id').where('lead_id', '=', bekzodLead).where('type', '=', 'call_logged').execute();
    expect(calls).toHaveLength(0);
  });
});
