import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { addUser } from '../support/fixtures.js';
import { apiFor, asUser, json } from '../support/api.js';
import type { User } from '../../db/types.js';

describe.each(dialects())('manager API: messages, leave decisions, absences, analytics (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  let salesA: User;
  let salesB: User;
  let manager: User;
  let otherManager: User;
  let admin: User;
  const as = (u: User) => asUser(u, ctx.clock.now());
  const get = (path: string, u: User) => ctx.app.request(path, { headers: as(u) });
  const post = (path: string, u: User, body: unknown) => ctx.app.request(path, json(body, as(u)));

  beforeAll(async () => {
    ctx = await apiFor(dialect);
    salesA = await addUser(ctx.services, { role: 'sales', fullName: 'Sales A', telegramUserId: 201 });
    salesB = await addUser(ctx.services, { role: 'sales', fullName: 'Sales B', telegramUserId: 202 });
    manager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Manager', telegramUserId: 203 });
    otherManager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Other Manager', telegramUserId: 204 });
    admin = await addUser(ctx.services, { role: 'admin', fullName: 'Admin', telegramUserId: 205 });
  });
  afterAll(() => ctx.cleanup());

  it('a manager sends a message; it reaches the inbox; the read status shows who read it', async () => {
    expect((await post('/api/messages', salesA, { recipientIds: [salesB.id], subject: 'Hi', body: 'x' })).status).toBe(403);
    const empty = await post('/api/messages', manager, { recipientIds: [], subject: 'Hi', body: 'x' });
    expect((await empty.json()).error.fields).toHaveProperty('recipientIds');
    const toManager = await post('/api/messages', manager, { recipientIds: [otherManager.id], subject: 'Hi', body: 'x' });
    expect(toManager.status).toBe(400);
    expect((await toManager.json()).error.fields).toHaveProperty('recipientIds');

    const sent = await post('/api/messages', manager, { recipientIds: [salesA.id, salesB.id], subject: 'Plan <b>', body: 'Call every new lead within 15 minutes', priority: 'urgent' });
    expect(sent.status).toBe(201);
    const { id, recipients } = await sent.json();
    expect(recipients.sort()).toEqual([salesA.id, salesB.id].sort());
    const outbox = await ctx.db.selectFrom('outbox').select(['user_id']).where('kind', '=', 'manager_message').execute();
    expect(outbox.map((r) => r.user_id).sort()).toEqual([salesA.id, salesB.id].sort());

    const inbox = await (await get('/api/inbox', salesA)).json();
    expect(JSON.stringify(inbox)).toContain('Plan <b>');
    expect((await post(`/api/inbox/${id}/read`, salesA, {})).status).toBe(200);

    const status = await get(`/api/messages/${id}/reads`, manager);
    expect(status.status).toBe(200);
    const body = await status.json();
    expect(body).toMatchObject({ id, readCount: 1, total: 2 });
    expect(body.recipients.find((r: { userId: number }) => r.userId === salesA.id).readAt).toEqual(expect.any(String));
    expect(body.recipients.find((r: { userId: number }) => r.userId === salesB.id).readAt).toBeNull();

    // another manager may not look at it (404, not its data); an admin may
    expect((await get(`/api/messages/${id}/reads`, otherManager)).status).toBe(404);
    expect((await get(`/api/messages/${id}/reads`, admin)).status).toBe(200);
    expect((await get(`/api/messages/${id}/reads`, salesA)).status).toBe(403);

    const mine = await (await get('/api/messages', manager)).json();
    expect(mine.items.find((m: { id: number }) => m.id === id)).toMatchObject({ recipients: 2, reads: 1 });
    expect((await (await get('/api/messages', otherManager)).json()).items.map((m: { id: number }) => m.id)).not.toContain(id);
  });

  it('leave: a salesperson requests, a manager approves or rejects (with a reason), a decided request cannot be decided again', async () => {
    const req = await post('/api/leave', salesA, { startDate: '2026-11-30', endDate: '2026-12-01', reason: 'family' });
    expect(req.status).toBe(201);
    const leave = await req.json();
    expect((await post(`/api/leave/${leave.id}/approve`, salesA, {})).status).toBe(403);
    const approved = await post(`/api/leave/${leave.id}/approve`, manager, {});
    expect(approved.status).toBe(200);
    expect((await approved.json()).leave).toMatchObject({ id: leave.id, status: 'approved', decidedBy: manager.id });
    expect((await post(`/api/leave/${leave.id}/approve`, manager, {})).status).toBe(409);

    const req2 = await (await post('/api/leave', salesB, { startDate: '2026-12-02', startTime: '14:00', endTime: '18:00' })).json();
    const noReason = await post(`/api/leave/${req2.id}/reject`, manager, { reason: ' ' });
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).error.fields).toHaveProperty('reason');
    const rejected = await post(`/api/leave/${req2.id}/reject`, manager, { reason: 'month-end campaign' });
    expect(await rejected.json()).toMatchObject({ status: 'rejected', rejectionReason: 'month-end campaign' });
    expect((await post('/api/leave/999999/approve', manager, {})).status).toBe(404);
  });

  it('absences: managers mark, list and remove; only salespeople are marked', async () => {
    expect((await post('/api/absences', salesA, { userId: salesB.id, date: '2026-11-25' })).status).toBe(403);
    const marked = await post('/api/absences', manager, { userId: salesB.id, date: '2026-11-25' });
    expect(marked.status).toBe(200);
    expect((await marked.json()).created).toBe(true);
    expect((await (await post('/api/absences', manager, { userId: salesB.id, date: '2026-11-25' })).json()).created).toBe(false);
    const notSales = await post('/api/absences', manager, { userId: otherManager.id, date: '2026-11-25' });
    expect((await notSales.json()).error.fields).toHaveProperty('userId');
    const badDate = await post('/api/absences', manager, { userId: salesB.id, date: '25.11.2026' });
    expect((await badDate.json()).error.fields).toHaveProperty('date');
    const list = await (await get(`/api/absences?userId=${salesB.id}`, manager)).json();
    expect(list.items).toEqual([expect.objectContaining({ userId: salesB.id, date: '2026-11-25', markedBy: manager.id })]);
    expect(await (await post('/api/absences/remove', manager, { userId: salesB.id, date: '2026-11-25' })).json()).toEqual({ removed: 1 });
    expect((await (await get(`/api/absences?userId=${salesB.id}`, manager)).json()).items).toEqual([]);
  });

  it('analytics: managers get the period figures; a salesperson gets 403; a bad period names the field', async () => {
    await ctx.services.leads.intake({ name: 'Counted', phone: '+998935550001', source: 'referral' }, salesA);
    expect((await get('/api/analytics?from=2026-11-01&to=2026-11-30', salesA)).status).toBe(403);
    const res = await get('/api/analytics?from=2026-11-01&to=2026-11-30', manager);
    expect(res.status).toBe(200);
    const a = await res.json();
    expect(a.period).toEqual({ from: '2026-11-01', to: '2026-11-30', days: 30 });
    expect(a.totals.created).toBeGreaterThanOrEqual(1);
    const backwards = await get('/api/analytics?from=2026-11-30&to=2026-11-01', manager);
    expect(backwards.status).toBe(400);
    expect((await backwards.json()).error.fields).toHaveProperty('to');
    const missing = await get('/api/analytics?from=2026-11-01', manager);
    expect((await missing.json()).error.fields).toHaveProperty('to');
  });

  it('a date that is not on the calendar (2026-02-30, 2026-13-01) is a 400 naming the field, not a 500, and writes nothing', async () => {
    const rows = async () => [
      Number((await ctx.db.selectFrom('leave_requests').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      Number((await ctx.db.selectFrom('absences').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      Number((await ctx.db.selectFrom('outbox').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    ];
    const before = await rows();
    const refused = async (res: Response, field: string) => {
      expect(res.status).toBe(400);
      expect((await res.json()).error.fields).toHaveProperty(field);
    };
    await refused(await post('/api/leave', salesA, { startDate: '2026-02-30' }), 'startDate');
    await refused(await post('/api/leave', salesA, { startDate: '2026-12-01', endDate: '2026-12-32' }), 'endDate');
    await refused(await post('/api/absences', manager, { userId: salesB.id, date: '2026-02-30' }), 'date');
    await refused(await post('/api/absences/remove', manager, { userId: salesB.id, date: '2026-13-01' }), 'date');
    await refused(await get('/api/absences?from=2026-02-30', manager), 'from');
    await refused(await get('/api/analytics?from=2026-02-30&to=2026-03-31', manager), 'from');
    await refused(await get('/api/analytics?from=2026-01-01&to=2026-13-01', manager), 'to');
    await refused(await get('/api/kpi/ranking?to=2026-02-30', salesA), 'to');
    await refused(await get('/api/kpi/ranking?from=2026-00-10&to=2026-11-30', salesA), 'from');
    await refused(await get('/api/groups/occupancy?date=2026-02-30', salesA), 'date');
    await refused(await get('/api/groups?date=2026-02-30', salesA), 'date');
    expect(await rows()).toEqual(before);

    // the same rules behind the bot and the back office, which call the core directly
    const fieldsOf = (p: Promise<unknown>) => p.then(() => null, (e: { code?: string; fields?: Record<string, string> }) => ({ code: e.code, fields: Object.keys(e.fields ?? {}) }));
    expect(await fieldsOf(ctx.services.leave.request({ startDate: '2026-02-30' }, salesA))).toEqual({ code: 'VALIDATION', fields: ['startDate'] });
    expect(await fieldsOf(ctx.services.leave.markAbsent(salesB.id, '2026-02-30', manager))).toEqual({ code: 'VALIDATION', fields: ['date'] });
    expect(await fieldsOf(ctx.services.kpi.ranking({ from: '2026-11-01', to: '2026-02-30' }))).toEqual({ code: 'VALIDATION', fields: ['to'] });
    expect(await fieldsOf(ctx.services.analytics.analytics({ from: '2026-02-30', to: '2026-03-31' }))).toEqual({ code: 'VALIDATION', fields: ['from'] });
    expect(await rows()).toEqual(before);
  });
});
