import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiController } from 'adminjs';
import type AdminJS from 'adminjs';
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, servicesFor, tash } from '../support/fixtures.js';
import { queueRows } from '../support/outbox-rows.js';
import { loadConfig } from '../../config.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';
import type { User } from '../../db/types.js';
import { createAdminJs } from '../../admin/admin.js';
import type { AdminPrincipal } from '../../admin/adapter/spec.js';
import { requestLang } from '../../admin/locale.js';
import { loadDashboard } from '../../admin/dashboard.js';
import { dashboardTables } from '../../core/export/dashboard-export.js';
import { writeTables } from '../../core/export/analytics-export.js';

type Answer = {
  record?: { params: Record<string, unknown> };
  notice?: { type: string; message: string };
  redirectUrl?: string;
  crm?: { ok?: boolean; fields?: Record<string, string>; form?: { fields: Array<{ name: string; options?: Array<{ value: string; label: string }> }> }; data?: any; result?: any };
};

const principal = (u: User): AdminPrincipal => ({ id: u.id, role: u.role, email: u.username, title: u.full_name });

describe.each(dialects())('back-office business actions on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;
  let admin: AdminJS;
  let boss: User;
  let manager: User;
  let otherManager: User;
  let aziza: User;
  let bobur: User;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ({ services, clock } = servicesFor(database, tash('2026-03-02T10:00')));
    boss = await addUser(services, { role: 'admin', fullName: 'Bosh Admin', password: 'secret-pass-1' });
    manager = await addUser(services, { role: 'sales_manager', fullName: 'Malika Menejer', password: 'secret-pass-1' });
    otherManager = await addUser(services, { role: 'sales_manager', fullName: 'Nodir Menejer', password: 'secret-pass-1' });
    aziza = await addUser(services, { fullName: 'Aziza Sotuvchi', telegramUserId: 501 });
    bobur = await addUser(services, { fullName: 'Bobur Sotuvchi', telegramUserId: 502 });
    admin = createAdminJs({ services, adapter: { db: database.db, dialect, tz: 'Asia/Tashkent', now: () => clock.now() }, config: loadConfig({}) });
  });
  afterAll(async () => database.cleanup());

  const as = (u: User) => new ApiController({ admin }, principal(u));
  const record = (u: User, resourceId: string, recordId: number, action: string, payload?: Record<string, string>, lang: 'uz' | 'ru' | 'en' = 'uz') =>
    requestLang.run({ lang }, () =>
      as(u).recordAction({ params: { resourceId, recordId: String(recordId), action }, method: payload ? 'post' : 'get', payload, query: {} } as never, {}),
    ) as Promise<Answer>;
  const bulk = (u: User, resourceId: string, ids: number[], action: string, payload?: Record<string, string>) =>
    as(u).bulkAction({ params: { resourceId, action }, query: { recordIds: ids.join(',') }, method: payload ? 'post' : 'get', payload } as never, {}) as Promise<Answer>;
  const resource = (u: User, resourceId: string, action: string, payload?: Record<string, string>, lang: 'uz' | 'ru' | 'en' = 'uz') =>
    requestLang.run({ lang }, () =>
      as(u).resourceAction({ params: { resourceId, action }, method: payload ? 'post' : 'get', payload, query: {} } as never, {}),
    ) as Promise<Answer>;

  it('reassigns a lead: the form offers active salespeople, the lead moves, the new assignee is told, the timeline names who', async () => {
    const { lead } = await services.leads.intake({ name: 'Aziz Karimov', phone: '+998901234567', source: 'instagram' }, aziza);
    const form = await record(manager, 'leads', lead.id, 'reassign');
    const options = form.crm!.form!.fields[0].options!.map((o) => o.label);
    expect(options.some((l) => l.startsWith('Bobur Sotuvchi'))).toBe(true);
    // the current assignee is not offered
    expect(options.some((l) => l.startsWith('Aziza Sotuvchi'))).toBe(false);

    const refused = await record(manager, 'leads', lead.id, 'reassign', { toUserId: '' });
    expect(refused.crm?.ok).toBe(false);
    expect(refused.crm?.fields).toHaveProperty('toUserId');
    expect(refused.notice?.type).toBe('error');
    expect(refused.notice?.message).toContain('«Sotuvchi»');

    const done = await record(manager, 'leads', lead.id, 'reassign', { toUserId: String(bobur.id) });
    expect(done.notice).toMatchObject({ type: 'success' });
    expect(done.notice!.message).toContain('Bobur Sotuvchi');
    expect(done.redirectUrl).toBe(`/admin/resources/leads/records/${lead.id}/show`);
    expect(done.record?.params.assigned_to).toBe(bobur.id);
    const told = await database.db.selectFrom('outbox').selectAll().where('user_id', '=', bobur.id).where('kind', '=', 'lead_assigned').execute();
    expect(told.map((r) => JSON.parse(r.payload).leadId)).toContain(lead.id);

    const timeline = await record(manager, 'leads', lead.id, 'timeline', undefined, 'ru');
    const rows = timeline.crm!.data.rows as Array<{ who: string; what: string; details: string }>;
    const moved = rows.find((r) => r.what === 'Передан другому продавцу');
    expect(moved?.who).toBe('Malika Menejer');
    expect(moved?.details).toContain('Aziza Sotuvchi → Bobur Sotuvchi');
    expect(timeline.crm!.data.headers).toContain('Кто');
  });

  it('a correction needs a reason, and the refusal names the field; a lost lead needs its reason', async () => {
    const { lead } = await services.leads.intake({ name: 'Dilnoza', phone: '+998901234568', source: 'form' }, aziza);
    const noReason = await record(manager, 'leads', lead.id, 'correctStatus', { to: 'interested', reason: ' ' });
    expect(noReason.crm?.fields).toHaveProperty('reason');
    expect(noReason.notice?.message).toContain('«Sabab»');
    const corrected = await record(manager, 'leads', lead.id, 'correctStatus', { to: 'interested', reason: 'talked at the desk' });
    expect(corrected.notice?.type).toBe('success');
    expect((await services.leads.get(lead.id, manager)).status).toBe('interested');

    const lostNoReason = await record(manager, 'leads', lead.id, 'markLost', { lostReason: '' });
    expect(lostNoReason.crm?.fields).toHaveProperty('lostReason');
    const lostOther = await record(manager, 'leads', lead.id, 'markLost', { lostReason: 'other', lostReasonText: '' });
    // core's refusal lands on the note field of the form
    expect(lostOther.crm?.fields).toHaveProperty('lostReasonText');
    const lost = await record(manager, 'leads', lead.id, 'markLost', { lostReason: 'price' });
    expect(lost.notice?.type).toBe('success');
    expect((await services.leads.get(lead.id, manager))).toMatchObject({ status: 'lost', lost_reason: 'price' });
  });

  it('merges, releases parked leads and bulk-reassigns through core', async () => {
    const a = (await services.leads.intake({ name: 'Jasur', phone: '+998901111001', source: 'walk_in' }, aziza)).lead;
    const b = (await services.leads.intake({ name: 'Jasur', phone: '+998901111002', source: 'walk_in' }, bobur)).lead;
    const mergeForm = await record(manager, 'leads', a.id, 'merge');
    expect(mergeForm.crm!.form!.fields[0]).toMatchObject({ name: 'otherId' });
    expect(JSON.stringify(mergeForm.crm!.form)).toContain(`${b.id} — Jasur`);
    const merged = await record(manager, 'leads', a.id, 'merge', { otherId: `${b.id} — Jasur` });
    expect(merged.notice?.type).toBe('success');
    expect((await database.db.selectFrom('leads').select('merged_into').where('id', '=', b.id).executeTakeFirstOrThrow()).merged_into).toBe(a.id);

    const p1 = (await services.leads.intake({ name: 'Parked One', phone: '+998901111003', source: 'excel', parked: true })).lead;
    const p2 = (await services.leads.intake({ name: 'Parked Two', phone: '+998901111004', source: 'excel', parked: true })).lead;
    const released = await bulk(manager, 'leads', [p1.id], 'releaseParked', { _submit: '1' });
    expect(released.notice?.message).toContain('1');
    const rows = await database.db.selectFrom('leads').select(['id', 'parked']).where('id', 'in', [p1.id, p2.id]).orderBy('id').execute();
    expect(rows.map((r) => r.parked)).toEqual([0, 1]);

    const moved = await bulk(manager, 'leads', [p2.id, a.id], 'bulkReassign', { toUserId: String(bobur.id) });
    expect(moved.notice?.type).toBe('success');
    const after = await database.db.selectFrom('leads').select(['assigned_to']).where('id', 'in', [p2.id, a.id]).execute();
    expect(after.every((r) => r.assigned_to === bobur.id)).toBe(true);
  });

  it('approves and rejects leave (a reason required), marks absence', async () => {
    const one = await services.leave.request({ startDate: '2026-03-10', reason: 'family' }, aziza);
    const two = await services.leave.request({ startDate: '2026-03-12', reason: 'trip' }, bobur);
    const approveForm = await record(manager, 'leave_requests', one.id, 'approve');
    expect(JSON.stringify(approveForm.crm!.form)).toContain('Aziza Sotuvchi');
    const approved = await record(manager, 'leave_requests', one.id, 'approve', { _submit: '1' });
    expect(approved.record?.params.status).toBe('approved');

    const empty = await record(manager, 'leave_requests', two.id, 'reject', { reason: '' });
    expect(empty.crm?.fields).toHaveProperty('reason');
    expect(empty.notice?.message).toContain('«Sabab»');
    const rejected = await record(manager, 'leave_requests', two.id, 'reject', { reason: 'busy week' });
    expect(rejected.record?.params).toMatchObject({ status: 'rejected', rejection_reason: 'busy week' });
    // decided requests offer no decision any more
    const again = await record(manager, 'leave_requests', two.id, 'approve', { _submit: '1' });
    expect(again.notice?.type).toBe('error');

    const absent = await resource(manager, 'absences', 'markAbsent', { userId: String(aziza.id), date: '2026-03-05' });
    expect(absent.notice?.type).toBe('success');
    const marked = await database.db.selectFrom('absences').select(['user_id', 'marked_by']).where('date', '=', '2026-03-05').execute();
    expect(marked).toEqual([{ user_id: aziza.id, marked_by: manager.id }]);
  });

  it('sends a message to two salespeople and shows who read it; another manager cannot see it', async () => {
    const sent = await resource(manager, 'sales_messages', 'compose', {
      recipientIds: `${aziza.id},${bobur.id}`,
      priority: 'high',
      subject: 'Plan',
      body: 'Call every new lead today',
    });
    expect(sent.notice?.type).toBe('success');
    const id = Number(/records\/(\d+)\/show/.exec(sent.redirectUrl!)![1]);
    const outbox = await database.db.selectFrom('outbox').select(['user_id']).where('kind', '=', 'manager_message').execute();
    expect(outbox.map((r) => r.user_id).sort()).toEqual([aziza.id, bobur.id].sort());

    let status = await record(manager, 'sales_messages', id, 'readStatus');
    expect(status.crm!.data.rows.map((r: { read: boolean }) => r.read)).toEqual([false, false]);
    await services.messages.markRead(id, aziza);
    status = await record(manager, 'sales_messages', id, 'readStatus');
    const byName = Object.fromEntries(status.crm!.data.rows.map((r: { name: string; status: string }) => [r.name, r.status]));
    expect(byName).toEqual({ 'Aziza Sotuvchi': "O'qildi", 'Bobur Sotuvchi': "O'qilmagan" });
    expect(status.crm!.data.summary).toBe('1 / 2 o‘qidi');

    const empty = await resource(manager, 'sales_messages', 'compose', { recipientIds: '', subject: 'x', body: 'y' });
    expect(empty.crm?.fields).toHaveProperty('recipientIds');
    const foreign = await record(otherManager, 'sales_messages', id, 'readStatus');
    expect(foreign.crm?.data).toBeUndefined();
  });

  it('retries a failed delivery and runs a job now (a job_runs row appears)', async () => {
    const [failed] = await queueRows(database.db, [{ chatId: '501', userId: aziza.id, status: 'failed' }], clock.now());
    const retried = await record(manager, 'outbox', failed, 'retry', { _submit: '1' });
    expect(retried.notice?.type).toBe('success');
    expect(retried.record?.params.status).toBe('pending');
    const twice = await record(manager, 'outbox', failed, 'retry', { _submit: '1' });
    expect(twice.notice?.type).toBe('error');

    const before = await database.db.selectFrom('job_runs').select('id').where('job', '=', 'expire-offers').execute();
    const overview = await resource(manager, 'job_runs', 'jobs');
    const jobs = overview.crm!.data.rows as Array<{ job: string; lastRun: string }>;
    expect(jobs.map((j) => j.job)).toContain('expire-offers');
    expect(jobs.find((j) => j.job === 'expire-offers')!.lastRun).toBe('hali ishga tushmagan');
    const ran = await resource(manager, 'job_runs', 'jobs', { job: 'expire-offers' });
    expect(ran.notice?.type).toBe('success');
    const runs = await database.db.selectFrom('job_runs').selectAll().where('job', '=', 'expire-offers').execute();
    expect(runs.length).toBe(before.length + 1);
    expect(runs.at(-1)).toMatchObject({ status: 'ok', owner: `admin:${process.pid}` });
    expect(ran.crm!.data.rows.find((j: { job: string }) => j.job === 'expire-offers').statusCode).toBe('ok');
    const unknown = await resource(manager, 'job_runs', 'jobs', { job: 'no-such-job' });
    expect(unknown.notice?.type).toBe('error');
  });

  it('refuses what a manager may not do, on the server', async () => {
    // deactivating another manager is an admin's call (SPEC §10)
    const refused = await record(manager, 'users', otherManager.id, 'deactivate', { toUserId: '' });
    expect(refused.notice?.type).toBe('error');
    expect((await services.users.get(otherManager.id)).is_active).toBe(1);
    // a manager never reaches an admin account, not even through an action
    const hidden = await record(manager, 'users', boss.id, 'resetPassword', { _submit: '1' });
    expect(hidden.notice?.type).toBe('error');
    // an admin may: the new password works once shown
    const reset = await record(boss, 'users', otherManager.id, 'resetPassword', { _submit: '1' });
    const password = reset.crm!.result.lines.find((l: { testId?: string }) => l.testId === 'new-password').value as string;
    expect(password.length).toBeGreaterThanOrEqual(12);
    const row = await database.db.selectFrom('users').select('password_hash').where('id', '=', otherManager.id).executeTakeFirstOrThrow();
    expect(row.password_hash).not.toContain(password);

    // deactivation with handover to a chosen salesperson
    const carol = await addUser(services, { fullName: 'Carol Sotuvchi' });
    const { lead } = await services.leads.intake({ name: 'Handover', phone: '+998901111099', source: 'walk_in' }, carol);
    const off = await record(manager, 'users', carol.id, 'deactivate', { toUserId: String(aziza.id) });
    expect(off.notice?.type).toBe('success');
    expect((await services.leads.get(lead.id, manager)).assigned_to).toBe(aziza.id);
    expect((await services.users.get(carol.id)).is_active).toBe(0);
  });

  it('bulk follow-up operations and a trial result correction go through core', async () => {
    const { lead } = await services.leads.intake({ name: 'Follow Me', phone: '+998901111200', source: 'walk_in' }, aziza);
    await services.leads.move(lead.id, { to: 'contacted' }, aziza);
    const open = () => database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', lead.id).where('state', '=', 'open').execute();
    const [fu] = await open();
    const bad = await bulk(manager, 'follow_ups', [fu.id], 'bulkReschedule', { dueAt: 'tomorrow' });
    expect(bad.crm?.fields).toHaveProperty('dueAt');
    const moved = await bulk(manager, 'follow_ups', [fu.id], 'bulkReschedule', { dueAt: '2026-03-03T11:30' });
    expect(moved.notice?.type).toBe('success');
    // typed in the center's time, stored as the instant
    expect((await open())[0].due_at).toBe(tash('2026-03-03T11:30'));
    const done = await bulk(manager, 'follow_ups', [fu.id], 'bulkComplete', { _submit: '1' });
    expect(done.notice?.message).toContain('1');
    const closed = await database.db.selectFrom('follow_ups').selectAll().where('id', '=', fu.id).executeTakeFirstOrThrow();
    expect([closed.state, closed.completed_by]).toEqual(['done', manager.id]);
    // the contacted plan goes on: its next step is open now
    expect((await open()).map((f) => f.step)).toEqual([fu.step + 1]);

    const course = await addCourse(database, { name: 'English' });
    const group = await addGroup(database, course.id, { name: 'EN-1', days: 'odd', start_time: '15:00' });
    const { lead: pupil } = await services.leads.intake({ name: 'Trial Pupil', phone: '+998901111201', source: 'walk_in', courseId: course.id }, aziza);
    await services.leads.move(pupil.id, { to: 'contacted' }, aziza);
    const { trial } = await services.leads.bookTrial(pupil.id, { groupId: group.id, date: '2026-03-04' }, aziza);
    const was = clock.now().toISOString();
    clock.set(tash('2026-03-04T17:00'));
    try {
      await services.leads.recordTrialResult(trial.id, 'attended', aziza);
      const noReason = await record(manager, 'trials', trial.id, 'correctResult', { result: 'not_attended', reason: '' });
      expect(noReason.crm?.fields).toHaveProperty('reason');
      const fixed = await record(manager, 'trials', trial.id, 'correctResult', { result: 'not_attended', reason: 'the teacher mixed up two pupils' });
      expect(fixed.notice?.type).toBe('success');
      expect(fixed.record?.params.result).toBe('not_attended');
      expect((await services.leads.get(pupil.id, manager)).status).toBe('trial_not_attended');
      // an unknown result was stored on the trial (and the next correction crashed on it)
      const bogus = await record(manager, 'trials', trial.id, 'correctResult', { result: 'bogus', reason: 'typo' });
      expect(bogus.notice?.message).toBe("Ma'lumotni tekshiring — «Natija» — ro'yxatdagi qiymatlardan birini tanlang");
      await expect(services.leads.recordTrialResult(trial.id, 'bogus' as never, manager, { reason: 'typo' })).rejects.toMatchObject({ code: 'VALIDATION', fields: { result: expect.any(String) } });
      const badLost = await record(manager, 'trials', trial.id, 'correctResult', { result: 'rejected', reason: 'typo', lostReason: 'zzz' });
      expect(badLost.crm?.fields).toEqual({ lostReason: "ro'yxatdagi qiymatlardan birini tanlang" });
      const after = await database.db.selectFrom('trials').select('result').where('id', '=', trial.id).executeTakeFirstOrThrow();
      expect(after.result).toBe('not_attended');
      expect((await services.leads.get(pupil.id, manager)).status).toBe('trial_not_attended');
    } finally {
      clock.set(was);
    }
  });

  it('makes a one-time Telegram link when the bot is known, and names the missing setting when not', async () => {
    const refused = await record(manager, 'users', aziza.id, 'telegramLink', { _submit: '1' });
    expect(refused.crm?.fields).toHaveProperty('botUsername');
    expect(refused.notice?.message).toContain('TELEGRAM_BOT_USERNAME');
    const withBot = createAdminJs({
      services,
      adapter: { db: database.db, dialect, tz: 'Asia/Tashkent', now: () => clock.now() },
      config: loadConfig({ TELEGRAM_BOT_USERNAME: 'edu_crm_bot' } as never),
    });
    const res = (await new ApiController({ admin: withBot }, principal(manager)).recordAction(
      { params: { resourceId: 'users', recordId: String(aziza.id), action: 'telegramLink' }, method: 'post', payload: { _submit: '1' }, query: {} } as never,
      {},
    )) as Answer;
    const url = res.crm!.result.lines.find((l: { testId?: string }) => l.testId === 'telegram-link').value as string;
    expect(url).toMatch(/^https:\/\/t\.me\/edu_crm_bot\?start=[A-Za-z0-9_-]+$/);
    const token = new URL(url).searchParams.get('start')!;
    const redeemed = await services.telegramLinks.redeem(token, { userId: 9001, chatId: 9001 });
    expect(redeemed.ok).toBe(true);
  });

  it('bad targets and values are refused in the reader\'s language, naming the field, and write nothing', async () => {
    const { lead } = await services.leads.intake({ name: 'Olim Toshev', phone: '+998901119001', source: 'walk_in' }, aziza);
    const fu = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lead.id).where('state', '=', 'open').executeTakeFirstOrThrow();
    const notSales = [String(manager.id), String(boss.id), '999999'];

    // a status that is not in the list was stored as it came (a correction skips the move table)
    const bogus = await record(manager, 'leads', lead.id, 'correctStatus', { to: 'bogus', reason: 'typo' });
    expect(bogus.crm?.fields).toHaveProperty('to');
    expect(bogus.notice?.message).toContain('«Yangi holat»');
    const badLost = await record(manager, 'leads', lead.id, 'correctStatus', { to: 'lost', reason: 'x', lostReason: 'zzz' });
    expect(badLost.crm?.fields).toHaveProperty('lostReason');
    await expect(services.leads.correctStatus(lead.id, { to: 'bogus' as never, reason: 'typo' }, manager)).rejects.toMatchObject({ code: 'VALIDATION', fields: { to: expect.any(String) } });

    for (const to of notSales) {
      const uz = await record(manager, 'leads', lead.id, 'reassign', { toUserId: to });
      expect(uz.notice).toEqual({ type: 'error', message: "Ma'lumotni tekshiring — «Sotuvchi» — faol sotuvchi bo'lishi kerak" });
      const ru = await record(manager, 'leads', lead.id, 'reassign', { toUserId: to }, 'ru');
      expect(ru.notice?.message).toBe('Проверьте данные — «Продавец» — должен быть активный продавец');
    }
    const sameLead = await record(manager, 'leads', lead.id, 'merge', { otherId: String(lead.id) });
    expect(sameLead.notice?.message).toBe("Ma'lumotni tekshiring — «Ikkinchi lid (ID)» — boshqa lidni tanlang");
    const noLead = await record(manager, 'leads', lead.id, 'merge', { otherId: '999999' });
    expect(noLead.notice?.message).toBe("Ma'lumotni tekshiring — «Ikkinchi lid (ID)» — bunday lid topilmadi");

    const fuReassign = await bulk(manager, 'follow_ups', [fu.id], 'bulkReassign', { toUserId: String(manager.id) });
    expect(fuReassign.notice?.message).toBe("Ma'lumotni tekshiring — «Sotuvchi» — faol sotuvchi bo'lishi kerak");
    const leadsReassign = await bulk(manager, 'leads', [lead.id], 'bulkReassign', { toUserId: String(boss.id) });
    expect(leadsReassign.crm?.fields).toEqual({ toUserId: "faol sotuvchi bo'lishi kerak" });

    const toSelf = await record(manager, 'users', aziza.id, 'deactivate', { toUserId: String(aziza.id) });
    expect(toSelf.notice?.message).toBe("Ma'lumotni tekshiring — «Sotuvchi» — boshqa faol sotuvchi bo'lishi kerak");
    const toManager = await record(manager, 'users', aziza.id, 'deactivate', { toUserId: String(manager.id) });
    expect(toManager.crm?.fields).toEqual({ toUserId: "boshqa faol sotuvchi bo'lishi kerak" });

    const absentManager = await resource(manager, 'absences', 'markAbsent', { userId: String(otherManager.id), date: '2026-03-05' });
    expect(absentManager.notice?.message).toBe("Ma'lumotni tekshiring — «Xodim» — faol sotuvchi bo'lishi kerak");
    const badDay = await resource(manager, 'absences', 'markAbsent', { userId: String(aziza.id), date: '05.03.2026' });
    expect(badDay.crm?.fields).toHaveProperty('date');

    // an empty subject came back as zod's English "Too small: expected string…"
    const noSubject = await resource(manager, 'sales_messages', 'compose', { recipientIds: String(aziza.id), subject: ' ', body: 'hello' });
    expect(noSubject.notice?.message).toBe("Ma'lumotni tekshiring — «Mavzu» — to'ldirilishi shart");
    const noBody = await resource(manager, 'sales_messages', 'compose', { recipientIds: String(aziza.id), subject: 'Reja 2', body: '' });
    expect(noBody.crm?.fields).toEqual({ body: "to'ldirilishi shart" });
    const toManagerMsg = await resource(manager, 'sales_messages', 'compose', { recipientIds: `${aziza.id},${manager.id}`, subject: 'Reja 2', body: 'hello' });
    expect(toManagerMsg.notice?.message).toBe(`Ma'lumotni tekshiring — «Qabul qiluvchilar» — faol sotuvchilar emas: ${manager.id}`);

    // nothing of the above was written
    const after = await database.db.selectFrom('leads').select(['status', 'assigned_to', 'merged_into']).where('id', '=', lead.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ status: 'new', assigned_to: aziza.id, merged_into: null });
    const azizaNow = await database.db.selectFrom('users').select('is_active').where('id', '=', aziza.id).executeTakeFirstOrThrow();
    expect(Number(azizaNow.is_active)).toBe(1);
    expect(await database.db.selectFrom('absences').select('id').where('user_id', '=', otherManager.id).execute()).toEqual([]);
    expect(await database.db.selectFrom('sales_messages').select('id').where('subject', '=', 'Reja 2').execute()).toEqual([]);
    expect(await database.db.selectFrom('lead_events').select('id').where('lead_id', '=', lead.id).where('type', '=', 'status_corrected').execute()).toEqual([]);
  });

  /** the action buttons AdminJS shows this person on a lead's page */
  const buttons = async (u: User, id: number) => {
    const shown = (await record(u, 'leads', id, 'show')) as { record?: { recordActions?: Array<{ name: string }> } };
    return (shown.record?.recordActions ?? []).map((a) => a.name);
  };

  it('a new lead from the back office goes through intake: given to the chosen salesperson, or distributed; a known phone shows the existing lead', async () => {
    const course = await addCourse(database, { name: 'IELTS (new lead form)' });
    const form = await resource(manager, 'leads', 'createLead');
    const fields = Object.fromEntries(form.crm!.form!.fields.map((f) => [f.name, f]));
    expect(Object.keys(fields)).toEqual(['name', 'phone', 'phone2', 'courseId', 'source', 'note', 'studentName', 'studentAge', 'studentLevel', 'assignTo']);
    // the sources a person types in by hand: not the landing form nor the imports
    expect(fields.source.options!.map((o) => o.value)).toEqual(['instagram', 'telegram', 'youtube', 'organic', 'walk_in', 'phone_call', 'referral', 'other']);
    expect(fields.courseId.options!.map((o) => o.label)).toContain('IELTS (new lead form)');
    expect(fields.assignTo.options!.some((o) => o.label.startsWith('Bobur Sotuvchi'))).toBe(true);
    expect(fields.assignTo.options!.some((o) => o.label.startsWith('Malika'))).toBe(false);

    const leadsNamed = (name: string) => database.db.selectFrom('leads').select('id').where('name', '=', name).execute();
    const badPhone = await resource(manager, 'leads', 'createLead', { name: 'Sardor Front', phone: '12345', source: 'walk_in' });
    expect(badPhone.crm).toMatchObject({ ok: false, fields: { phone: expect.any(String) } });
    expect(badPhone.notice?.message).toContain('«Telefon»');
    const badPhone2 = await resource(manager, 'leads', 'createLead', { name: 'Sardor Front', phone: '+998902220001', phone2: 'abc', source: 'walk_in' }, 'ru');
    expect(badPhone2.crm?.fields).toHaveProperty('phone2');
    expect(badPhone2.notice?.message).toContain('«Доп. телефон»');
    const badSource = await resource(manager, 'leads', 'createLead', { name: 'Sardor Front', phone: '+998902220001', source: 'form' });
    expect(badSource.crm?.fields).toHaveProperty('source');
    const badAge = await resource(manager, 'leads', 'createLead', { name: 'Sardor Front', phone: '+998902220001', source: 'walk_in', studentAge: '0' });
    expect(badAge.crm?.fields).toHaveProperty('studentAge');
    const notSales = await resource(manager, 'leads', 'createLead', { name: 'Sardor Front', phone: '+998902220001', source: 'walk_in', assignTo: String(otherManager.id) });
    expect(notSales.crm?.fields).toHaveProperty('assignTo');
    expect(notSales.notice?.message).toContain('«Kimga berish»');
    const noName = await resource(manager, 'leads', 'createLead', { name: ' ', phone: '+998902220001', source: 'walk_in' });
    expect(noName.crm?.fields).toHaveProperty('name');
    expect(await leadsNamed('Sardor Front')).toEqual([]);
    expect(await database.db.selectFrom('lead_phones').select('lead_id').where('phone', '=', '+998902220001').execute()).toEqual([]);

    const count = async (u: User) => (await database.db.selectFrom('users').select('open_lead_count').where('id', '=', u.id).executeTakeFirstOrThrow()).open_lead_count;
    const boburBefore = await count(bobur);
    const chosen = await resource(manager, 'leads', 'createLead', {
      name: '  Sardor   Front ',
      phone: '90 222 00 01',
      phone2: '',
      courseId: String(course.id),
      source: 'walk_in',
      note: 'came to the desk',
      studentName: 'Kamola',
      studentAge: '12',
      studentLevel: 'A2',
      assignTo: String(bobur.id),
    });
    expect(chosen.notice?.type).toBe('success');
    const id = Number(/records\/(\d+)\/show/.exec(chosen.redirectUrl!)![1]);
    const row = await database.db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'Sardor Front', phone: '+998902220001', source: 'walk_in', course_id: course.id, student_name: 'Kamola', student_age: 12, student_level: 'A2', assigned_to: bobur.id, created_by: manager.id, status: 'new' });
    expect(await count(bobur)).toBe(boburBefore + 1);
    const events = await database.db.selectFrom('lead_events').select(['type', 'actor_id']).where('lead_id', '=', id).orderBy('id').execute();
    // one assignment, to the chosen person: nobody else got it first
    expect(events).toEqual([{ type: 'created', actor_id: manager.id }, { type: 'assigned', actor_id: manager.id }]);
    const plan = await database.db.selectFrom('follow_ups').select(['sales_id', 'state']).where('lead_id', '=', id).execute();
    expect(plan).toEqual([{ sales_id: bobur.id, state: 'open' }]);
    const told = await database.db.selectFrom('outbox').select(['user_id', 'payload']).where('kind', '=', 'lead_assigned').execute();
    expect(told.filter((r) => JSON.parse(r.payload).leadId === id).map((r) => r.user_id)).toEqual([bobur.id]);

    const auto = await resource(manager, 'leads', 'createLead', { name: 'Auto Distributed', phone: '+998902220002', source: 'phone_call', assignTo: '' });
    expect(auto.notice?.type).toBe('success');
    const autoLead = await database.db.selectFrom('leads').selectAll().where('phone', '=', '+998902220002').executeTakeFirstOrThrow();
    expect([aziza.id, bobur.id]).toContain(autoLead.assigned_to);

    // the same phone again: no second lead; the answer names the lead and who has it
    const again = await resource(manager, 'leads', 'createLead', { name: 'Sardor again', phone: '+998 90 222-00-01', source: 'walk_in', assignTo: String(aziza.id) });
    expect(again.crm?.ok).toBe(true);
    expect(again.notice?.message).toContain(`#${id}`);
    expect(again.notice?.message).toContain('Bobur Sotuvchi');
    const lines = again.crm!.result.lines as Array<{ value: string; testId?: string }>;
    expect(lines.find((l) => l.testId === 'duplicate-owner')?.value).toBe('Bobur Sotuvchi');
    expect(lines.find((l) => l.testId === 'duplicate-lead')?.value).toContain(`#${id}`);
    expect(await database.db.selectFrom('leads').select('id').where('phone', '=', '+998902220001').execute()).toEqual([{ id }]);
    // the lead stays with its salesperson (the "assign to" of a duplicate changes nothing)
    expect((await database.db.selectFrom('leads').select('assigned_to').where('id', '=', id).executeTakeFirstOrThrow()).assigned_to).toBe(bobur.id);
  });

  it('edits contact details (admins only) through core: phone checked and kept in step for dedupe, the change on the timeline', async () => {
    const course = await addCourse(database, { name: 'Math (edit)' });
    const { lead } = await services.leads.intake({ name: 'Edit Me', phone: '+998902230001', phone2: '+998902230002', source: 'walk_in' }, aziza);
    const { lead: other } = await services.leads.intake({ name: 'Someone Else', phone: '+998902230009', source: 'walk_in' }, bobur);
    const untouched = async () => database.db.selectFrom('leads').select(['name', 'phone2', 'course_id', 'student_age', 'updated_at']).where('id', '=', lead.id).executeTakeFirstOrThrow();
    const before = await untouched();

    // a manager has no edit button, and a hand-sent request is refused
    expect(await buttons(manager, lead.id)).not.toContain('editDetails');
    expect(await buttons(boss, lead.id)).toContain('editDetails');
    const managerForm = await record(manager, 'leads', lead.id, 'editDetails');
    expect(managerForm.notice?.type).toBe('error');
    const managerPost = await record(manager, 'leads', lead.id, 'editDetails', { name: 'Hacked' });
    expect(managerPost.notice?.type).toBe('error');
    await expect(services.leads.updateDetails(lead.id, { name: 'Hacked' }, manager)).rejects.toMatchObject({ code: 'FORBIDDEN' });

    const form = await record(boss, 'leads', lead.id, 'editDetails');
    const values = Object.fromEntries(form.crm!.form!.fields.map((f) => [f.name, (f as { value?: string }).value]));
    expect(values).toMatchObject({ name: 'Edit Me', phone2: '+998902230002', courseId: '' });
    expect(Object.keys(values)).not.toContain('status');

    const badPhone = await record(boss, 'leads', lead.id, 'editDetails', { phone2: '999' });
    expect(badPhone.crm?.fields).toHaveProperty('phone2');
    expect(badPhone.notice?.message).toContain("«Qo'shimcha telefon»");
    const taken = await record(boss, 'leads', lead.id, 'editDetails', { phone2: '+998902230009' }, 'en');
    expect(taken.notice?.message).toBe(`Check the input — «Second phone» — this number belongs to lead #${other.id}`);
    const same = await record(boss, 'leads', lead.id, 'editDetails', { phone2: '+998902230001' });
    expect(same.crm?.fields).toHaveProperty('phone2');
    const noCourse = await record(boss, 'leads', lead.id, 'editDetails', { courseId: '999999' });
    expect(noCourse.crm?.fields).toHaveProperty('courseId');
    const noName = await record(boss, 'leads', lead.id, 'editDetails', { name: '' });
    expect(noName.crm?.fields).toHaveProperty('name');
    // core refuses on its own too (another door, the same rules)
    await expect(services.leads.updateDetails(lead.id, { phone2: '+998902230009' }, boss)).rejects.toMatchObject({ fields: { phone2: expect.any(String) } });
    await expect(services.leads.updateDetails(lead.id, { courseId: 999999 }, boss)).rejects.toMatchObject({ fields: { courseId: expect.any(String) } });
    expect(await untouched()).toEqual(before);

    const done = await record(boss, 'leads', lead.id, 'editDetails', {
      name: 'Edited  Name',
      phone2: '90 223 00 03',
      courseId: String(course.id),
      studentName: 'Little One',
      studentAge: '9',
      studentLevel: '',
    });
    expect(done.notice?.type).toBe('success');
    const row = await database.db.selectFrom('leads').selectAll().where('id', '=', lead.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ name: 'Edited Name', phone: '+998902230001', phone2: '+998902230003', course_id: course.id, student_name: 'Little One', student_age: 9, status: 'new', assigned_to: aziza.id });
    const phones = await database.db.selectFrom('lead_phones').select('phone').where('lead_id', '=', lead.id).orderBy('phone').execute();
    expect(phones.map((p) => p.phone)).toEqual(['+998902230001', '+998902230003']);
    const ev = await database.db.selectFrom('lead_events').select(['actor_id', 'data']).where('lead_id', '=', lead.id).where('type', '=', 'details_edited').execute();
    expect(ev).toHaveLength(1);
    expect(ev[0].actor_id).toBe(boss.id);
    expect(JSON.parse(ev[0].data!).changes.phone2).toEqual({ from: '+998902230002', to: '+998902230003' });
    const timeline = await record(boss, 'leads', lead.id, 'timeline', undefined, 'en');
    expect(timeline.crm!.data.rows.find((r: { what: string }) => r.what === 'Details edited')?.details).toContain('Second phone');

    // dedupe follows the edit: the new number finds this lead, the old one is free again
    const dup = await services.leads.intake({ name: 'Via new phone', phone: '+998902230003', source: 'telegram' });
    expect(dup).toMatchObject({ duplicate: true, lead: { id: lead.id } });
    const fresh = await services.leads.intake({ name: 'Old number owner', phone: '+998902230002', source: 'telegram' });
    expect(fresh.duplicate).toBe(false);
  });

  it('deletes a lead (admins only) with everything hanging off it, freeing its trial seat and fixing the counter', async () => {
    const course = await addCourse(database, { name: 'Chess (delete)' });
    const group = await addGroup(database, course.id, { name: 'CH-1', days: 'odd', capacity: 1 });
    const full = await addGroup(database, course.id, { name: 'CH-2', days: 'even', capacity: 1, current_students: 1 });
    const { lead } = await services.leads.intake({ name: 'Delete Me', phone: '+998902240001', phone2: '+998902240002', source: 'walk_in', courseId: course.id }, aziza);
    const { lead: twin } = await services.leads.intake({ name: 'Delete Me (twin)', phone: '+998902240003', source: 'walk_in' }, bobur);
    const { lead: keeper } = await services.leads.intake({ name: 'Keep Me', phone: '+998902240009', source: 'walk_in' }, aziza);
    await services.leads.merge(lead.id, twin.id, manager);
    await services.leads.move(lead.id, { to: 'contacted' }, aziza);
    await services.leads.bookTrial(lead.id, { groupId: group.id, date: '2026-03-04' }, aziza);
    await services.leads.waitlist(lead.id, full.id, aziza);
    await services.leads.assign([lead.id], bobur.id, manager);
    await services.leads.assign([keeper.id], bobur.id, manager);
    const ids = [lead.id, twin.id];
    const about = async () => ({
      leads: (await database.db.selectFrom('leads').select('id').where('id', 'in', ids).execute()).length,
      events: (await database.db.selectFrom('lead_events').select('id').where('lead_id', 'in', ids).execute()).length,
      followUps: (await database.db.selectFrom('follow_ups').select('id').where('lead_id', 'in', ids).execute()).length,
      trials: (await database.db.selectFrom('trials').select('id').where('lead_id', 'in', ids).execute()).length,
      waitlist: (await database.db.selectFrom('waitlist').select('id').where('lead_id', 'in', ids).execute()).length,
      phones: (await database.db.selectFrom('lead_phones').select('phone').where('lead_id', 'in', ids).execute()).length,
      outbox: (await database.db.selectFrom('outbox').select(['payload']).where('status', '=', 'pending').execute()).filter((r) => ids.includes(JSON.parse(r.payload).leadId)).length,
    });
    const was = await about();
    expect(was).toMatchObject({ leads: 2, trials: 1, waitlist: 1, phones: 3 });
    expect(was.outbox).toBeGreaterThan(0);
    expect(was.followUps).toBeGreaterThan(0);
    const count = async () => (await database.db.selectFrom('users').select('open_lead_count').where('id', '=', bobur.id).executeTakeFirstOrThrow()).open_lead_count;
    const openBefore = await count();

    // a manager has no delete button, and a hand-sent request is refused
    expect(await buttons(manager, lead.id)).not.toContain('deleteLead');
    expect(await buttons(boss, lead.id)).toContain('deleteLead');
    const managerForm = await record(manager, 'leads', lead.id, 'deleteLead');
    expect(managerForm.notice?.type).toBe('error');
    const managerPost = await record(manager, 'leads', lead.id, 'deleteLead', { _submit: '1' });
    expect(managerPost.notice?.type).toBe('error');
    await expect(services.leads.remove(lead.id, manager)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await about()).toEqual(was);

    const form = await record(boss, 'leads', lead.id, 'deleteLead');
    expect(form.crm!.form).toMatchObject({ danger: true, fields: [] });
    const done = await record(boss, 'leads', lead.id, 'deleteLead', { _submit: '1' });
    expect(done.notice?.type).toBe('success');
    expect(done.redirectUrl).toBe('/admin/resources/leads');
    expect(await about()).toEqual({ leads: 0, events: 0, followUps: 0, trials: 0, waitlist: 0, phones: 0, outbox: 0 });
    expect(await count()).toBe(openBefore - 1);
    // the other lead is untouched, its notification still queued
    expect((await services.leads.get(keeper.id, manager)).assigned_to).toBe(bobur.id);
    const keeperTold = await database.db.selectFrom('outbox').select('payload').where('status', '=', 'pending').where('user_id', '=', bobur.id).execute();
    expect(keeperTold.some((r) => JSON.parse(r.payload).leadId === keeper.id)).toBe(true);
    // the trial seat is free again, and the phones can come in as a new lead
    await services.leads.move(keeper.id, { to: 'contacted' }, bobur);
    await expect(services.leads.bookTrial(keeper.id, { groupId: group.id, date: '2026-03-04' }, bobur)).resolves.toBeTruthy();
    expect((await services.leads.intake({ name: 'New again', phone: '+998902240003', source: 'walk_in' })).duplicate).toBe(false);
    // a lead that is gone: not found, nothing else removed
    const gone = await record(boss, 'leads', lead.id, 'deleteLead', { _submit: '1' });
    expect(gone.crm?.ok).not.toBe(true);
  });

  it('the dashboard and its export hold the same rows', async () => {
    const d = await loadDashboard(services, { from: '2026-03-01', to: '2026-03-02' }, 'en');
    const bySource = d.sections.find((s) => s.key === 'leadsBySource')!;
    expect(bySource.rows.map((r) => r.date)).toEqual(['2026-03-01', '2026-03-02']);
    expect(Number(bySource.rows[1].total)).toBeGreaterThan(0);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    await writeTables(sink, dashboardTables(d, 'en'));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.concat(chunks) as never);
    const sheet = wb.worksheets[1];
    expect(sheet.getRow(1).values).toEqual([undefined, ...bySource.columns.map((c) => c.header)]);
    expect(sheet.getRow(3).getCell(bySource.columns.length).value).toBe(bySource.rows[1].total);
    const funnel = d.sections.find((s) => s.key === 'funnel')!;
    expect(wb.worksheets[2].rowCount).toBe(funnel.rows.length + 1);
  });
});
