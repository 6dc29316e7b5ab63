import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiController } from 'adminjs';
import type AdminJS from 'adminjs';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';
import { loadConfig } from '../../config.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';
import type { User } from '../../db/types.js';
import { createAdminJs } from '../../admin/admin.js';
import type { AdminPrincipal } from '../../admin/adapter/spec.js';

type Answer = {
  record?: { params: Record<string, unknown>; errors?: Record<string, { message: string }> };
  notice?: { type: string; message: string };
};

const PASSWORD = 'secret-pass-1';
const principal = (u: User): AdminPrincipal => ({ id: u.id, role: u.role, email: u.username, title: u.full_name });

/**
 * What SPEC §10 and core/policy forbid in the back office's staff screens, asked for by hand
 * (a request the hidden button would have sent): refused, nothing written.
 */
describe.each(dialects())('back-office staff permissions on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;
  let admin: AdminJS;
  let boss: User;
  let boss2: User;
  let manager: User;
  let aziza: User;
  let bobur: User;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    // Monday 10:00 in Tashkent: salespeople (09:00–18:00, Mon–Sat) are at work
    ({ services, clock } = servicesFor(database, tash('2026-03-02T10:00')));
    boss = await addUser(services, { role: 'admin', username: 'boss', fullName: 'Bosh Admin', password: PASSWORD });
    boss2 = await addUser(services, { role: 'admin', username: 'boss2', fullName: 'Ikkinchi Admin', password: PASSWORD });
    manager = await addUser(services, { role: 'sales_manager', username: 'mgr', fullName: 'Malika Menejer', password: PASSWORD });
    aziza = await addUser(services, { fullName: 'Aziza Sotuvchi', telegramUserId: 701 });
    bobur = await addUser(services, { fullName: 'Bobur Sotuvchi', telegramUserId: 702 });
    admin = createAdminJs({ services, adapter: { db: database.db, dialect, tz: 'Asia/Tashkent', now: () => clock.now() }, config: loadConfig({}) });
  });
  afterAll(async () => database?.cleanup());

  const as = (u: User) => new ApiController({ admin }, principal(u));
  const create = (u: User, resourceId: string, payload: Record<string, unknown>) =>
    as(u).resourceAction({ params: { resourceId, action: 'new' }, method: 'post', payload, query: {} } as never, {}) as Promise<Answer>;
  const onRecord = (u: User, resourceId: string, id: number, action: string, payload?: Record<string, unknown>) =>
    as(u).recordAction({ params: { resourceId, recordId: String(id), action }, method: 'post', payload: payload ?? {}, query: {} } as never, {}) as Promise<Answer>;
  const userRow = (id: number) => database.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

  it('an admin makes no admin accounts (new or by promotion), changes no other admin, and deletes neither an admin nor themselves', async () => {
    const made = await create(boss, 'users', { username: 'boss3', full_name: 'Uchinchi', role: 'admin', password: PASSWORD });
    expect(made.notice?.type).toBe('error');
    expect(made.record?.errors?.role?.message).toBe('fieldRoleNotAllowed');
    expect(await database.db.selectFrom('users').select('id').where('username', '=', 'boss3').executeTakeFirst()).toBeUndefined();

    const promoted = await onRecord(boss, 'users', manager.id, 'edit', { role: 'admin' });
    expect(promoted.notice?.type).toBe('error');
    expect(promoted.record?.errors?.role?.message).toBe('fieldRoleNotAllowed');
    expect((await userRow(manager.id))?.role).toBe('sales_manager');

    const before = await userRow(boss2.id);
    const other = await onRecord(boss, 'users', boss2.id, 'edit', { password: 'taken-over-1', is_active: false, full_name: 'Hacked' });
    expect(other.notice?.type).toBe('error');
    expect(await userRow(boss2.id)).toEqual(before);

    for (const target of [boss2, boss]) {
      const gone = await onRecord(boss, 'users', target.id, 'delete');
      expect(gone.notice?.type).toBe('error');
      expect(await userRow(target.id)).toBeDefined();
    }

    // what an admin does manage still works: a manager account, and their own profile
    const mgr2 = await create(boss, 'users', { username: 'mgr2', full_name: 'Nodir Menejer', role: 'sales_manager', password: PASSWORD });
    expect(mgr2.notice?.type).toBe('success');
    const self = await onRecord(boss, 'users', boss.id, 'edit', { full_name: 'Bosh Administrator', role: 'admin' });
    expect(self.notice?.type).toBe('success');
    expect((await userRow(boss.id))?.full_name).toBe('Bosh Administrator');
  });

  it('switching a salesperson off in the edit form hands their open leads over, as the Deactivate action does', async () => {
    const leaving = await addUser(services, { fullName: 'Ketayotgan Sotuvchi', telegramUserId: 703 });
    const { lead } = await services.leads.intake({ name: 'Qoldiq Lid', phone: '+998901119901', source: 'walk_in' }, leaving);
    expect(lead.assigned_to).toBe(leaving.id);

    const off = await onRecord(manager, 'users', leaving.id, 'edit', { is_active: false });
    expect(off.notice?.type).toBe('success');

    const row = await userRow(leaving.id);
    expect(row).toMatchObject({ is_active: 0, is_active_sales: 0, open_lead_count: 0 });
    const moved = await database.db.selectFrom('leads').select(['assigned_to', 'previous_assignee']).where('id', '=', lead.id).executeTakeFirstOrThrow();
    expect([aziza.id, bobur.id]).toContain(moved.assigned_to);
    const followUps = await database.db.selectFrom('follow_ups').select('sales_id').where('lead_id', '=', lead.id).where('state', '=', 'open').execute();
    expect(followUps.length).toBeGreaterThan(0);
    for (const f of followUps) expect(f.sales_id).toBe(moved.assigned_to);
    const events = await database.db.selectFrom('lead_events').select('data').where('lead_id', '=', lead.id).execute();
    expect(events.some((e) => String(e.data).includes('deactivated'))).toBe(true);
  });

  it('an admin cannot make a salesperson who still holds open leads a manager (the leads would have nobody)', async () => {
    const seller = await addUser(services, { fullName: 'Rol Sotuvchi', telegramUserId: 704 });
    await services.leads.intake({ name: 'Rol Lid', phone: '+998901119902', source: 'walk_in' }, seller);
    const refused = await onRecord(boss, 'users', seller.id, 'edit', { role: 'sales_manager' });
    expect(refused.notice?.type).toBe('error');
    expect(refused.record?.errors).toHaveProperty('role');
    expect((await userRow(seller.id))?.role).toBe('sales');
  });

  it("a salesperson's new work days or hours move their open follow-ups that now fall outside them, as a leave does", async () => {
    const seller = await addUser(services, { fullName: 'Jadval Sotuvchi', telegramUserId: 705 });
    const { lead } = await services.leads.intake({ name: 'Jadval Lid', phone: '+998901119904', source: 'walk_in' }, seller);
    const fu = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lead.id).where('state', '=', 'open').executeTakeFirstOrThrow();
    // planned for Saturday 10:00, a working day until the edit below
    await database.db.updateTable('follow_ups').set({ due_at: tash('2026-03-07T10:00') }).where('id', '=', fu.id).execute();
    const other = await database.db.selectFrom('follow_ups').select(['id', 'due_at']).where('sales_id', '=', aziza.id).where('state', '=', 'open').execute();

    const edited = await onRecord(manager, 'users', seller.id, 'edit', { work_days: '1,2,3,4,5', work_start: '09:00', work_end: '18:00' });
    expect(edited.notice?.type).toBe('success');
    const due = await database.db.selectFrom('follow_ups').select('due_at').where('id', '=', fu.id).executeTakeFirstOrThrow();
    // Saturday is no longer worked: first thing on Monday
    expect(due.due_at).toBe(tash('2026-03-09T09:00'));

    const later = await onRecord(manager, 'users', seller.id, 'edit', { work_start: '11:00' });
    expect(later.notice?.type).toBe('success');
    expect((await database.db.selectFrom('follow_ups').select('due_at').where('id', '=', fu.id).executeTakeFirstOrThrow()).due_at).toBe(tash('2026-03-09T11:00'));
    // nobody else's follow-ups moved
    expect(await database.db.selectFrom('follow_ups').select(['id', 'due_at']).where('sales_id', '=', aziza.id).where('state', '=', 'open').execute()).toEqual(other);
  });

  it('a holiday added (or moved) in the back office moves the follow-ups due that day to the next working day, instead of leaving them to go overdue', async () => {
    const seller = await addUser(services, { fullName: 'Bayram Sotuvchi', telegramUserId: 706 });
    const { lead } = await services.leads.intake({ name: 'Bayram Lid', phone: '+998901119905', source: 'walk_in' }, seller);
    const fu = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lead.id).where('state', '=', 'open').executeTakeFirstOrThrow();
    await database.db.updateTable('follow_ups').set({ due_at: tash('2026-03-04T11:00') }).where('id', '=', fu.id).execute();
    const dueOf = async () => (await database.db.selectFrom('follow_ups').select('due_at').where('id', '=', fu.id).executeTakeFirstOrThrow()).due_at;

    const refused = await create(manager, 'holidays', { date: '2026-03-04', name: 'Yopiq' });
    expect(refused.notice?.type).toBe('error');
    expect(await dueOf()).toBe(tash('2026-03-04T11:00'));

    const made = await create(boss, 'holidays', { date: '2026-03-04', name: 'Yopiq' });
    expect(made.notice?.type).toBe('success');
    expect(await dueOf()).toBe(tash('2026-03-05T09:00'));

    const holiday = await database.db.selectFrom('holidays').select('id').where('date', '=', '2026-03-04').executeTakeFirstOrThrow();
    const moved = await onRecord(boss, 'holidays', holiday.id, 'edit', { date: '2026-03-05' });
    expect(moved.notice?.type).toBe('success');
    expect(await dueOf()).toBe(tash('2026-03-06T09:00'));

    // the same date twice is still refused under its field, with nothing written
    const dup = await create(boss, 'holidays', { date: '2026-03-05', name: 'Yana' });
    expect(dup.record?.errors?.date?.message).toBe('fieldMustBeUnique');
    expect(await database.db.selectFrom('holidays').select('id').execute()).toHaveLength(1);
  });

  it('a new username typed in the edit form is saved (not silently dropped), and a taken one is refused under its field', async () => {
    const renamed = await onRecord(boss, 'users', manager.id, 'edit', { username: 'malika.m' });
    expect(renamed.notice?.type).toBe('success');
    expect((await userRow(manager.id))?.username).toBe('malika.m');

    const taken = await onRecord(boss, 'users', manager.id, 'edit', { username: 'boss2' });
    expect(taken.notice?.type).toBe('error');
    expect(taken.record?.errors).toHaveProperty('username');
    expect((await userRow(manager.id))?.username).toBe('malika.m');
  });
});
