import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { addCourse, addGroup, addUser, tash } from '../support/fixtures.js';
import { apiFor, asUser, json } from '../support/api.js';
import type { User } from '../../db/types.js';

/** The routes added for the Mini App: courses, group occupancy, offers, inbox, leave, KPI. */
describe.each(dialects())('Mini App routes (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  let salesA: User;
  let salesB: User;
  let manager: User;
  let course: { id: number };
  let other: { id: number };
  let full: { id: number };
  let leadA: number;
  let leadB: number;
  const as = (u: User) => asUser(u, ctx.clock.now());
  const get = (path: string, u: User) => ctx.app.request(path, { headers: as(u) });
  const post = (path: string, u: User, body: unknown) => ctx.app.request(path, json(body, as(u)));

  beforeAll(async () => {
    // Tuesday 24 Nov 2026, 11:00 in Tashkent
    ctx = await apiFor(dialect, {}, tash('2026-11-24T11:00:00'));
    salesA = await addUser(ctx.services, { role: 'sales', fullName: 'Sales A', telegramUserId: 201 });
    salesB = await addUser(ctx.services, { role: 'sales', fullName: 'Sales B', telegramUserId: 202 });
    manager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Manager', telegramUserId: 203 });
    course = await addCourse(ctx.database, { name: 'English', price: 600_000 });
    other = await addCourse(ctx.database, { name: 'Math', price: 400_000 });
    await addGroup(ctx.database, course.id, { name: 'EN-green', days: 'even', capacity: 10, current_students: 2 });
    full = await addGroup(ctx.database, course.id, { name: 'EN-red', days: 'even', capacity: 5, current_students: 5 });
    await addGroup(ctx.database, other.id, { name: 'MA-yellow', days: 'odd', capacity: 4, current_students: 2 });
    leadA = Number((await ctx.services.leads.intake({ name: 'Lead of A', phone: '+998901234001', source: 'instagram', courseId: course.id }, salesA)).lead.id);
    leadB = Number((await ctx.services.leads.intake({ name: 'Lead of B', phone: '+998901234002', source: 'instagram', courseId: course.id }, salesB)).lead.id);
    await ctx.services.leads.waitlist(leadA, full.id, salesA);
    await ctx.services.leads.waitlist(leadB, full.id, salesB);
  });
  afterAll(() => ctx.cleanup());

  it('courses: the active ones, for anyone signed in; no sign-in → 401', async () => {
    const res = await get('/api/courses', salesA);
    expect(res.status).toBe(200);
    expect((await res.json()).items.map((c: { name: string; price: number }) => [c.name, c.price])).toEqual([
      ['English', 600_000],
      ['Math', 400_000],
    ]);
    expect((await ctx.app.request('/api/courses')).status).toBe(401);
  });

  it('group occupancy: colour bands, free spots, and waitlists where a salesperson sees only their own leads by name', async () => {
    const res = await get('/api/groups/occupancy?date=2026-11-24', salesA);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.date).toBe('2026-11-24');
    const byName = Object.fromEntries(body.items.map((g: any) => [g.name, g]));
    expect(byName['EN-green']).toMatchObject({ band: 'green', freeSpots: 8, lessonDay: true });
    expect(byName['EN-red']).toMatchObject({ band: 'red', freeSpots: 0, waitlist: { count: 2, visible: [{ leadId: leadA, leadName: 'Lead of A' }] } });
    expect(byName['MA-yellow']).toMatchObject({ band: 'yellow', lessonDay: false });
    const asManager = await (await get(`/api/groups/occupancy?date=2026-11-24&courseId=${course.id}`, manager)).json();
    expect(asManager.items.map((g: any) => g.name)).toEqual(['EN-green', 'EN-red']);
    expect(asManager.items[1].waitlist.visible.map((w: any) => w.leadName)).toEqual(['Lead of A', 'Lead of B']);
    const bad = await get('/api/groups/occupancy?date=24.11.2026', salesA);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.fields).toHaveProperty('date');
  });

  it("offers: the valid ones; a lead's matching offers by audience and course; another's lead → 404", async () => {
    const at = ctx.clock.now().toISOString();
    await ctx.db
      .insertInto('offers')
      .values([
        { title: 'For new leads', type: 'discount', priority: 2, channel: 'all', audience: 'new', course_id: null, active: 1, created_at: at },
        { title: 'Math only', type: 'bonus', priority: 3, channel: 'all', audience: 'all', course_id: other.id, active: 1, created_at: at },
        { title: 'Expired', type: 'other', priority: 9, channel: 'all', audience: 'all', course_id: null, valid_until: tash('2026-11-01T00:00:00'), active: 1, created_at: at },
      ])
      .execute();
    const all = await (await get('/api/offers', salesA)).json();
    expect(all.items.map((o: any) => o.title)).toEqual(['Math only', 'For new leads']);
    const mine = await get(`/api/leads/${leadA}/offers`, salesA);
    expect(mine.status).toBe(200);
    expect((await mine.json()).items.map((o: any) => o.title)).toEqual(['For new leads']);
    expect((await get(`/api/leads/${leadA}/offers`, salesB)).status).toBe(404);
  });

  it('inbox: unread first; reading writes one receipt; a message of someone else → 404', async () => {
    const first = await ctx.services.messages.send({ recipientIds: [salesA.id], subject: 'Old', body: 'first', priority: 'low' }, manager);
    ctx.clock.advance(60_000);
    const second = await ctx.services.messages.send({ recipientIds: [salesA.id, salesB.id], subject: 'Urgent', body: 'second', priority: 'urgent' }, manager);
    const read = await post(`/api/inbox/${first.message.id}/read`, salesA, {});
    expect(read.status).toBe(200);
    const again = await post(`/api/inbox/${first.message.id}/read`, salesA, {});
    expect((await again.json()).readAt).toBe((await read.json()).readAt);
    const inbox = await (await get('/api/inbox', salesA)).json();
    expect(inbox.unread).toBe(1);
    expect(inbox.items.map((m: any) => [m.subject, m.read, m.priority])).toEqual([
      ['Urgent', false, 'urgent'],
      ['Old', true, 'low'],
    ]);
    expect(inbox.items[0]).toMatchObject({ senderName: 'Manager', body: 'second' });
    expect((await post(`/api/inbox/${first.message.id}/read`, salesB, {})).status).toBe(404);
    const bInbox = await (await get('/api/inbox', salesB)).json();
    expect(bInbox.items.map((m: any) => m.id)).toEqual([second.message.id]);
    expect((await post(`/api/inbox/${first.message.id}/read`, salesA, { extra: 1 })).status).toBe(400);
  });

  it('leave: request whole or partial days, see my own, cancel while pending; managers see all and cannot request', async () => {
    const whole = await post('/api/leave', salesA, { startDate: '2026-11-26', endDate: '2026-11-27', reason: 'Family' });
    expect(whole.status).toBe(201);
    const w = await whole.json();
    expect(w).toMatchObject({ status: 'pending', startDate: '2026-11-26', endDate: '2026-11-27', startTime: null });
    const partial = await post('/api/leave', salesA, { startDate: '2026-11-30', startTime: '14:00', endTime: '18:00' });
    expect(partial.status).toBe(201);
    expect(await partial.json()).toMatchObject({ startsAt: tash('2026-11-30T14:00:00'), endsAt: tash('2026-11-30T18:00:00') });
    const overlap = await post('/api/leave', salesA, { startDate: '2026-11-27' });
    expect(overlap.status).toBe(409);
    const badTime = await post('/api/leave', salesA, { startDate: '2026-11-30', startTime: '25:00', endTime: '18:00' });
    expect((await badTime.json()).error.fields).toHaveProperty('startTime');
    expect((await post('/api/leave', manager, { startDate: '2026-12-01' })).status).toBe(403);

    const mine = await (await get('/api/leave', salesA)).json();
    expect(mine.items).toHaveLength(2);
    expect((await (await get('/api/leave', salesB)).json()).items).toEqual([]);
    expect((await (await get('/api/leave', manager)).json()).items).toHaveLength(2);

    expect((await post(`/api/leave/${w.id}/cancel`, salesB, {})).status).toBe(404);
    const cancelled = await post(`/api/leave/${w.id}/cancel`, salesA, {});
    expect((await cancelled.json()).status).toBe('cancelled');
    expect((await post(`/api/leave/${w.id}/cancel`, salesA, {})).status).toBe(409);
  });

  it("KPI: today's eight metrics live and the stored days; another salesperson's KPI → 404; managers may look at anyone", async () => {
    await ctx.services.leads.move(leadA, { to: 'contacted' }, salesA);
    await ctx.db
      .insertInto('kpi_daily')
      .values({ user_id: salesA.id, date: '2026-11-23', daily_contacts: 4, daily_followups: 3, followup_completion_rate: 75, trials_registered: 1, trials_to_sales: 0, conversion_rate: 20, response_time: 12.5, overdue_count: 1, on_leave: 0, report_sent: 1, computed_at: ctx.clock.now().toISOString() })
      .execute();
    const res = await get('/api/kpi?days=30', salesA);
    expect(res.status).toBe(200);
    const k = await res.json();
    expect(k).toMatchObject({ userId: salesA.id, from: '2026-10-26', to: '2026-11-24' });
    expect(k.today).toMatchObject({ date: '2026-11-24', dailyContacts: 1, onLeave: false });
    expect(Object.keys(k.today).sort()).toEqual(
      ['conversionRate', 'dailyContacts', 'dailyFollowups', 'date', 'followupCompletionRate', 'onLeave', 'overdueCount', 'responseTime', 'trialsRegistered', 'trialsToSales'].sort(),
    );
    expect(k.days.map((d: any) => [d.date, d.dailyContacts])).toEqual([
      ['2026-11-23', 4],
      ['2026-11-24', 1],
    ]);
    expect((await get(`/api/kpi?userId=${salesA.id}`, salesB)).status).toBe(404);
    expect((await get(`/api/kpi?userId=${salesA.id}`, manager)).status).toBe(200);
    expect((await get('/api/kpi?days=0', salesA)).status).toBe(400);
  });

  it('ranking: the team over this month, for everyone; a reversed period is refused', async () => {
    const res = await get('/api/kpi/ranking', salesB);
    expect(res.status).toBe(200);
    const r = await res.json();
    expect(r).toMatchObject({ from: '2026-11-01', to: '2026-11-24' });
    expect(r.items.map((x: any) => x.name).sort()).toEqual(['Sales A', 'Sales B']);
    expect(r.items.map((x: any) => x.rank)).toEqual([1, 2]);
    const bad = await get('/api/kpi/ranking?from=2026-11-20&to=2026-11-10', salesB);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.fields).toHaveProperty('from');
  });
});
