import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addUser, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('distribution on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });
  const WED_10 = tash('2026-03-04T10:00');
  let n = 0;
  const phone = () => `+99891${String(++n).padStart(7, '0')}`;

  it('gives the lead to the salesperson with the fewest open leads', async () => {
    const { services } = servicesFor(database, WED_10);
    const a = await addUser(services);
    const b = await addUser(services);
    await services.leads.intake({ name: 'own1', phone: phone(), source: 'walk_in' }, a);
    await services.leads.intake({ name: 'own2', phone: phone(), source: 'walk_in' }, a);
    const r = await services.leads.intake({ name: 'x', phone: phone(), source: 'form' });
    expect(r.lead.assigned_to).toBe(b.id);
  });

  it('breaks a tie by the oldest last assignment', async () => {
    const { services, clock } = servicesFor(database, WED_10);
    const a = await addUser(services);
    const b = await addUser(services);
    const first = await services.leads.intake({ name: 'x1', phone: phone(), source: 'form' });
    expect(first.lead.assigned_to).toBe(a.id); // both never assigned: lower id
    clock.advance(60_000);
    const second = await services.leads.intake({ name: 'x2', phone: phone(), source: 'form' });
    expect(second.lead.assigned_to).toBe(b.id); // b has fewer
    clock.advance(60_000);
    const third = await services.leads.intake({ name: 'x3', phone: phone(), source: 'form' });
    // both have 1 open lead; a's last assignment (10:00) is older than b's (10:01)
    expect(third.lead.assigned_to).toBe(a.id);
    const ev = await database.db.selectFrom('lead_events').select('data').where('lead_id', '=', third.lead.id).where('type', '=', 'assigned').executeTakeFirstOrThrow();
    expect(JSON.parse(ev.data!).reason).toMatch(/tie of 2 broken by oldest last assignment/);
  });

  it('excludes the blocked, on leave, absent, off shift and those not covering the course', async () => {
    const { services } = servicesFor(database, WED_10);
    const english = await addCourse(database, { name: 'English' });
    const it_ = await addCourse(database, { name: 'Python' });
    const blocked = await addUser(services, { fullName: 'blocked' });
    const onLeave = await addUser(services, { fullName: 'leave' });
    const absent = await addUser(services, { fullName: 'absent' });
    const offShift = await addUser(services, { fullName: 'evening', workStart: '14:00', workEnd: '22:00' });
    const pythonOnly = await addUser(services, { fullName: 'python', courseIds: [it_.id] });
    const notSales = await addUser(services, { fullName: 'inactive-sales', isActiveSales: false });
    const chosen = await addUser(services, { fullName: 'chosen' });
    // give `chosen` more load than everyone so any excluded one would otherwise win
    for (let i = 0; i < 3; i++) await services.leads.intake({ name: `c${i}`, phone: phone(), source: 'walk_in' }, chosen);
    // five overdue follow-ups block `blocked`
    for (let i = 0; i < 5; i++) {
      const r = await services.leads.intake({ name: `b${i}`, phone: phone(), source: 'walk_in' }, blocked);
      await database.db.updateTable('follow_ups').set({ due_at: tash('2026-03-03T10:00') }).where('lead_id', '=', r.lead.id).execute();
    }
    await database.db.updateTable('users').set({ open_lead_count: 0 }).where('id', '=', blocked.id).execute();
    await database.db.insertInto('leave_requests').values({
      user_id: onLeave.id, start_date: '2026-03-04', end_date: '2026-03-04', starts_at: tash('2026-03-04T00:00'), ends_at: tash('2026-03-05T00:00'),
      status: 'approved', created_at: WED_10,
    }).execute();
    await database.db.insertInto('absences').values({ user_id: absent.id, date: '2026-03-04', created_at: WED_10 }).execute();
    const r = await services.leads.intake({ name: 'english lead', phone: phone(), source: 'form', courseId: english.id });
    expect(r.lead.assigned_to).toBe(chosen.id);
    // the Python specialist does get a Python lead
    const py = await services.leads.intake({ name: 'python lead', phone: phone(), source: 'form', courseId: it_.id });
    expect(py.lead.assigned_to).toBe(pythonOnly.id);
    expect([offShift.id, notSales.id]).not.toContain(r.lead.assigned_to);
  });

  it('queues leads when nobody is available and assigns them in arrival order when a shift starts', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T20:00'));
    const a = await addUser(services, { telegramUserId: 11 });
    const b = await addUser(services, { telegramUserId: 12 });
    const l1 = await services.leads.intake({ name: 'night1', phone: phone(), source: 'form' });
    const l2 = await services.leads.intake({ name: 'night2', phone: phone(), source: 'form' });
    const l3 = await services.leads.intake({ name: 'night3', phone: phone(), source: 'form' });
    for (const l of [l1, l2, l3]) expect(l.lead.assigned_to).toBeNull();
    expect((await services.leads.assignQueued()).assigned).toBe(0);
    clock.set(tash('2026-03-05T09:00'));
    const res = await services.leads.assignQueued();
    expect(res).toEqual({ assigned: 3, waiting: 0 });
    const leads = await database.db.selectFrom('leads').select(['id', 'assigned_to']).orderBy('id').execute();
    // arrival order: the first goes to a (tie → lower id), the second to b, the third to a
    expect(leads.map((l) => l.assigned_to)).toEqual([a.id, b.id, a.id]);
    // the planned `new` follow-up (+5 min from arrival, long past) is due now, in the new shift
    const fus = await database.db.selectFrom('follow_ups').select(['due_at', 'sales_id']).orderBy('id').execute();
    expect(fus.map((f) => f.due_at)).toEqual([tash('2026-03-05T09:00'), tash('2026-03-05T09:00'), tash('2026-03-05T09:00')]);
    expect(fus.map((f) => f.sales_id)).toEqual([a.id, b.id, a.id]);
    // assignment notifications are written; the night-time "waiting" alert went to managers only
    expect(await database.db.selectFrom('outbox').select('id').where('kind', '=', 'lead_assigned').execute()).toHaveLength(3);
  });

  it('walks the whole queue: 501 leads of a course nobody covers do not hold up a later one, and a returning lead queues from its return', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T20:00'));
    const chinese = await addCourse(database, { name: 'Chinese' });
    const english = await addCourse(database, { name: 'English' });
    const a = await addUser(services, { courseIds: [english.id] });
    // a lead lost long ago, with the lowest id, comes back at night after the others queued
    const old = (await services.leads.intake({ name: 'Old friend', phone: phone(), source: 'walk_in', courseId: english.id }, a)).lead;
    await services.leads.move(old.id, { to: 'lost', lostReason: 'price' }, a);
    for (let i = 0; i < 501; i++) await services.leads.intake({ name: `zh${i}`, phone: phone(), source: 'form', courseId: chinese.id });
    const first = (await services.leads.intake({ name: 'first english', phone: phone(), source: 'form', courseId: english.id })).lead;
    clock.advance(60_000);
    const oldPhone = (await database.db.selectFrom('leads').select('phone').where('id', '=', old.id).executeTakeFirstOrThrow()).phone;
    await services.users.update(a.id, { isActiveSales: false });
    const back = await services.leads.intake({ name: 'Old friend', phone: oldPhone, source: 'form' });
    expect(back.lead).toMatchObject({ status: 'reactivation', assigned_to: null });
    await services.users.update(a.id, { isActiveSales: true });
    clock.set(tash('2026-03-05T09:00'));
    // `a` takes only English: both English leads are reached behind the 501 Chinese ones
    expect(await services.leads.assignQueued()).toEqual({ assigned: 2, waiting: 501 });
    const assigned = await database.db.selectFrom('lead_events').select('lead_id').where('type', '=', 'assigned').where('lead_id', 'in', [first.id, old.id]).where('created_at', '=', tash('2026-03-05T09:00')).orderBy('id').execute();
    // arrival order: the lead that queued first, then the one that came back later (not by id)
    expect(assigned.map((e) => e.lead_id)).toEqual([first.id, old.id]);
  }, 120_000);

  it('a returning lost lead goes back to its previous salesperson when available, else it is distributed', async () => {
    const { services, clock } = servicesFor(database, WED_10);
    const a = await addUser(services);
    const b = await addUser(services);
    const lead = (await services.leads.intake({ name: 'Lost one', phone: '+998935550000', source: 'walk_in' }, a)).lead;
    await services.leads.move(lead.id, { to: 'lost', lostReason: 'no_answer' }, a);
    // b is less loaded, but the lead returns to a
    for (let i = 0; i < 2; i++) await services.leads.intake({ name: `a${i}`, phone: phone(), source: 'walk_in' }, a);
    clock.advance(3_600_000);
    const back = await services.leads.intake({ name: 'Lost one', phone: '935550000', source: 'form' });
    expect(back).toMatchObject({ duplicate: true, outcome: 'reactivated' });
    expect(back.lead.status).toBe('reactivation');
    expect(back.lead.assigned_to).toBe(a.id);
    const fu = await database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', lead.id).where('state', '=', 'open').execute();
    expect(fu.map((f) => [f.kind, f.sales_id])).toEqual([['reactivation:1', a.id]]);
    // lost again, and this time a is on leave: distribution picks b
    await services.leads.move(lead.id, { to: 'lost', lostReason: 'price' }, a);
    await database.db.insertInto('leave_requests').values({
      user_id: a.id, start_date: '2026-03-04', end_date: '2026-03-04', starts_at: tash('2026-03-04T00:00'), ends_at: tash('2026-03-05T00:00'), status: 'approved', created_at: WED_10,
    }).execute();
    const again = await services.leads.intake({ name: 'Lost one', phone: '+998935550000', source: 'instagram' });
    expect(again.lead.assigned_to).toBe(b.id);
    expect(again.lead.status).toBe('reactivation');
  });

  it('parked imports are stored and deduplicated but in no queue, with no follow-ups or notifications, until released', async () => {
    const { services } = servicesFor(database, WED_10);
    const a = await addUser(services, { telegramUserId: 21 });
    const manager = await addUser(services, { role: 'sales_manager', telegramUserId: 22 });
    const open = (await services.leads.intake({ name: 'Open', phone: '+998901112233', source: 'form' })).lead;
    const before = await database.db.selectFrom('outbox').select('id').execute();
    const p1 = await services.leads.intake({ name: 'Imported', phone: '+998909998877', source: 'excel', parked: true });
    const dup = await services.leads.intake({ name: 'Open again', phone: '+998901112233', source: 'excel', parked: true });
    expect(p1.lead.parked).toBe(1);
    expect(p1.lead.assigned_to).toBeNull();
    expect(dup).toMatchObject({ duplicate: true, outcome: 'parked_touch' });
    expect((await services.leads.get(open.id, null)).status).toBe('new');
    expect(await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', p1.lead.id).execute()).toHaveLength(0);
    expect(await database.db.selectFrom('outbox').select('id').execute()).toHaveLength(before.length);
    expect((await services.leads.assignQueued()).assigned).toBe(0);
    expect((await services.leads.get(p1.lead.id, null)).assigned_to).toBeNull();
    const rel = await services.leads.releaseParked({ ids: [p1.lead.id] }, manager);
    expect(rel.released).toBe(1);
    const released = await services.leads.get(p1.lead.id, null);
    expect(released.parked).toBe(0);
    expect(released.assigned_to).toBe(a.id);
    expect(await database.db.selectFrom('follow_ups').select('kind').where('lead_id', '=', p1.lead.id).execute()).toEqual([{ kind: 'new:1' }]);
  });
});
