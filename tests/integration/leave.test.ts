import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, failure, servicesFor, tash } from '../support/fixtures.js';
import type { Services } from '../../core/services.js';
import type { User } from '../../db/types.js';

describe.each(dialects())('leave and absence on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  const MON_10 = tash('2026-03-02T10:00');
  let n = 0;

  /** A lead of `owner` in `contacted`, so its next follow-up is due 24 h after the move. */
  async function contactedLead(services: Services, owner: User) {
    n++;
    const { lead } = await services.leads.intake({ name: `Lead ${n}`, phone: `+99891${String(1000000 + n)}`, source: 'walk_in' }, owner);
    return services.leads.move(lead.id, { to: 'contacted' }, owner);
  }
  const openDue = async (leadId: number) =>
    (await database.db.selectFrom('follow_ups').select(['due_at']).where('lead_id', '=', leadId).where('state', '=', 'open').execute()).map((f) => f.due_at);
  const outbox = (kind: string) => database.db.selectFrom('outbox').selectAll().where('kind', '=', kind).orderBy('id').execute();

  it('a whole-day request tells the managers; approval moves the follow-ups out of the day and tells the requester', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services, { telegramUserId: 11 });
    const boss = await addUser(services, { role: 'sales_manager', telegramUserId: 12 });
    const lead = await contactedLead(services, s);
    expect(await openDue(lead.id)).toEqual([tash('2026-03-03T10:00')]);

    const req = await services.leave.request({ startDate: '2026-03-03', reason: 'wedding' }, s);
    expect(req).toMatchObject({ status: 'pending', starts_at: tash('2026-03-03T00:00'), ends_at: tash('2026-03-04T00:00') });
    const pending = await outbox('leave_request_pending');
    expect(pending.map((r) => r.user_id)).toEqual([boss.id]);
    expect(JSON.parse(pending[0].payload)).toMatchObject({ leaveId: req.id, from: '2026-03-03', to: '2026-03-03', reason: 'wedding' });
    // pending changes nothing yet
    expect(await openDue(lead.id)).toEqual([tash('2026-03-03T10:00')]);

    clock.set(tash('2026-03-02T11:00'));
    const { leave, followUpsMoved } = await services.leave.approve(req.id, boss);
    expect([leave.status, leave.decided_by, followUpsMoved]).toEqual(['approved', boss.id, 1]);
    expect(await openDue(lead.id)).toEqual([tash('2026-03-04T09:00')]);
    const decided = await outbox('leave_decided');
    expect(decided.map((r) => [r.user_id, JSON.parse(r.payload).approved])).toEqual([[s.id, true]]);
    expect((await failure(services.leave.approve(req.id, boss))).code).toBe('CONFLICT');
    // a second request over the same day is refused
    expect((await failure(services.leave.request({ startDate: '2026-03-03' }, s))).code).toBe('CONFLICT');
  });

  it('approving a leave that covers a trial reminder moves it to the last working moment before the trial, or skips it, never leaves it in the leave', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const t = await addUser(services);
    const boss = await addUser(services, { role: 'sales_manager' });
    const course = await addCourse(database);
    const g = await addGroup(database, course.id, { days: 'odd', start_time: '15:00' }); // Friday 03-06 15:00
    const reminders = async (leadId: number) =>
      (await database.db.selectFrom('follow_ups').select(['kind', 'due_at']).where('lead_id', '=', leadId).where('state', '=', 'open').orderBy('kind').execute()).map((f) => [f.kind, f.due_at]);
    const a = await contactedLead(services, s);
    await services.leads.bookTrial(a.id, { groupId: g.id, date: '2026-03-06' }, s);
    const b = await contactedLead(services, t);
    await services.leads.bookTrial(b.id, { groupId: g.id, date: '2026-03-06' }, t);
    expect(await reminders(a.id)).toEqual([
      ['trial_before_1d', tash('2026-03-05T15:00')],
      ['trial_before_2h', tash('2026-03-06T13:00')],
    ]);

    // s is off on the trial's day: the 2 h reminder cannot wait for Saturday (after the trial)
    await services.leave.approve((await services.leave.request({ startDate: '2026-03-06' }, s)).id, boss);
    expect(await reminders(a.id)).toEqual([
      ['trial_before_1d', tash('2026-03-05T15:00')],
      ['trial_before_2h', tash('2026-03-05T17:59')],
    ]);

    // t is off from now until after the trial: no working moment is left before it
    clock.set(tash('2026-03-05T10:00'));
    const req = await services.leave.request({ startDate: '2026-03-05', endDate: '2026-03-06' }, t);
    expect((await services.leave.approve(req.id, boss)).followUpsMoved).toBe(2);
    expect(await reminders(b.id)).toEqual([]);
  });

  it('a partial-day leave covers only its hours', async () => {
    const { clock, services } = servicesFor(database, tash('2026-03-04T15:00'));
    const s = await addUser(services);
    const boss = await addUser(services, { role: 'admin' });
    const lead = await contactedLead(services, s); // next follow-up Thursday 15:00
    clock.set(tash('2026-03-04T16:00'));
    const req = await services.leave.request({ startDate: '2026-03-05', startTime: '14:00', endTime: '18:00', reason: 'doctor' }, s);
    expect([req.starts_at, req.ends_at]).toEqual([tash('2026-03-05T14:00'), tash('2026-03-05T18:00')]);
    expect((await failure(services.leave.request({ startDate: '2026-03-06', startTime: '15:00', endTime: '14:00' }, s))).fields).toHaveProperty('endTime');
    await services.leave.approve(req.id, boss);
    expect(await openDue(lead.id)).toEqual([tash('2026-03-06T09:00')]);
    clock.set(tash('2026-03-05T13:59'));
    expect(await services.leave.isOnLeave(s.id)).toBe(false);
    clock.set(tash('2026-03-05T14:00'));
    expect(await services.leave.isOnLeave(s.id)).toBe(true);
    clock.set(tash('2026-03-05T18:00'));
    expect(await services.leave.isOnLeave(s.id)).toBe(false);
  });

  it('a rejection needs a reason, tells the requester and moves nothing; only the requester cancels, and only while pending', async () => {
    const { services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const other = await addUser(services);
    const boss = await addUser(services, { role: 'sales_manager' });
    const lead = await contactedLead(services, s);
    const req = await services.leave.request({ startDate: '2026-03-03' }, s);
    expect((await failure(services.leave.reject(req.id, '  ', boss))).fields).toHaveProperty('reason');
    expect((await failure(services.leave.reject(req.id, 'busy week', s))).code).toBe('FORBIDDEN');
    const rejected = await services.leave.reject(req.id, 'busy week', boss);
    expect([rejected.status, rejected.rejection_reason]).toEqual(['rejected', 'busy week']);
    expect(await openDue(lead.id)).toEqual([tash('2026-03-03T10:00')]);
    expect(JSON.parse((await outbox('leave_decided'))[0].payload)).toMatchObject({ approved: false, reason: 'busy week' });
    expect((await failure(services.leave.cancel(req.id, s))).code).toBe('CONFLICT');

    const again = await services.leave.request({ startDate: '2026-03-03', endDate: '2026-03-04' }, s);
    expect((await failure(services.leave.cancel(again.id, other))).code).toBe('NOT_FOUND');
    expect((await failure(services.leave.cancel(again.id, boss))).code).toBe('FORBIDDEN');
    expect((await services.leave.cancel(again.id, s)).status).toBe('cancelled');
    expect((await failure(services.leave.approve(again.id, boss))).code).toBe('CONFLICT');
    // a salesperson sees only their own requests; a manager sees everyone's
    expect((await services.leave.list(other)).map((l) => l.id)).toEqual([]);
    expect((await services.leave.list(s)).map((l) => l.id).sort()).toEqual([req.id, again.id].sort());
    expect((await services.leave.list(boss)).length).toBe(2);
    expect((await failure(services.leave.get(req.id, other))).code).toBe('NOT_FOUND');
    expect((await failure(services.leave.request({ startDate: '2026-03-09' }, boss))).code).toBe('FORBIDDEN');
  });

  it('a future leave takes effect by itself; the hourly job only tells people when it starts and ends', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services, { telegramUserId: 21 });
    const boss = await addUser(services, { role: 'sales_manager', telegramUserId: 22 });
    const req = await services.leave.request({ startDate: '2026-03-04' }, s);
    await services.leave.approve(req.id, boss);

    clock.set(tash('2026-03-03T10:00'));
    expect(await services.leave.isOnLeave(s.id)).toBe(false);
    const before = await services.leads.intake({ name: 'Before', phone: '+998935550001', source: 'form' });
    expect(before.lead.assigned_to).toBe(s.id);
    expect(await services.leave.leaveNotices()).toEqual({ started: 0, ended: 0 });

    // Wednesday: no job has run, yet nobody gives them leads
    clock.set(tash('2026-03-04T10:00'));
    expect(await services.leave.isOnLeave(s.id)).toBe(true);
    const during = await services.leads.intake({ name: 'During', phone: '+998935550002', source: 'form' });
    expect(during.lead.assigned_to).toBeNull();

    expect(await services.leave.leaveNotices()).toEqual({ started: 1, ended: 0 });
    expect(await services.leave.leaveNotices()).toEqual({ started: 0, ended: 0 });
    const started = await outbox('leave_started');
    expect(started.map((r) => [r.user_id, r.not_before])).toEqual([
      [s.id, tash('2026-03-04T10:00')],
      [boss.id, tash('2026-03-04T10:00')],
    ]);

    clock.set(tash('2026-03-05T00:00'));
    expect(await services.leave.isOnLeave(s.id)).toBe(false);
    expect(await services.leave.leaveNotices()).toEqual({ started: 0, ended: 1 });
    expect(await services.leave.leaveNotices()).toEqual({ started: 0, ended: 0 });
    const ended = await outbox('leave_ended');
    // the person hears it when their shift starts; the manager at once
    expect(ended.map((r) => [r.user_id, r.not_before])).toEqual([
      [s.id, tash('2026-03-05T09:00')],
      [boss.id, tash('2026-03-05T00:00')],
    ]);
    expect(JSON.parse(ended[1].payload)).toMatchObject({ leaveId: req.id, userName: s.full_name });
  });

  it('an absence day moves that day’s follow-ups and takes the person out of distribution', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const boss = await addUser(services, { role: 'sales_manager' });
    const lead = await contactedLead(services, s);
    expect((await failure(services.leave.markAbsent(s.id, '2026-03-03', s))).code).toBe('FORBIDDEN');
    const r = await services.leave.markAbsent(s.id, '2026-03-03', boss);
    expect(r).toEqual({ created: true, followUpsMoved: 1 });
    expect((await services.leave.markAbsent(s.id, '2026-03-03', boss)).created).toBe(false);
    expect(await openDue(lead.id)).toEqual([tash('2026-03-04T09:00')]);
    clock.set(tash('2026-03-03T11:00'));
    const landing = await services.leads.intake({ name: 'Walk', phone: '+998935550009', source: 'form' });
    expect(landing.lead.assigned_to).toBeNull();
    expect((await services.leave.awayAt()).absent).toEqual([s.id]);
  });
});
