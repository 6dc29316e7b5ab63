import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { addCourse, addGroup, addUser } from '../support/fixtures.js';
import { apiFor, asUser, json } from '../support/api.js';
import type { User } from '../../db/types.js';

let phoneSeq = 3000000;
const nextPhone = () => `+99893${phoneSeq++}`;

describe.each(dialects())('staff API: leads, follow-ups, trials (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  let salesA: User;
  let salesB: User;
  let manager: User;
  let admin: User;
  let course: { id: number };
  let group: { id: number };
  const as = (u: User) => asUser(u, ctx.clock.now());
  const get = (path: string, u: User) => ctx.app.request(path, { headers: as(u) });
  const post = (path: string, u: User, body: unknown) => ctx.app.request(path, json(body, as(u)));
  const newLeadOf = async (u: User, over: Record<string, unknown> = {}) => {
    const res = await post('/api/leads', u, { name: 'Lead', phone: nextPhone(), source: 'instagram', ...over });
    expect(res.status).toBe(201);
    return (await res.json()).lead as { id: number; assignedTo: number | null; status: string };
  };

  beforeAll(async () => {
    ctx = await apiFor(dialect);
    salesA = await addUser(ctx.services, { role: 'sales', fullName: 'Sales A', telegramUserId: 101 });
    salesB = await addUser(ctx.services, { role: 'sales', fullName: 'Sales B', telegramUserId: 102 });
    manager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Manager', telegramUserId: 103 });
    admin = await addUser(ctx.services, { role: 'admin', fullName: 'Admin', telegramUserId: 104 });
    course = await addCourse(ctx.database, { name: 'English', price: 600_000 });
    group = await addGroup(ctx.database, course.id, { name: 'EN-1', days: 'odd', start_time: '15:00', capacity: 2 });
  });
  afterAll(() => ctx.cleanup());

  describe('create and list', () => {
    it('a lead a salesperson adds stays theirs (201)', async () => {
      const lead = await newLeadOf(salesA, { name: 'Own Lead', courseId: course.id, note: 'walked by' });
      expect(lead).toMatchObject({ assignedTo: salesA.id, status: 'new' });
    });

    it("a known phone → 200 duplicate; someone else's lead is not shown", async () => {
      const phone = nextPhone();
      await newLeadOf(salesA, { phone });
      const mine = await post('/api/leads', salesA, { name: 'Again', phone, source: 'telegram' });
      expect(mine.status).toBe(200);
      expect(await mine.json()).toMatchObject({ duplicate: true, outcome: 'touched', lead: { phone } });
      const theirs = await post('/api/leads', salesB, { name: 'Again', phone, source: 'telegram' });
      expect(theirs.status).toBe(200);
      expect(await theirs.json()).toEqual({ duplicate: true, outcome: 'touched', lead: null });
    });

    it('validation names the field: bad phone, unknown field, a source staff cannot pick', async () => {
      const bad = await post('/api/leads', salesA, { name: 'X', phone: '12', source: 'instagram' });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.fields).toHaveProperty('phone');
      const unknown = await post('/api/leads', salesA, { name: 'X', phone: nextPhone(), source: 'instagram', assignedTo: salesB.id });
      expect((await unknown.json()).error.fields).toEqual({ assignedTo: 'unknown field' });
      // PostgreSQL text cannot hold a NUL: a 500 there (stored as is on SQLite), so it is refused everywhere
      const nulPhone = nextPhone();
      const nul = await post('/api/leads', salesA, { name: 'A\u0000B', phone: nulPhone, source: 'instagram' });
      expect(nul.status).toBe(400);
      expect((await nul.json()).error.fields).toEqual({ name: 'must not contain a NUL character' });
      expect(await ctx.db.selectFrom('leads').select('id').where('phone', '=', nulPhone).executeTakeFirst()).toBeUndefined();
      const search = await get('/api/leads?q=a%00b', salesA);
      expect(search.status).toBe(400);
      expect((await search.json()).error.fields).toEqual({ q: 'must not contain a NUL character' });
      // keys every object inherits are unknown fields too, named like any other
      const inherited = await ctx.app.request('/api/leads', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...as(salesA) },
        body: `{"name":"X","phone":"${nextPhone()}","source":"instagram","constructor":"x","__proto__":{"assignedTo":1}}`,
      });
      expect(inherited.status).toBe(400);
      expect((await inherited.json()).error).toMatchObject({ message: 'constructor: unknown field', fields: { constructor: 'unknown field', ['__proto__']: 'unknown field' } });
      const form = await post('/api/leads', salesA, { name: 'X', phone: nextPhone(), source: 'form' });
      expect(form.status).toBe(400);
      expect((await form.json()).error.fields).toHaveProperty('source');
    });

    it('a salesperson lists only their own leads; filters by status, source and text', async () => {
      const b = await newLeadOf(salesB, { name: 'Zarina Bsales', source: 'referral' });
      const a = await newLeadOf(salesA, { name: 'Zarina Asales', source: 'referral' });
      const res = await get('/api/leads?q=zarina&source=referral&status=new', salesA);
      expect(res.status).toBe(200);
      const ids = (await res.json()).items.map((l: { id: number }) => l.id);
      expect(ids).toContain(a.id);
      expect(ids).not.toContain(b.id);
      const all = await (await get('/api/leads?q=zarina', manager)).json();
      expect(all.items.map((l: { id: number }) => l.id)).toEqual(expect.arrayContaining([a.id, b.id]));
      const badStatus = await get('/api/leads?status=new,won', salesA);
      expect(badStatus.status).toBe(400);
      expect((await badStatus.json()).error.fields).toHaveProperty('status');
    });

    it('a list row carries what the list shows; notes and the rest of the lead come with the lead itself', async () => {
      const lead = await newLeadOf(salesA, { name: 'Row Shape', courseId: course.id, note: 'a long story about this lead' });
      const page = await (await get('/api/leads?q=row%20shape', salesA)).json();
      const row = page.items.find((l: { id: number }) => l.id === lead.id);
      expect(row).toEqual({
        id: lead.id,
        name: 'Row Shape',
        phone: expect.stringMatching(/^\+998/),
        status: 'new',
        source: 'instagram',
        courseId: course.id,
        assignedTo: salesA.id,
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      const full = await (await get(`/api/leads/${lead.id}`, salesA)).json();
      expect(full.lead.notes).toContain('a long story about this lead');
      expect(full.lead.createdAt).toBe(row.createdAt);
    });

    it('manager filters (assignedTo, unassigned, parked) are refused to a salesperson, allowed to a manager', async () => {
      expect((await get(`/api/leads?assignedTo=${salesB.id}`, salesA)).status).toBe(403);
      expect((await get('/api/leads?unassigned=true', salesA)).status).toBe(403);
      const r = await get(`/api/leads?assignedTo=${salesB.id}`, manager);
      expect(r.status).toBe(200);
      for (const l of (await r.json()).items) expect(l.assignedTo).toBe(salesB.id);
    });

    it('keyset pagination returns every lead exactly once while new leads arrive between pages', async () => {
      const seller = await addUser(ctx.services, { role: 'sales', fullName: 'Pager', telegramUserId: 150 });
      const created: number[] = [];
      for (let i = 0; i < 25; i++) created.push((await newLeadOf(seller, { name: `Page ${i}` })).id);
      const seen: number[] = [];
      let before: number | null = null;
      let pages = 0;
      do {
        const res = await get(`/api/leads?limit=10${before ? `&before=${before}` : ''}`, seller);
        expect(res.status).toBe(200);
        const page: { items: { id: number }[]; next: number | null } = await res.json();
        seen.push(...page.items.map((l) => l.id));
        before = page.next;
        // three new leads arrive while the salesperson scrolls
        for (let i = 0; i < 3; i++) await newLeadOf(seller, { name: `Arrived ${pages}-${i}` });
        pages++;
      } while (before !== null && pages < 20);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((id) => created.includes(id)).sort((x, y) => x - y)).toEqual([...created].sort((x, y) => x - y));
    });
  });

  describe('one lead', () => {
    it('details: the timeline, follow-ups and trials of my lead; another salesperson gets 404', async () => {
      const lead = await newLeadOf(salesA, { name: 'Detail' });
      const res = await get(`/api/leads/${lead.id}`, salesA);
      expect(res.status).toBe(200);
      const d = await res.json();
      expect(d.lead.id).toBe(lead.id);
      expect(d.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['created', 'assigned']));
      expect(d.followUps.length).toBeGreaterThanOrEqual(1);
      expect(d.trials).toEqual([]);
      const other = await get(`/api/leads/${lead.id}`, salesB);
      expect(other.status).toBe(404);
      const body = await other.json();
      expect(JSON.stringify(body)).not.toContain('Detail');
      expect((await get(`/api/leads/${lead.id}`, manager)).status).toBe(200);
      expect((await get('/api/leads/abc', salesA)).status).toBe(400);
    });

    it('status moves follow the table; lost needs a reason; sales B cannot touch sales A’s lead', async () => {
      const lead = await newLeadOf(salesA);
      const refused = await post(`/api/leads/${lead.id}/status`, salesA, { to: 'enrolled', groupId: group.id });
      expect(refused.status).toBe(409);
      expect((await refused.json()).error.code).toBe('INVALID_TRANSITION');
      const ok = await post(`/api/leads/${lead.id}/status`, salesA, { to: 'contacted', note: 'called' });
      expect(ok.status).toBe(200);
      expect((await ok.json()).status).toBe('contacted');
      const noReason = await post(`/api/leads/${lead.id}/status`, salesA, { to: 'lost' });
      expect(noReason.status).toBe(400);
      expect((await noReason.json()).error.fields).toHaveProperty('lostReason');
      const badReason = await post(`/api/leads/${lead.id}/status`, salesA, { to: 'lost', lostReason: 'bored' });
      expect((await badReason.json()).error.fields).toHaveProperty('lostReason');
      expect((await post(`/api/leads/${lead.id}/status`, salesB, { to: 'interested' })).status).toBe(404);
      const lost = await post(`/api/leads/${lead.id}/status`, salesA, { to: 'lost', lostReason: 'price' });
      expect(await lost.json()).toMatchObject({ status: 'lost', lostReason: 'price' });
    });

    it('call outcomes and notes; call back at plans a follow-up', async () => {
      const lead = await newLeadOf(salesA);
      const callback = new Date(ctx.clock.now().getTime() + 2 * 3_600_000).toISOString();
      const call = await post(`/api/leads/${lead.id}/calls`, salesA, { outcome: 'call_back', note: 'busy now', callbackAt: callback });
      expect(call.status).toBe(200);
      expect((await call.json()).lastNote).toBe('busy now');
      const fus = await ctx.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', lead.id).where('kind', '=', 'callback').execute();
      expect(fus).toHaveLength(1);
      const missing = await post(`/api/leads/${lead.id}/calls`, salesA, { outcome: 'call_back' });
      expect((await missing.json()).error.fields).toHaveProperty('callbackAt');
      const badOutcome = await post(`/api/leads/${lead.id}/calls`, salesA, { outcome: 'hung_up' });
      expect((await badOutcome.json()).error.fields).toHaveProperty('outcome');
      // a lost lead has no follow-ups: a call-back on it is refused naming the outcome, nothing planned
      const lostLead = await newLeadOf(salesA);
      await post(`/api/leads/${lostLead.id}/status`, salesA, { to: 'lost', lostReason: 'price' });
      const onLost = await post(`/api/leads/${lostLead.id}/calls`, salesA, { outcome: 'call_back', callbackAt: callback });
      expect(onLost.status).toBe(400);
      expect((await onLost.json()).error.fields).toHaveProperty('outcome');
      expect(await ctx.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lostLead.id).where('state', '=', 'open').execute()).toHaveLength(0);
      expect((await post(`/api/leads/${lostLead.id}/calls`, salesA, { outcome: 'no_answer' })).status).toBe(200);
      const note = await post(`/api/leads/${lead.id}/notes`, salesA, { text: 'prefers Russian' });
      expect((await note.json()).lastNote).toBe('prefers Russian');
      const empty = await post(`/api/leads/${lead.id}/notes`, salesA, { text: '  ' });
      expect((await empty.json()).error.fields).toHaveProperty('text');
      expect((await post(`/api/leads/${lead.id}/notes`, salesB, { text: 'sneaky' })).status).toBe(404);
    });
  });

  describe('follow-ups', () => {
    it("today's and overdue follow-ups; complete and snooze my own; not someone else's", async () => {
      const lead = await newLeadOf(salesA, { name: 'Follow Me' });
      const day = await (await get('/api/followups', salesA)).json();
      const item = [...day.today, ...day.overdue].find((f: { leadId: number }) => f.leadId === lead.id);
      expect(item).toMatchObject({ leadName: 'Follow Me', kind: expect.any(String) });
      expect(day.date).toBe('2026-11-24');

      expect((await post(`/api/followups/${item.id}/complete`, salesB, {})).status).toBe(404);
      const until = new Date(ctx.clock.now().getTime() + 3 * 3_600_000).toISOString();
      const snoozed = await post(`/api/followups/${item.id}/snooze`, salesA, { until });
      expect(snoozed.status).toBe(200);
      expect((await snoozed.json()).snoozeCount).toBe(1);
      const badUntil = await post(`/api/followups/${item.id}/snooze`, salesA, { until: 'tomorrow' });
      expect((await badUntil.json()).error.fields).toHaveProperty('until');
      const done = await post(`/api/followups/${item.id}/complete`, salesA, { note: 'reached' });
      expect(done.status).toBe(200);
      expect((await done.json()).state).toBe('done');
      const twice = await post(`/api/followups/${item.id}/complete`, salesA, {});
      expect(twice.status).toBe(409);

      expect((await get(`/api/followups?salesId=${salesB.id}`, salesA)).status).toBe(403);
      expect((await get(`/api/followups?salesId=${salesA.id}`, manager)).status).toBe(200);
    });

    it('managers run bulk operations; a salesperson gets 403', async () => {
      const lead = await newLeadOf(salesA);
      const fu = await ctx.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lead.id).where('state', '=', 'open').executeTakeFirstOrThrow();
      expect((await post('/api/followups/bulk', salesA, { action: 'complete', ids: [fu.id] })).status).toBe(403);
      const bad = await post('/api/followups/bulk', manager, { action: 'reschedule', ids: [fu.id] });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.fields).toHaveProperty('to');
      const moved = await post('/api/followups/bulk', manager, { action: 'reassign', ids: [fu.id], toUserId: salesB.id });
      expect(await moved.json()).toEqual({ updated: 1 });
      expect((await get(`/api/leads/${lead.id}`, salesB)).status).toBe(200);
      expect((await get(`/api/leads/${lead.id}`, salesA)).status).toBe(404);
    });
  });

  describe('groups, trials and enrollment', () => {
    it('groups with free spots for a course and date', async () => {
      const wed = await get(`/api/groups?courseId=${course.id}&date=2026-11-25`, salesA);
      expect(wed.status).toBe(200);
      const items = (await wed.json()).items;
      expect(items.map((g: { id: number }) => g.id)).toEqual([group.id]);
      expect(items[0]).toMatchObject({ freeOnDate: 2, courseName: 'English', nextFreeDates: expect.any(Array) });
      const tue = await (await get(`/api/groups?courseId=${course.id}&date=2026-11-24`, salesA)).json();
      expect(tue.items).toEqual([]);
      expect((await get('/api/groups?date=25.11.2026', salesA)).status).toBe(400);
    });

    it('book, move and cancel a trial; record its result; enroll; a full group answers GROUP_FULL and the waitlist', async () => {
      const lead = await newLeadOf(salesA, { courseId: course.id });
      await post(`/api/leads/${lead.id}/status`, salesA, { to: 'contacted' });
      const notLessonDay = await post(`/api/leads/${lead.id}/trials`, salesA, { groupId: group.id, date: '2026-11-24' });
      expect(notLessonDay.status).toBe(400);
      expect((await notLessonDay.json()).error.fields).toHaveProperty('date');
      expect((await post(`/api/leads/${lead.id}/trials`, salesB, { groupId: group.id, date: '2026-11-25' })).status).toBe(404);
      const booked = await post(`/api/leads/${lead.id}/trials`, salesA, { groupId: group.id, date: '2026-11-25' });
      expect(booked.status).toBe(201);
      const { trial, lead: after } = await booked.json();
      expect(after.status).toBe('trial_registered');
      expect(trial).toMatchObject({ date: '2026-11-25', time: '15:00', result: null });

      const moved = await post(`/api/trials/${trial.id}/move`, salesA, { groupId: group.id, date: '2026-11-27' });
      expect(moved.status).toBe(200);
      expect((await moved.json()).date).toBe('2026-11-27');
      expect((await post(`/api/trials/${trial.id}/move`, salesB, { groupId: group.id, date: '2026-11-25' })).status).toBe(404);

      const cancelled = await post(`/api/trials/${trial.id}/cancel`, salesA, { reason: 'sick' });
      expect(cancelled.status).toBe(200);
      expect((await cancelled.json()).status).toBe('interested');

      const again = await post(`/api/leads/${lead.id}/trials`, salesA, { groupId: group.id, date: '2026-11-25' });
      const t2 = (await again.json()).trial;
      const early = await post(`/api/trials/${t2.id}/result`, salesA, { result: 'attended' });
      expect(early.status).toBe(400);
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-25T11:00:00.000Z'); // 16:00 in Tashkent, the lesson has started
      try {
        const attended = await post(`/api/trials/${t2.id}/result`, salesA, { result: 'attended' });
        expect(attended.status).toBe(200);
        expect((await attended.json()).status).toBe('trial_attended');
        const undo = await post(`/api/trials/${t2.id}/result`, salesA, { result: 'not_attended' });
        expect(undo.status).toBe(403);
        const enrolled = await post(`/api/leads/${lead.id}/enroll`, salesA, { groupId: group.id, agreedPrice: 550_000 });
        expect(enrolled.status).toBe(200);
        expect(await enrolled.json()).toMatchObject({ status: 'enrolled', groupId: group.id, agreedPrice: 550_000 });

        // fill the group's last seat, then the next lead finds it full
        await ctx.db.updateTable('study_groups').set({ current_students: 2 }).where('id', '=', group.id).execute();
        const next = await newLeadOf(salesA, { courseId: course.id });
        await post(`/api/leads/${next.id}/status`, salesA, { to: 'contacted' });
        await post(`/api/leads/${next.id}/status`, salesA, { to: 'interested' });
        const full = await post(`/api/leads/${next.id}/enroll`, salesA, { groupId: group.id });
        expect(full.status).toBe(409);
        expect((await full.json()).error).toMatchObject({ code: 'GROUP_FULL', details: { waitlist: true, groupId: group.id } });
        const wait = await post(`/api/leads/${next.id}/waitlist`, salesA, { groupId: group.id });
        expect(wait.status).toBe(200);
        expect(await ctx.db.selectFrom('waitlist').select('id').where('lead_id', '=', next.id).executeTakeFirst()).toBeTruthy();
      } finally {
        ctx.clock.set(at);
        await ctx.db.updateTable('study_groups').set({ current_students: 0 }).where('id', '=', group.id).execute();
      }
    });
    it("trials are the salesperson's: a sales manager may not book, move or cancel one (403, nothing written) but corrects a result; an admin may do all", async () => {
      const lead = await newLeadOf(salesA, { courseId: course.id });
      await post(`/api/leads/${lead.id}/status`, salesA, { to: 'contacted' });
      const byManager = await post(`/api/leads/${lead.id}/trials`, manager, { groupId: group.id, date: '2026-11-25' });
      expect(byManager.status).toBe(403);
      expect((await byManager.json()).error.code).toBe('FORBIDDEN');
      const viaStatus = await post(`/api/leads/${lead.id}/status`, manager, { to: 'trial_registered', trial: { groupId: group.id, date: '2026-11-25' } });
      expect(viaStatus.status).toBe(403);
      expect(await ctx.db.selectFrom('trials').select('id').where('lead_id', '=', lead.id).execute()).toHaveLength(0);
      expect((await (await get(`/api/leads/${lead.id}`, salesA)).json()).lead.status).toBe('contacted');

      const trial = (await (await post(`/api/leads/${lead.id}/trials`, salesA, { groupId: group.id, date: '2026-11-25' })).json()).trial;
      expect((await post(`/api/trials/${trial.id}/move`, manager, { groupId: group.id, date: '2026-11-27' })).status).toBe(403);
      expect((await post(`/api/trials/${trial.id}/cancel`, manager, { reason: 'manager thinks so' })).status).toBe(403);
      const kept = await ctx.db.selectFrom('trials').selectAll().where('id', '=', trial.id).executeTakeFirstOrThrow();
      expect(kept).toMatchObject({ date: '2026-11-25', cancelled: 0 });

      const at = ctx.clock.now();
      ctx.clock.set('2026-11-25T11:00:00.000Z');
      try {
        expect((await post(`/api/trials/${trial.id}/result`, salesA, { result: 'attended' })).status).toBe(200);
        const corrected = await post(`/api/trials/${trial.id}/result`, manager, { result: 'not_attended', reason: 'the teacher says no' });
        expect(corrected.status).toBe(200);
      } finally {
        ctx.clock.set(at);
      }

      const other = await newLeadOf(salesB, { courseId: course.id });
      await post(`/api/leads/${other.id}/status`, salesB, { to: 'contacted' });
      const byAdmin = await post(`/api/leads/${other.id}/trials`, admin, { groupId: group.id, date: '2026-11-27' });
      expect(byAdmin.status).toBe(201);
      const adminTrial = (await byAdmin.json()).trial;
      expect((await post(`/api/trials/${adminTrial.id}/move`, admin, { groupId: group.id, date: '2026-11-30' })).status).toBe(200);
      expect((await post(`/api/trials/${adminTrial.id}/cancel`, admin, {})).status).toBe(200);
    });
  });

  describe('manager routes', () => {
    it('assign/reassign: managers only; the lead moves to the chosen salesperson', async () => {
      const lead = await newLeadOf(salesA);
      expect((await post('/api/leads/assign', salesA, { leadIds: [lead.id], toUserId: salesB.id })).status).toBe(403);
      const empty = await post('/api/leads/assign', manager, { leadIds: [], toUserId: salesB.id });
      expect((await empty.json()).error.fields).toHaveProperty('leadIds');
      const notSales = await post('/api/leads/assign', manager, { leadIds: [lead.id], toUserId: manager.id });
      expect((await notSales.json()).error.fields).toHaveProperty('toUserId');
      const res = await post('/api/leads/assign', manager, { leadIds: [lead.id], toUserId: salesB.id });
      expect(res.status).toBe(200);
      expect((await res.json()).items[0].assignedTo).toBe(salesB.id);
    });

    it('merge two leads; correct a status with a reason', async () => {
      const a = await newLeadOf(salesA);
      const b = await newLeadOf(salesA);
      expect((await post('/api/leads/merge', salesA, { survivorId: a.id, otherId: b.id })).status).toBe(403);
      const same = await post('/api/leads/merge', manager, { survivorId: a.id, otherId: a.id });
      expect((await same.json()).error.fields).toHaveProperty('otherId');
      const merged = await post('/api/leads/merge', manager, { survivorId: a.id, otherId: b.id });
      expect(merged.status).toBe(200);
      expect((await get(`/api/leads/${b.id}`, manager)).status).toBe(404);

      expect((await post(`/api/leads/${a.id}/correct-status`, salesA, { to: 'interested', reason: 'x' })).status).toBe(403);
      const noReason = await post(`/api/leads/${a.id}/correct-status`, manager, { to: 'interested' });
      expect((await noReason.json()).error.fields).toHaveProperty('reason');
      const fixed = await post(`/api/leads/${a.id}/correct-status`, manager, { to: 'interested', reason: 'talked at reception' });
      expect((await fixed.json()).status).toBe('interested');
    });

    it('release parked leads; the unassigned queue', async () => {
      const parked = await ctx.services.leads.intake({ name: 'Parked', phone: nextPhone(), source: 'excel', parked: true }, null);
      const list = await (await get('/api/leads?parked=true', manager)).json();
      expect(list.items.map((l: { id: number }) => l.id)).toContain(parked.lead.id);
      expect((await post('/api/leads/release', salesA, { ids: [parked.lead.id] })).status).toBe(403);
      const released = await post('/api/leads/release', manager, { ids: [parked.lead.id] });
      expect(await released.json()).toEqual({ released: 1 });
      const queue = await get('/api/leads?unassigned=true', manager);
      expect(queue.status).toBe(200);
    });

    it('staff list and deactivation with handover; a manager cannot deactivate a manager (admin only)', async () => {
      expect((await get('/api/staff', salesA)).status).toBe(403);
      const staff = await (await get('/api/staff', manager)).json();
      expect(staff.items.map((s: { id: number }) => s.id)).toEqual(expect.arrayContaining([salesA.id, salesB.id]));
      expect(staff.items.every((s: { role: string }) => s.role === 'sales')).toBe(true);

      const leaving = await addUser(ctx.services, { role: 'sales', fullName: 'Leaving', telegramUserId: 160 });
      const lead = await newLeadOf(leaving);
      const res = await post(`/api/staff/${leaving.id}/deactivate`, manager, { toUserId: salesB.id });
      expect(await res.json()).toEqual({ handed: 1, queued: 0 });
      expect((await get(`/api/leads/${lead.id}`, salesB)).status).toBe(200);
      expect((await get('/api/me', leaving)).status).toBe(403);

      const otherManager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Other Manager', telegramUserId: 170 });
      expect((await post(`/api/staff/${otherManager.id}/deactivate`, manager, {})).status).toBe(403);
      expect((await post(`/api/staff/${otherManager.id}/deactivate`, admin, {})).status).toBe(200);
    });
  });

  it('every manager route refuses a salesperson with 403 and every staff route refuses no sign-in with 401', async () => {
    const doc = await (await ctx.app.request('/api/openapi.json')).json();
    const checked: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { tags?: string[]; security?: unknown[] }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!op.security?.length) continue;
        const url = path.replace(/\{[^}]+\}/g, '1');
        const init = method === 'get' ? {} : json({});
        expect((await ctx.app.request(url, { ...init, method: method.toUpperCase() })).status, `${method} ${path} without sign-in`).toBe(401);
        if (op.tags?.includes('Manager')) {
          const res = await ctx.app.request(url, { ...init, method: method.toUpperCase(), headers: { ...(init as { headers?: Record<string, string> }).headers, ...as(salesA) } });
          expect(res.status, `${method} ${path} as a salesperson`).toBe(403);
        }
        checked.push(`${method} ${path}`);
      }
    }
    expect(checked.length).toBeGreaterThan(15);
  });
});
