import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, tash } from '../support/fixtures.js';
import { BOT_INFO, BotEmulator, last, type BotMessage, type TgUser } from '../support/bot-emulator.js';
import type { User } from '../../db/types.js';
import { silentLogger } from '../../core/deps.js';
import { createServices } from '../../core/services.js';
import { createBot } from '../../bot/bot.js';

const CANCEL = '✖ Bekor qilish';

describe.each(dialects())('bot: conversations (%s)', (dialect) => {
  let database: TestDatabase;
  let emu: BotEmulator;
  let sales: User;
  let manager: User;
  const tg: TgUser = { id: 7001 };
  const managerTg: TgUser = { id: 7002 };
  let courseId: number;
  let groupId: number;

  async function link(user: User, who: TgUser) {
    const res = await emu.services.telegramLinks.redeem((await emu.services.telegramLinks.createLink(user.id, 'crm_bot')).token, { userId: who.id, chatId: who.id });
    if (!res.ok) throw new Error(res.refusal);
  }
  const conversationRows = async () => (await database.db.selectFrom('kv_state').select('key').where('key', 'like', 'conv:%').execute()).length;
  const leadByPhone = (phone: string) => database.db.selectFrom('leads').selectAll().where('phone', '=', phone).execute();
  async function newLead(name: string, phone: string, status?: 'contacted') {
    const { lead } = await emu.services.leads.intake({ name, phone, source: 'walk_in', courseId }, sales);
    if (status) await emu.services.leads.move(lead.id, { to: status }, sales);
    return lead;
  }

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // Tuesday 24 Nov 2026, 10:00 in Tashkent
    emu = await BotEmulator.start(database, tash('2026-11-24T10:00:00'));
    sales = await addUser(emu.services, { fullName: 'Gulnora Saidova' });
    manager = await addUser(emu.services, { fullName: 'Manager Mansur', role: 'sales_manager' });
    await link(sales, tg);
    await link(manager, managerTg);
    courseId = (await addCourse(database, { name: 'English' })).id;
    await addCourse(database, { name: 'Matematika' });
    groupId = (await addGroup(database, courseId, { name: 'EN-1', days: 'odd', start_time: '15:00', capacity: 2, current_students: 1 })).id;
  });
  afterAll(async () => {
    await emu?.close();
    await database?.cleanup();
  });

  describe('add a lead', () => {
    it('completes: name, phone (an invalid one is answered with the reason and asked again), course, source', async () => {
      const ask = last(await emu.say(tg, '/addlead'));
      expect(ask.text).toContain('Ismini yozing');
      expect(ask.buttons.map((b) => b.text)).toContain(CANCEL);
      expect(last(await emu.say(tg, 'Jasur Tursunov')).text).toContain('Telefon raqami');
      const again = last(await emu.say(tg, '12345'));
      expect(again.text).toContain("«12345» — noto'g'ri telefon raqami");
      expect(again.text).toContain('Qaytadan yozing');
      const course = last(await emu.say(tg, '90 555 66 77'));
      expect(course.text).toBe('Qaysi kurs?');
      expect(course.buttons.map((b) => b.text)).toEqual(['English', 'Matematika', 'Kursi aniq emas', CANCEL]);
      const source = last(await emu.press(tg, course, 'English'));
      expect(source.text).toContain('Lid qayerdan keldi?');
      expect(last(await emu.press(tg, source, 'Instagram')).text).toBe("✅ Lid qo'shildi: Jasur Tursunov, +998905556677. Mas'ul: Gulnora Saidova.");
      const [lead] = await leadByPhone('+998905556677');
      expect(lead).toMatchObject({ name: 'Jasur Tursunov', course_id: courseId, source: 'instagram', assigned_to: sales.id, created_by: sales.id });
      expect(await conversationRows()).toBe(0);
    });

    it('takes the phone from a shared contact card (a Telegram number comes without its plus); a photo is asked to be text', async () => {
      await emu.say(tg, '/addlead');
      const phone = last(await emu.say(tg, 'Kontakt Karina'));
      expect(phone.text).toContain('Telefon raqami');
      expect((await emu.send(tg, { photo: [{ file_id: 'p1', file_unique_id: 'u1', width: 90, height: 90 }] })).map((m) => m.text)).toEqual(['Iltimos, matn yuboring.']);
      const course = last(await emu.send(tg, { contact: { phone_number: '79161234567', first_name: 'Karina', user_id: 555 } }));
      expect(course.text).toBe('Qaysi kurs?');
      const source = last(await emu.press(tg, course, 'Kursi aniq emas'));
      expect(last(await emu.press(tg, source, 'Telegram')).text).toBe("✅ Lid qo'shildi: Kontakt Karina, +79161234567. Mas'ul: Gulnora Saidova.");
      expect(await leadByPhone('+79161234567')).toHaveLength(1);
    });

    it('a known phone gets the duplicate answer and no second lead', async () => {
      await emu.say(tg, '/addlead');
      await emu.say(tg, 'Jasur boshqa');
      const course = last(await emu.say(tg, '+998 90 555 66 77'));
      const source = last(await emu.press(tg, course, 'Kursi aniq emas'));
      const reply = last(await emu.press(tg, source, 'Telegram'));
      expect(reply.text).toContain('ℹ️ Bu raqam bazada bor: Jasur Tursunov');
      expect(reply.text).toContain("mas'ul: Gulnora Saidova");
      expect(await leadByPhone('+998905556677')).toHaveLength(1);
    });

    it('can be cancelled with /cancel and with the button; nothing is created', async () => {
      await emu.say(tg, '/addlead');
      await emu.say(tg, 'Bekor Qilinadigan');
      expect(last(await emu.say(tg, '/cancel')).text).toBe('Bekor qilindi.');
      // the phone typed now is not taken as an answer any more
      expect(last(await emu.say(tg, '90 555 66 88')).text).toContain('Tushunmadim');
      const ask = last(await emu.say(tg, '/addlead'));
      expect(last(await emu.press(tg, ask, CANCEL)).text).toBe('Bekor qilindi.');
      expect(last(await emu.say(tg, 'Nomi')).text).toContain('Tushunmadim');
      expect(await leadByPhone('+998905556688')).toHaveLength(0);
      expect(await conversationRows()).toBe(0);
      expect(last(await emu.say(tg, '/cancel')).text).toBe("Bekor qiladigan amal yo'q.");
    });

    it('survives a bot restart mid-way (state in the database)', async () => {
      await emu.say(tg, '/addlead');
      await emu.say(tg, 'Restart Rustam');
      const course = last(await emu.say(tg, '90 555 66 99'));
      expect(await conversationRows()).toBe(1);
      emu.restart(); // a new Bot and new services on the same database, nothing kept in memory
      const source = last(await emu.press(tg, course, 'Matematika'));
      expect(source.text).toContain('Lid qayerdan keldi?');
      expect(last(await emu.press(tg, source, 'Tavsiya')).text).toContain("✅ Lid qo'shildi: Restart Rustam");
      const [lead] = await leadByPhone('+998905556699');
      expect(lead.source).toBe('referral');
    });

    it('times out cleanly after 30 minutes without an answer', async () => {
      await emu.say(tg, '/addlead');
      await emu.say(tg, 'Sekin Sanjar');
      emu.clock.advance(31 * 60_000);
      const replies = await emu.say(tg, '90 555 77 00');
      expect(replies.map((r) => r.text)).toEqual([expect.stringContaining('30 daqiqa javobsiz qoldi')]);
      expect(await conversationRows()).toBe(0);
      expect(await leadByPhone('+998905557700')).toHaveLength(0);
      // a command after the timeout runs as usual
      expect(last(await emu.say(tg, '/help')).text).toContain('/followups');
    });
  });

  describe('log a call', () => {
    it('completes: lead → outcome → status → note → call back time', async () => {
      const lead = await newLead('Kamola Rahimova', '91 200 00 01');
      const pick = last(await emu.say(tg, '/call'));
      expect(pick.text).toContain('Qaysi lid?');
      const outcome = last(await emu.press(tg, pick, 'Kamola Rahimova · +998912000001'));
      expect(outcome.text).toContain("Kamola Rahimova, +998912000001 (Yangi). Qo'ng'iroq natijasi?");
      const status = last(await emu.press(tg, outcome, "Keyinroq qo'ng'iroq"));
      // "call back later" keeps the lead alive: losing it in the same form is not offered
      expect(status.buttons.map((b) => b.text)).toEqual(["O'zgartirmaslik", 'Aloqa qilindi', CANCEL]);
      const note = last(await emu.press(tg, status, 'Aloqa qilindi'));
      expect(note.text).toContain('Izoh');
      const when = last(await emu.say(tg, "Narxini so'radi"));
      expect(when.text).toContain("Qachon qayta qo'ng'iroq qilamiz?");
      expect(last(await emu.say(tg, 'ertaga')).text).toContain('Vaqtni tushunmadim');
      const done = last(await emu.say(tg, '25.11 10:30'));
      expect(done.text).toContain("✅ Qo'ng'iroq yozildi: Kamola Rahimova — Keyinroq qo'ng'iroq.");
      expect(done.text).toContain('Yangi holat: Aloqa qilindi.');
      expect(done.text).toContain("Qayta qo'ng'iroq: 25.11 10:30.");

      const row = await database.db.selectFrom('leads').select(['status', 'last_note']).where('id', '=', lead.id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'contacted', last_note: "Narxini so'radi" });
      const call = await database.db.selectFrom('lead_events').select('data').where('lead_id', '=', lead.id).where('type', '=', 'call_logged').executeTakeFirstOrThrow();
      expect(JSON.parse(call.data!)).toMatchObject({ outcome: 'call_back', note: "Narxini so'radi", callbackAt: tash('2026-11-25T10:30:00') });
      const callback = await database.db.selectFrom('follow_ups').select(['due_at', 'state']).where('lead_id', '=', lead.id).where('kind', '=', 'callback').executeTakeFirstOrThrow();
      expect(callback).toEqual({ due_at: tash('2026-11-25T10:30:00'), state: 'open' });
    });

    it('starts from the 📞 button of a follow-up with the lead chosen, and finds leads by typed text', async () => {
      const lead = await newLead('Nodira Aminova', '91 200 00 02');
      const list = last(await emu.say(tg, '/followups'));
      const outcome = last(await emu.press(tg, list, `call:${lead.id}`));
      expect(outcome.text).toContain('Nodira Aminova, +998912000002');
      const status = last(await emu.press(tg, outcome, 'Gaplashildi'));
      const note = last(await emu.press(tg, status, "O'zgartirmaslik"));
      expect(last(await emu.press(tg, note, "⏭ O'tkazib yuborish")).text).toBe("✅ Qo'ng'iroq yozildi: Nodira Aminova — Gaplashildi.");
      expect((await database.db.selectFrom('leads').select('status').where('id', '=', lead.id).executeTakeFirstOrThrow()).status).toBe('new');

      await emu.say(tg, '/call');
      const found = last(await emu.say(tg, 'nodira'));
      expect(found.buttons.map((b) => b.text)).toEqual(['Nodira Aminova · +998912000002', CANCEL]);
      expect(last(await emu.say(tg, 'hech kim')).text).toContain('Hech narsa topilmadi');
      await emu.say(tg, '/cancel');
    });

    it('can be cancelled; nothing is logged', async () => {
      const lead = await newLead('Cancel Call', '91 200 00 03');
      const pick = last(await emu.say(tg, '/call'));
      const outcome = last(await emu.press(tg, pick, /Cancel Call/));
      await emu.press(tg, outcome, 'Band');
      expect(last(await emu.say(tg, '/cancel')).text).toBe('Bekor qilindi.');
      const events = await database.db.selectFrom('lead_events').select('id').where('lead_id', '=', lead.id).where('type', '=', 'call_logged').execute();
      expect(events).toHaveLength(0);
    });

    it('survives a bot restart mid-way', async () => {
      const lead = await newLead('Restart Call', '91 200 00 04');
      const pick = last(await emu.say(tg, '/call'));
      const outcome = last(await emu.press(tg, pick, /Restart Call/));
      const status = last(await emu.press(tg, outcome, 'Javob bermadi'));
      emu.restart();
      expect(last(await emu.press(tg, status, "O'zgartirmaslik")).text).toContain('Izoh');
      expect(last(await emu.say(tg, 'Ikki marta')).text).toBe("✅ Qo'ng'iroq yozildi: Restart Call — Javob bermadi.");
      const call = await database.db.selectFrom('lead_events').select('data').where('lead_id', '=', lead.id).where('type', '=', 'call_logged').executeTakeFirstOrThrow();
      expect(JSON.parse(call.data!)).toMatchObject({ outcome: 'no_answer', note: 'Ikki marta' });
    });

    it('a lost lead is not offered "call back later" (it would leave a call-back on a lead nobody works)', async () => {
      const lead = await newLead('Lost Lola', '91 200 00 71');
      await emu.services.leads.move(lead.id, { to: 'lost', lostReason: 'price' }, sales);
      await emu.pressData(tg, { messageId: 1 }, `call:${lead.id}`);
      const outcome = last(await emu.read(tg));
      expect(outcome.text).toContain("Lost Lola, +998912000071 (Yo'qotilgan)");
      const labels = outcome.buttons.map((b) => b.text);
      expect(labels).toContain('Javob bermadi');
      expect(labels).not.toContain("Keyinroq qo'ng'iroq");
      await emu.press(tg, outcome, CANCEL);
    });

    it('a lead moved elsewhere meanwhile: the refused move is told in Uzbek, the call is still logged', async () => {
      const lead = await newLead('Moved Meanwhile', '91 200 00 06');
      const pick = last(await emu.say(tg, '/call'));
      const outcome = last(await emu.press(tg, pick, /Moved Meanwhile/));
      const status = last(await emu.press(tg, outcome, 'Gaplashildi'));
      await emu.services.leads.move(lead.id, { to: 'contacted' }, sales); // e.g. from the Mini App
      const note = last(await emu.press(tg, status, 'Aloqa qilindi'));
      const replies = await emu.press(tg, note, "⏭ O'tkazib yuborish");
      expect(replies.map((m) => m.text)).toEqual(['Lid allaqachon «Aloqa qilindi» holatida.', "✅ Qo'ng'iroq yozildi: Moved Meanwhile — Gaplashildi."]);
      const calls = await database.db.selectFrom('lead_events').select('id').where('lead_id', '=', lead.id).where('type', '=', 'call_logged').execute();
      expect(calls).toHaveLength(1);
    });

    it("an old 📞 button of a student: a salesperson is not offered 'lost'; a manager records the student leaving without a reason question, freeing the seat", async () => {
      const lead = await newLead('Student Sobir', '91 200 00 07', 'contacted');
      await emu.services.leads.move(lead.id, { to: 'interested' }, sales);
      await emu.services.leads.enroll(lead.id, { groupId }, sales);
      const seats = async () => (await database.db.selectFrom('study_groups').select('current_students').where('id', '=', groupId).executeTakeFirstOrThrow()).current_students;
      expect(await seats()).toBe(2);

      await emu.pressData(tg, { messageId: 1 }, `call:${lead.id}`);
      const outcome = last(await emu.read(tg));
      expect(outcome.text).toContain('Student Sobir, +998912000007 (Kursga yozildi)');
      // no status question: there is nothing a salesperson may move a student to
      const note = last(await emu.press(tg, outcome, 'Gaplashildi'));
      expect(note.text).toContain('Izoh');
      expect(last(await emu.press(tg, note, "⏭ O'tkazib yuborish")).text).toBe("✅ Qo'ng'iroq yozildi: Student Sobir — Gaplashildi.");

      await emu.pressData(managerTg, { messageId: 1 }, `call:${lead.id}`);
      const status = last(await emu.press(managerTg, last(await emu.read(managerTg)), 'Gaplashildi'));
      expect(status.buttons.map((b) => b.text)).toEqual(["O'zgartirmaslik", "Yo'qotilgan", CANCEL]);
      const managerNote = last(await emu.press(managerTg, status, "Yo'qotilgan"));
      expect(managerNote.text).toContain('Izoh');
      const done = last(await emu.say(managerTg, "Boshqa shaharga ko'chdi"));
      expect(done.text).toBe("✅ Qo'ng'iroq yozildi: Student Sobir — Gaplashildi.\nYangi holat: Yo'qotilgan.");
      expect(await database.db.selectFrom('leads').select(['status', 'lost_reason']).where('id', '=', lead.id).executeTakeFirstOrThrow()).toEqual({ status: 'lost', lost_reason: 'left' });
      expect(await seats()).toBe(1);
    });

    it("a button of an earlier, dropped conversation is not taken as an answer to the new one's question", async () => {
      const first = await newLead('Old Button Olim', '91 200 00 08');
      const second = await newLead('New Button Nigora', '91 200 00 09');
      const oldOutcome = last(await emu.press(tg, last(await emu.say(tg, '/call')), /Old Button Olim/));
      await emu.say(tg, '/cancel');
      const outcome = last(await emu.press(tg, last(await emu.say(tg, '/call')), /New Button Nigora/));
      expect(outcome.text).toContain('New Button Nigora');
      // the same step of the same form, so the same place on the keyboard: still the old message's button
      expect(await emu.press(tg, oldOutcome, "Noto'g'ri raqam")).toEqual([]);
      const status = last(await emu.press(tg, outcome, 'Band'));
      expect(status.text).toContain("Holatni o'zgartirasizmi?");
      const note = last(await emu.press(tg, status, "O'zgartirmaslik"));
      expect(last(await emu.press(tg, note, "⏭ O'tkazib yuborish")).text).toBe("✅ Qo'ng'iroq yozildi: New Button Nigora — Band.");
      const calls = await database.db.selectFrom('lead_events').select(['lead_id', 'data']).where('lead_id', 'in', [first.id, second.id]).where('type', '=', 'call_logged').execute();
      expect(calls.map((c) => [c.lead_id, JSON.parse(c.data!).outcome])).toEqual([[second.id, 'busy']]);
    });

    it('two quick taps on the last button, taken side by side by two processes (webhook), log the call once', async () => {
      const lead = await newLead('Double Dilshod', '91 200 00 05');
      const pick = last(await emu.say(tg, '/call'));
      const outcome = last(await emu.press(tg, pick, /Double Dilshod/));
      const status = last(await emu.press(tg, outcome, 'Javob bermadi'));
      const note = last(await emu.press(tg, status, "O'zgartirmaslik"));
      const skip = note.buttons.find((b) => b.text === "⏭ O'tkazib yuborish")!.callback_data!;
      // a second process on the same database, as behind a load balancer
      const services2 = createServices({ db: database.db, dialect: database.dialect, clock: emu.clock, log: silentLogger, tz: emu.config.CRM_TIMEZONE });
      const other = createBot({ services: services2, config: emu.config, log: silentLogger, apiRoot: emu.apiURL, botInfo: BOT_INFO });
      await Promise.all([emu.bot.init(), other.init()]);
      const tap = (n: number) => ({
        update_id: 900_000 + n,
        callback_query: { id: `tap${n}`, from: { id: tg.id, is_bot: false, first_name: 'G' }, chat_instance: 'c', data: skip, message: { message_id: note.messageId, date: 1, chat: { id: tg.id, type: 'private', first_name: 'G' }, text: note.text } },
      });
      await Promise.all([emu.bot.handleUpdate(tap(1) as never), other.handleUpdate(tap(2) as never)]);
      expect((await emu.read(tg)).map((m) => m.text)).toEqual(["✅ Qo'ng'iroq yozildi: Double Dilshod — Javob bermadi."]);
      const calls = await database.db.selectFrom('lead_events').select('id').where('lead_id', '=', lead.id).where('type', '=', 'call_logged').execute();
      expect(calls).toHaveLength(1);
      expect(await conversationRows()).toBe(0);
      expect(await database.db.selectFrom('kv_state').select('key').where('key', 'like', 'lock:%').execute()).toEqual([]);
    });
  });

  describe('book a trial', () => {
    it('completes: lead → group with free seats → lesson date with a free seat', async () => {
      const lead = await newLead('Trial Timur', '93 300 00 01', 'contacted');
      const pick = last(await emu.say(tg, '/trial'));
      expect(pick.text).toContain('Sinov darsiga qaysi lidni');
      const group = last(await emu.press(tg, pick, /Trial Timur/));
      expect(group.buttons.map((b) => b.text)).toEqual(['English · EN-1 (Du/Chor/Ju 15:00)', CANCEL]);
      const date = last(await emu.press(tg, group, /EN-1/));
      // Wednesday and Friday first: lesson days of an odd-days group, each with its one free seat
      expect(date.buttons.slice(0, 2).map((b) => b.text)).toEqual(['25.11.2026 15:00 — 1 joy', '27.11.2026 15:00 — 1 joy']);
      expect(last(await emu.press(tg, date, /^25\.11\.2026/)).text).toBe('✅ Sinov darsi: Trial Timur — EN-1, 25.11.2026 15:00.');
      const trial = await database.db.selectFrom('trials').select(['group_id', 'date', 'time']).where('lead_id', '=', lead.id).executeTakeFirstOrThrow();
      expect(trial).toEqual({ group_id: groupId, date: '2026-11-25', time: '15:00' });
      expect((await database.db.selectFrom('leads').select('status').where('id', '=', lead.id).executeTakeFirstOrThrow()).status).toBe('trial_registered');

      // that seat is taken now: the 25th is no longer offered to the next lead
      await newLead('Trial Tanzila', '93 300 00 02', 'contacted');
      const next = last(await emu.press(tg, last(await emu.say(tg, '/trial')), /Trial Tanzila/));
      const dates = last(await emu.press(tg, next, /EN-1/));
      expect(dates.buttons[0].text).toBe('27.11.2026 15:00 — 1 joy');
      await emu.say(tg, '/cancel');
    });

    it('a lead lost while the date was being chosen: the refusal names both statuses in Uzbek; nothing is booked', async () => {
      const lead = await newLead('Trial Lost', '93 300 00 05', 'contacted');
      const group = last(await emu.press(tg, last(await emu.say(tg, '/trial')), /Trial Lost/));
      const date = last(await emu.press(tg, group, /EN-1/));
      await emu.services.leads.move(lead.id, { to: 'lost', lostReason: 'price' }, sales);
      expect(last(await emu.press(tg, date, date.buttons[0].text)).text).toBe("Lidni «Yo'qotilgan» holatidan «Sinovga yozildi» holatiga o'tkazib bo'lmaydi.");
      expect(await database.db.selectFrom('trials').select('id').where('lead_id', '=', lead.id).execute()).toHaveLength(0);
    });

    it('can be cancelled; nothing is booked', async () => {
      const lead = await newLead('Trial Cancel', '93 300 00 03', 'contacted');
      const group = last(await emu.press(tg, last(await emu.say(tg, '/trial')), /Trial Cancel/));
      const date = last(await emu.press(tg, group, /EN-1/));
      expect(last(await emu.press(tg, date, CANCEL)).text).toBe('Bekor qilindi.');
      expect(await database.db.selectFrom('trials').select('id').where('lead_id', '=', lead.id).execute()).toHaveLength(0);
    });

    it('survives a bot restart mid-way', async () => {
      const lead = await newLead('Trial Restart', '93 300 00 04', 'contacted');
      const group = last(await emu.press(tg, last(await emu.say(tg, '/trial')), /Trial Restart/));
      emu.restart();
      const date = last(await emu.press(tg, group, /EN-1/));
      expect(last(await emu.press(tg, date, /^27\.11\.2026/)).text).toBe('✅ Sinov darsi: Trial Restart — EN-1, 27.11.2026 15:00.');
      expect(await database.db.selectFrom('trials').select('date').where('lead_id', '=', lead.id).execute()).toEqual([{ date: '2026-11-27' }]);
    });
  });

  describe('request leave', () => {
    it('completes: first day, last day, hours, reason; the request waits for a manager', async () => {
      const start = last(await emu.say(tg, '/leave'));
      expect(start.buttons.map((b) => b.text)).toEqual(['Bugun (24.11.2026)', 'Ertaga (25.11.2026)', CANCEL]);
      expect(last(await emu.say(tg, '32.13.2026')).text).toContain('Sanani tushunmadim');
      expect(last(await emu.say(tg, '01.11.2026')).text).toContain("Sana o'tib ketgan");
      const end = last(await emu.say(tg, '01.12.2026'));
      expect(end.text).toContain('Qaysi kungacha');
      await emu.press(tg, end, /Shu kun/);
      expect(last(await emu.say(tg, '18:00-14:00')).text).toContain('Vaqtni tushunmadim');
      expect(last(await emu.say(tg, '14:00-18:00')).text).toContain('Sababini yozing');
      expect(last(await emu.say(tg, 'Shifokor qabuli')).text).toBe("✅ Ta'til so'rovi yuborildi: 01.12.2026 — 01.12.2026, 14:00–18:00. Menejer qarorini kuting.");
      const leave = await database.db.selectFrom('leave_requests').selectAll().where('user_id', '=', sales.id).executeTakeFirstOrThrow();
      expect(leave).toMatchObject({ start_date: '2026-12-01', end_date: '2026-12-01', start_time: '14:00', end_time: '18:00', reason: 'Shifokor qabuli', status: 'pending' });
    });

    it('can be cancelled; nothing is requested', async () => {
      await emu.say(tg, '/leave');
      const end = last(await emu.say(tg, '10.12.2026'));
      expect(last(await emu.press(tg, end, CANCEL)).text).toBe('Bekor qilindi.');
      expect(await database.db.selectFrom('leave_requests').select('id').where('start_date', '=', '2026-12-10').execute()).toHaveLength(0);
    });

    it('survives bot restarts mid-way (whole days); the request is stored once', async () => {
      const start = last(await emu.say(tg, '/leave'));
      await emu.press(tg, start, /^Ertaga/);
      emu.restart();
      const hours = last(await emu.say(tg, '26.11.2026'));
      emu.restart();
      await emu.press(tg, hours, 'Butun kun');
      expect(last(await emu.say(tg, "Oilaviy sabab")).text).toBe("✅ Ta'til so'rovi yuborildi: 25.11.2026 — 26.11.2026. Menejer qarorini kuting.");
      const rows = await database.db.selectFrom('leave_requests').selectAll().where('start_date', '=', '2026-11-25').execute();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ end_date: '2026-11-26', start_time: null, end_time: null });
    });

    it('an over-long reason is asked for again, shorter, and the answers before it are kept', async () => {
      const start = last(await emu.say(tg, '/leave'));
      expect(start.text).toContain("Ta'til qaysi kundan?");
      await emu.say(tg, '14.12.2026');
      const hours = last(await emu.say(tg, '15.12.2026'));
      await emu.press(tg, hours, 'Butun kun');
      const again = last(await emu.say(tg, 'Uzoq sabab. '.repeat(100).trim()));
      expect(again.text).toBe("Sabab 1000 belgidan oshmasin (hozir 1199). Qisqaroq yozing:");
      expect(await database.db.selectFrom('leave_requests').select('id').where('start_date', '=', '2026-12-14').execute()).toHaveLength(0);
      expect(last(await emu.say(tg, "To'y")).text).toBe("✅ Ta'til so'rovi yuborildi: 14.12.2026 — 15.12.2026. Menejer qarorini kuting.");
      const rows = await database.db.selectFrom('leave_requests').select(['end_date', 'reason']).where('start_date', '=', '2026-12-14').execute();
      expect(rows).toEqual([{ end_date: '2026-12-15', reason: "To'y" }]);
    });

    it('is refused to a manager (leave requests are for salespeople), politely', async () => {
      expect(last(await emu.say(managerTg, '/leave')).text).toBe('Bu amal sizga ruxsat etilmagan.');
    });
  });
});
