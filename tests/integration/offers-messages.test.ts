import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addUser, failure, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('offers on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('targets by channel, audience, course and validity, ordered by priority; the nightly job expires', async () => {
    const { clock, services } = servicesFor(database, tash('2026-03-02T10:00'));
    const admin = await addUser(services, { role: 'admin' });
    const manager = await addUser(services, { role: 'sales_manager' });
    const sales = await addUser(services);
    const english = await addCourse(database, { name: 'English' });
    const math = await addCourse(database, { name: 'Math' });
    const create = (input: Parameters<typeof services.offers.create>[0]) => services.offers.create(input, admin);
    const everyone = await create({ title: 'Everyone', priority: 1 });
    const newOnFollowup = await create({ title: 'New leads, follow-up', channel: 'followup', audience: 'new', priority: 5 });
    const englishTrial = await create({ title: 'English trial', channel: 'trial', audience: 'trial', courseId: english.id, priority: 3, type: 'discount' });
    const mathLost = await create({ title: 'Math comeback', channel: 'reactivation', audience: 'lost', courseId: math.id, priority: 2 });
    const later = await create({ title: 'From Friday', validFrom: tash('2026-03-06T00:00') });
    const ending = await create({ title: 'Until Tuesday', validUntil: tash('2026-03-03T00:00'), priority: 9 });
    const off = await create({ title: 'Switched off', active: false, priority: 10 });

    const ids = (xs: { id: number }[]) => xs.map((x) => x.id);
    expect(ids(await services.offers.activeOffers())).toEqual([ending.id, newOnFollowup.id, englishTrial.id, mathLost.id, everyone.id]);
    expect(ids(await services.offers.activeForLead({ status: 'new', course_id: english.id }, 'followup'))).toEqual([ending.id, newOnFollowup.id, everyone.id]);
    expect(ids(await services.offers.activeForLead({ status: 'new', course_id: null }, 'trial'))).toEqual([ending.id, everyone.id]);
    expect(ids(await services.offers.activeForLead({ status: 'trial_registered', course_id: english.id }, 'trial'))).toEqual([ending.id, englishTrial.id, everyone.id]);
    expect(ids(await services.offers.activeForLead({ status: 'trial_attended', course_id: math.id }, 'trial'))).toEqual([ending.id, everyone.id]);
    expect(ids(await services.offers.activeForLead({ status: 'lost', course_id: math.id }, 'reactivation'))).toEqual([ending.id, mathLost.id, everyone.id]);
    expect(ids(await services.offers.activeForLead({ status: 'contacted', course_id: math.id }, 'reactivation'))).toEqual([ending.id, everyone.id]);

    // validity follows the clock; the nightly job switches off what has ended, once
    clock.set(tash('2026-03-06T02:00'));
    expect(ids(await services.offers.activeOffers())).toEqual([newOnFollowup.id, englishTrial.id, mathLost.id, everyone.id, later.id]);
    expect(await services.offers.expireOffers()).toEqual({ expired: 1 });
    expect(await services.offers.expireOffers()).toEqual({ expired: 0 });
    expect((await services.offers.get(ending.id)).active).toBe(0);
    expect((await services.offers.get(off.id)).active).toBe(0);

    // validation and roles
    expect((await failure(create({ title: 'x', validFrom: tash('2026-03-10T00:00'), validUntil: tash('2026-03-09T00:00') }))).fields).toHaveProperty('validUntil');
    expect((await failure(create({ title: 'x', courseId: 9999 }))).fields).toHaveProperty('courseId');
    expect((await failure(create({ title: '' }))).fields).toHaveProperty('title');
    expect((await failure(create({ title: 'x', channel: 'sms' as never }))).fields).toHaveProperty('channel');
    expect((await failure(services.offers.create({ title: 'x' }, manager))).code).toBe('FORBIDDEN');
    expect((await services.offers.list(manager)).length).toBe(7);
    expect((await failure(services.offers.list(sales))).code).toBe('FORBIDDEN');
    expect((await services.offers.list(sales, { activeOnly: true })).length).toBe(5);
    const updated = await services.offers.update(everyone.id, { priority: 20 }, admin);
    expect(updated.priority).toBe(20);
    expect(ids(await services.offers.activeOffers())[0]).toBe(everyone.id);
  });
});

describe.each(dialects())('manager messages on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('sends to several salespeople with priority, keeps one read receipt per person, shows the sender who read', async () => {
    // 20:00 Monday: after everyone's shift
    const { clock, services } = servicesFor(database, tash('2026-03-02T20:00'));
    const boss = await addUser(services, { role: 'sales_manager', fullName: 'Boss' });
    const otherBoss = await addUser(services, { role: 'sales_manager' });
    const admin = await addUser(services, { role: 'admin' });
    const s1 = await addUser(services, { fullName: 'Aziza', telegramUserId: 41 });
    const s2 = await addUser(services, { fullName: 'Bekzod', telegramUserId: 42 });
    const s3 = await addUser(services, { fullName: 'Sevara', telegramUserId: 43 });

    const urgent = await services.messages.send({ recipientIds: [s1.id, s2.id], subject: 'Server down', body: 'Call leads by phone', priority: 'urgent' }, boss);
    const normal = await services.messages.send({ recipientIds: [s1.id], subject: 'Plan', body: 'Tomorrow we focus on IELTS' }, boss);
    const rows = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'manager_message').orderBy('id').execute();
    expect(rows.map((r) => [r.user_id, r.priority, r.not_before])).toEqual([
      [s1.id, 'urgent', tash('2026-03-02T20:00')],
      [s2.id, 'urgent', tash('2026-03-02T20:00')],
      [s1.id, 'normal', tash('2026-03-03T09:00')],
    ]);
    expect(JSON.parse(rows[0].payload)).toMatchObject({ fromName: 'Boss', urgent: true, messageId: urgent.message.id });
    expect(urgent.message.sent_to_telegram).toBe(1);

    expect((await failure(services.messages.send({ recipientIds: [s1.id], subject: 'x', body: 'y' }, s2))).code).toBe('FORBIDDEN');
    expect((await failure(services.messages.send({ recipientIds: [boss.id], subject: 'x', body: 'y' }, admin))).fields).toHaveProperty('recipientIds');
    expect((await failure(services.messages.send({ recipientIds: [], subject: 'x', body: 'y' }, admin))).fields).toHaveProperty('recipientIds');

    // the inbox: unread first, then newest
    clock.set(tash('2026-03-03T09:10'));
    expect((await services.messages.inbox(s1.id, s1)).map((m) => [m.id, m.read])).toEqual([
      [normal.message.id, false],
      [urgent.message.id, false],
    ]);
    expect(await services.messages.unreadCount(s1.id)).toBe(2);
    const first = await services.messages.markRead(urgent.message.id, s1);
    expect(first.read_at).toBe(tash('2026-03-03T09:10'));
    clock.set(tash('2026-03-03T11:00'));
    const again = await services.messages.markRead(urgent.message.id, s1);
    expect(again.read_at).toBe(tash('2026-03-03T09:10'));
    expect(await database.db.selectFrom('sales_message_reads').selectAll().execute()).toHaveLength(1);
    expect((await services.messages.inbox(s1.id, s1)).map((m) => [m.id, m.read])).toEqual([
      [normal.message.id, false],
      [urgent.message.id, true],
    ]);
    expect((await failure(services.messages.markRead(urgent.message.id, s3))).code).toBe('NOT_FOUND');
    expect((await failure(services.messages.inbox(s1.id, s2))).code).toBe('NOT_FOUND');

    const status = await services.messages.readStatus(urgent.message.id, boss);
    expect(status.recipients.map((r) => [r.full_name, r.read_at])).toEqual([
      ['Aziza', tash('2026-03-03T09:10')],
      ['Bekzod', null],
    ]);
    expect([status.readCount, status.total]).toEqual([1, 2]);
    expect((await services.messages.readStatus(urgent.message.id, admin)).readCount).toBe(1);
    expect((await failure(services.messages.readStatus(urgent.message.id, otherBoss))).code).toBe('NOT_FOUND');
    expect((await failure(services.messages.readStatus(urgent.message.id, s1))).code).toBe('NOT_FOUND');
    expect((await services.messages.sent(boss)).map((m) => [m.id, m.recipients, m.reads])).toEqual([
      [normal.message.id, 1, 0],
      [urgent.message.id, 2, 1],
    ]);
    expect(await services.messages.sent(otherBoss)).toEqual([]);
    expect((await services.messages.sent(admin)).length).toBe(2);
  });
});
