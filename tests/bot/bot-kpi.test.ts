import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, tash } from '../support/fixtures.js';
import { BotEmulator, last, type TgUser } from '../support/bot-emulator.js';
import type { User } from '../../db/types.js';

describe.each(dialects())('bot: /stats and /rating (%s)', (dialect) => {
  let database: TestDatabase;
  let emu: BotEmulator;
  let aziza: User;
  let bekzod: User;
  let manager: User;
  const azizaTg: TgUser = { id: 6101 };
  const bekzodTg: TgUser = { id: 6102 };
  const managerTg: TgUser = { id: 6103 };

  async function link(user: User, tg: TgUser) {
    const res = await emu.services.telegramLinks.redeem((await emu.services.telegramLinks.createLink(user.id, 'crm_bot')).token, { userId: tg.id, chatId: tg.id });
    if (!res.ok) throw new Error(res.refusal);
  }

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // Tuesday 24 Nov 2026, 10:00 in Tashkent
    emu = await BotEmulator.start(database, tash('2026-11-24T10:00:00'));
    const s = emu.services;
    aziza = await addUser(s, { fullName: 'Aziza' });
    bekzod = await addUser(s, { fullName: 'Bekzod' });
    manager = await addUser(s, { fullName: 'Manager', role: 'sales_manager' });
    await link(aziza, azizaTg);
    await link(bekzod, bekzodTg);
    await link(manager, managerTg);
    const course = await addCourse(database, { name: 'English' });
    const odd = await addGroup(database, course.id, { name: 'EN-odd', days: 'odd', capacity: 10 });
    const even = await addGroup(database, course.id, { name: 'EN-even', days: 'even', start_time: '15:00', capacity: 10 });

    // Aziza: three leads; one called, one moved on, one enrolled; one follow-up done
    const a1 = (await s.leads.intake({ name: 'A One', phone: '90 700 00 01', source: 'instagram', courseId: course.id }, aziza)).lead;
    const a2 = (await s.leads.intake({ name: 'A Two', phone: '90 700 00 02', source: 'instagram' }, aziza)).lead;
    await s.leads.intake({ name: 'A Three', phone: '90 700 00 03', source: 'instagram' }, aziza);
    const firstFollowUp = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', a1.id).executeTakeFirstOrThrow();
    await s.followUps.complete(firstFollowUp.id, aziza);
    await s.leads.logCall(a1.id, { outcome: 'reached' }, aziza);
    await s.leads.move(a1.id, { to: 'contacted' }, aziza);
    await s.leads.move(a1.id, { to: 'interested' }, aziza);
    await s.leads.enroll(a1.id, { groupId: odd.id }, aziza);
    await s.leads.move(a2.id, { to: 'contacted' }, aziza);

    // Bekzod: one lead, booked on a trial today
    const b1 = (await s.leads.intake({ name: 'B One', phone: '90 700 00 04', source: 'telegram' }, bekzod)).lead;
    await s.leads.intake({ name: 'B Two', phone: '90 700 00 05', source: 'telegram' }, bekzod);
    await s.leads.move(b1.id, { to: 'contacted' }, bekzod);
    await s.leads.bookTrial(b1.id, { groupId: even.id, date: '2026-11-24' }, bekzod);

    emu.clock.set(tash('2026-11-24T11:00:00'));
  });
  afterAll(async () => {
    await emu?.close();
    await database?.cleanup();
  });

  it("/stats shows exactly that person's numbers for today", async () => {
    const a = last(await emu.say(azizaTg, '/stats'));
    expect(a.text).toBe(['📊 Bugun, 24.11.2026', 'Aloqalar: 2', 'Vazifalar: 1 bajarildi / 2 bugunga', "Muddati o'tgan: 1", 'Bugungi sinov darslari: 0'].join('\n'));
    // Bekzod: the trial's two reminders (10:00, 13:00) and B Two's first call (10:05) are due today;
    // at 11:00 the first two are late; his contact is the status move of B One
    const b = last(await emu.say(bekzodTg, '/stats'));
    expect(b.text).toBe(['📊 Bugun, 24.11.2026', 'Aloqalar: 1', 'Vazifalar: 0 bajarildi / 3 bugunga', "Muddati o'tgan: 2", 'Bugungi sinov darslari: 1'].join('\n'));
  });

  it('/rating shows the team ranking of the month, the reader marked', async () => {
    const a = last(await emu.say(azizaTg, '/rating'));
    const lines = a.text.split('\n');
    expect(lines[0]).toBe('🏆 Jamoa reytingi, 01.11.2026 — 24.11.2026');
    expect(lines[1]).toBe('1. Aziza — 1 ta yozildi, konversiya 33%, vazifalar 50% ← siz');
    expect(lines[2]).toMatch(/^2\. Bekzod — 0 ta yozildi, konversiya 0%, vazifalar /);
    expect(lines).toHaveLength(3);
    const b = last(await emu.say(bekzodTg, '/rating'));
    expect(b.text.split('\n')[1]).toBe('1. Aziza — 1 ta yozildi, konversiya 33%, vazifalar 50%');
    expect(b.text.split('\n')[2]).toContain('← siz');
    // managers see the ranking too (SPEC §10)
    expect(last(await emu.say(managerTg, '/rating')).text.split('\n')).toHaveLength(3);
  });
});
