import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiController } from 'adminjs';
import type AdminJS from 'adminjs';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, servicesFor, tash } from '../support/fixtures.js';
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

const principal = (u: User): AdminPrincipal => ({ id: u.id, role: u.role, email: u.username, title: u.full_name });

/** The back office's own group form (AdminJS new/edit), driven as the browser would. */
describe.each(dialects())('back-office study groups go through core on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;
  let admin: AdminJS;
  let boss: User;
  let aziza: User;
  let bobur: User;
  let courseId: number;
  let phone = 0;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ({ services, clock } = servicesFor(database, tash('2026-03-02T10:00')));
    boss = await addUser(services, { role: 'admin', fullName: 'Bosh Admin', password: 'secret-pass-1' });
    aziza = await addUser(services, { fullName: 'Aziza Sotuvchi', telegramUserId: 601 });
    bobur = await addUser(services, { fullName: 'Bobur Sotuvchi', telegramUserId: 602 });
    courseId = (await addCourse(database)).id;
    admin = createAdminJs({ services, adapter: { db: database.db, dialect, tz: 'Asia/Tashkent', now: () => clock.now() }, config: loadConfig({}) });
  });
  afterAll(async () => database.cleanup());

  const as = (u: User) => new ApiController({ admin }, principal(u));
  const edit = (id: number, payload: Record<string, string>) =>
    as(boss).recordAction({ params: { resourceId: 'study_groups', recordId: String(id), action: 'edit' }, method: 'post', payload, query: {} } as never, {}) as Promise<Answer>;
  const create = (payload: Record<string, string>) =>
    as(boss).resourceAction({ params: { resourceId: 'study_groups', action: 'new' }, method: 'post', payload, query: {} } as never, {}) as Promise<Answer>;
  const told = async (groupId: number) =>
    (await database.db.selectFrom('outbox').select(['chat_id', 'payload']).where('kind', '=', 'waitlist_spot_freed').orderBy('id').execute())
      .map((r) => ({ chat: r.chat_id, ...JSON.parse(r.payload) }))
      .filter((p) => p.groupId === groupId)
      .map((p) => [p.chat, p.leadName, p.position]);

  async function waitingLead(owner: User, name: string, groupId: number) {
    const { lead } = await services.leads.intake({ name, phone: `+99891${String(2000000 + ++phone)}`, source: 'walk_in' }, owner);
    await services.leads.move(lead.id, { to: 'contacted' }, owner);
    await services.leads.move(lead.id, { to: 'interested' }, owner);
    await services.leads.waitlist(lead.id, groupId, owner);
    return lead;
  }

  it('raising a full group’s capacity in the back office tells the waitlisted leads’ salespeople, oldest first; an edit that frees nothing tells nobody', async () => {
    const g = await addGroup(database, courseId, { name: 'Full Morning', capacity: 2, current_students: 2 });
    await waitingLead(bobur, 'First Waiting', g.id);
    clock.advance(60_000);
    await waitingLead(aziza, 'Second Waiting', g.id);

    const renamed = await edit(g.id, { name: 'Full Morning A' });
    expect(renamed.notice?.type).toBe('success');
    expect(await told(g.id)).toEqual([]);

    const raised = await edit(g.id, { capacity: '4' });
    expect(raised.notice?.type).toBe('success');
    expect(raised.record?.params).toMatchObject({ capacity: 4, current_students: 2 });
    expect(await told(g.id)).toEqual([
      ['602', 'First Waiting', 1],
      ['601', 'Second Waiting', 2],
    ]);
  });

  it('the back office keeps core’s group rules: a room clash or a room too small is refused under its field and nothing is written', async () => {
    const room = await database.db.insertInto('rooms').values({ name: 'Room 7', capacity: 10, active: 1 }).returningAll().executeTakeFirstOrThrow();
    const taken = await addGroup(database, courseId, { name: 'Taken 15:00', start_time: '15:00', room_id: room.id });
    const other = await addGroup(database, courseId, { name: 'Other 16:00', start_time: '16:00', capacity: 8 });

    const clash = await edit(other.id, { room_id: String(room.id) });
    expect(clash.notice?.type).toBe('error');
    expect(clash.record?.errors).toHaveProperty('room_id');
    expect((await database.db.selectFrom('study_groups').select('room_id').where('id', '=', other.id).executeTakeFirstOrThrow()).room_id).toBeNull();

    const tooBig = await edit(taken.id, { capacity: '11' });
    expect(tooBig.record?.errors).toHaveProperty('capacity');
    expect((await database.db.selectFrom('study_groups').select('capacity').where('id', '=', taken.id).executeTakeFirstOrThrow()).capacity).toBe(12);

    const clashNew = await create({ name: 'New 15:30', course_id: String(courseId), days: 'odd', start_time: '15:30', room_id: String(room.id), capacity: '8' });
    expect(clashNew.record?.errors).toHaveProperty('room_id');
    expect(await database.db.selectFrom('study_groups').select('id').where('name', '=', 'New 15:30').execute()).toEqual([]);

    const made = await create({ name: 'New 17:00', course_id: String(courseId), days: 'odd', start_time: '17:00', room_id: String(room.id), capacity: '8' });
    expect(made.notice?.type).toBe('success');
    expect(made.record?.params).toMatchObject({ name: 'New 17:00', room_id: room.id, capacity: 8, current_students: 0, active: true });
  });
});
