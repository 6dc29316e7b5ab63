import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, servicesFor, tash } from '../support/fixtures.js';
import type { LeadStatus } from '../../db/types.js';

const ALL: LeadStatus[] = ['new', 'contacted', 'interested', 'trial_registered', 'trial_attended', 'trial_not_attended', 'offer_sent', 'enrolled', 'lost', 'reactivation'];

// SPEC §3, written out by hand.
const ALLOWED: Record<LeadStatus, LeadStatus[]> = {
  new: ['contacted', 'lost'],
  contacted: ['interested', 'trial_registered', 'offer_sent', 'lost'],
  interested: ['trial_registered', 'offer_sent', 'enrolled', 'lost'],
  trial_registered: ['trial_attended', 'trial_not_attended', 'offer_sent', 'enrolled', 'interested', 'lost'],
  trial_attended: ['offer_sent', 'enrolled', 'lost'],
  trial_not_attended: ['trial_registered', 'interested', 'lost'],
  offer_sent: ['enrolled', 'interested', 'lost'],
  lost: ['reactivation'],
  reactivation: ['contacted', 'interested', 'trial_registered', 'offer_sent', 'enrolled', 'lost'],
  enrolled: ['lost'],
};

// Wednesday 2026-03-04 10:00 Tashkent; the booked trial is Friday 2026-03-06 15:00–16:30 (odd-day group).
const NOW = '2026-03-04T10:00';
const TRIAL_START = tash('2026-03-06T15:00');
// SPEC §5.1 follow-ups each status plans, with their due times for a move made at NOW.
const PLANNED: Record<LeadStatus, Array<[string, string]>> = {
  new: [['new:1', tash('2026-03-04T10:05')]],
  contacted: [['contacted:1', tash('2026-03-05T10:00')]],
  interested: [['interested:1', tash('2026-03-05T10:00')]],
  trial_registered: [
    ['trial_before_1d', tash('2026-03-05T15:00')],
    ['trial_before_2h', tash('2026-03-06T13:00')],
  ],
  trial_attended: [['trial_attended:1', tash('2026-03-06T16:33')]],
  trial_not_attended: [['trial_not_attended:1', tash('2026-03-04T10:30')]],
  offer_sent: [['offer_sent:1', tash('2026-03-05T10:00')]],
  enrolled: [],
  lost: [],
  reactivation: [['reactivation:1', tash('2026-03-04T10:05')]],
};

describe.each(dialects())('pipeline on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  async function setup() {
    const { services, clock } = servicesFor(database, tash(NOW));
    const sales = await addUser(services);
    const manager = await addUser(services, { role: 'sales_manager' });
    const course = await addCourse(database);
    const group = await addGroup(database, course.id, { days: 'odd', start_time: '15:00', capacity: 1000, current_students: 8 });
    let n = 0;
    /** a lead of `sales` put in status `from` with the minimal fixtures that status implies */
    async function leadIn(from: LeadStatus) {
      const { lead } = await services.leads.intake({ name: `L ${from}`, phone: `+99899${String(++n).padStart(7, '0')}`, source: 'walk_in' }, sales);
      const patch: Record<string, unknown> = { status: from };
      if (from === 'lost') Object.assign(patch, { lost_at: tash('2026-03-01T10:00'), lost_reason: 'price' });
      if (from === 'enrolled') Object.assign(patch, { group_id: group.id, enrolled_at: tash('2026-03-01T10:00') });
      await database.db.updateTable('leads').set(patch).where('id', '=', lead.id).execute();
      if (['trial_registered', 'trial_attended', 'trial_not_attended'].includes(from)) {
        await database.db.insertInto('trials').values({
          lead_id: lead.id, group_id: group.id, sales_id: sales.id, date: '2026-03-06', time: '15:00', starts_at: TRIAL_START,
          ends_at: tash('2026-03-06T16:30'), booked_by: sales.id, booked_at: tash(NOW),
          result: from === 'trial_attended' ? 'attended' : from === 'trial_not_attended' ? 'not_attended' : null,
        }).execute();
      }
      await database.db.updateTable('follow_ups').set({ state: 'done' }).where('lead_id', '=', lead.id).execute();
      return lead.id;
    }
    const extras = (to: LeadStatus) => ({
      to,
      lostReason: to === 'lost' ? 'price' : undefined,
      groupId: to === 'enrolled' ? group.id : undefined,
      trial: to === 'trial_registered' ? { groupId: group.id, date: '2026-03-06' } : undefined,
    });
    return { services, clock, sales, manager, group, leadIn, extras };
  }

  it('every allowed move succeeds with its event and its planned follow-ups; every other move is refused', async () => {
    const { services, clock, sales, manager, leadIn, extras } = await setup();
    // moves that stand for having attended the trial are made once the lesson has started (16:00 Friday)
    const AFTER_START: Record<string, { at: string; planned: Array<[string, string]> }> = {
      'trial_registered→trial_attended': { at: tash('2026-03-06T16:00'), planned: PLANNED.trial_attended },
      'trial_registered→offer_sent': { at: tash('2026-03-06T16:00'), planned: [['offer_sent:1', tash('2026-03-07T16:00')]] },
    };
    const outcomes: string[] = [];
    for (const from of ALL) {
      for (const to of ALL) {
        if (to === from) continue;
        const id = await leadIn(from);
        const actor = from === 'enrolled' && to === 'lost' ? manager : sales;
        const input = { ...extras(to), lostReason: from === 'enrolled' && to === 'lost' ? 'left' : extras(to).lostReason };
        const late = AFTER_START[`${from}→${to}`];
        clock.set(late?.at ?? tash(NOW));
        const attempt = services.leads.move(id, input, actor);
        if (ALLOWED[from].includes(to)) {
          const lead = await attempt;
          expect(lead.status, `${from}→${to}`).toBe(to);
          const events = await database.db.selectFrom('lead_events').selectAll().where('lead_id', '=', id).where('type', '=', 'status_changed').execute();
          expect(events.map((e) => [e.from_status, e.to_status, e.actor_id]), `${from}→${to}`).toEqual([[from, to, actor.id]]);
          const open = await database.db.selectFrom('follow_ups').select(['kind', 'due_at']).where('lead_id', '=', id).where('state', '=', 'open').orderBy('due_at').execute();
          const expected = late?.planned ?? (to === 'trial_attended' ? [['trial_attended:1', tash('2026-03-06T16:33')]] : PLANNED[to]);
          expect(open.map((f) => [f.kind, f.due_at]), `${from}→${to}`).toEqual(expected);
          outcomes.push(`${from}→${to}:ok`);
        } else {
          await expect(attempt, `${from}→${to}`).rejects.toMatchObject({ code: 'INVALID_TRANSITION' });
          const lead = await services.leads.get(id, null);
          expect(lead.status, `${from}→${to} unchanged`).toBe(from);
          outcomes.push(`${from}→${to}:refused`);
        }
      }
    }
    expect(outcomes.filter((o) => o.endsWith(':ok'))).toHaveLength(Object.values(ALLOWED).flat().length);
    expect(outcomes).toHaveLength(90);
  }, 120_000);

  it('lost needs a reason from the list; other needs a text; lost sets lost_at', async () => {
    const { services, sales, leadIn } = await setup();
    const id = await leadIn('contacted');
    await expect(services.leads.move(id, { to: 'lost' }, sales)).rejects.toMatchObject({ code: 'VALIDATION', fields: { lostReason: expect.any(String) } });
    await expect(services.leads.move(id, { to: 'lost', lostReason: 'because' }, sales)).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(services.leads.move(id, { to: 'lost', lostReason: 'other' }, sales)).rejects.toMatchObject({ fields: { lostReasonText: expect.any(String) } });
    const lost = await services.leads.move(id, { to: 'lost', lostReason: 'other', lostReasonText: 'moved to Samarkand' }, sales);
    expect(lost).toMatchObject({ status: 'lost', lost_reason: 'other', lost_reason_text: 'moved to Samarkand', lost_at: tash(NOW) });
  });

  it('a move supersedes the previous status follow-ups; a completed step creates the next one while the status holds', async () => {
    const { services, clock, sales } = await setup();
    const { lead } = await services.leads.intake({ name: 'Seq', phone: '+998977000001', source: 'walk_in' }, sales);
    await services.leads.move(lead.id, { to: 'contacted' }, sales);
    const states = await database.db.selectFrom('follow_ups').select(['kind', 'state']).where('lead_id', '=', lead.id).orderBy('id').execute();
    expect(states).toEqual([{ kind: 'new:1', state: 'superseded' }, { kind: 'contacted:1', state: 'open' }]);
    clock.set(tash('2026-03-05T10:10'));
    const [step1] = await database.db.selectFrom('follow_ups').select('id').where('kind', '=', 'contacted:1').execute();
    await services.followUps.complete(step1.id, sales);
    const next = await database.db.selectFrom('follow_ups').select(['kind', 'due_at', 'state']).where('lead_id', '=', lead.id).where('state', '=', 'open').execute();
    // +3 days from entering `contacted` (Wed 10:00) = Saturday 10:00, a working day
    expect(next).toEqual([{ kind: 'contacted:2', due_at: tash('2026-03-07T10:00'), state: 'open' }]);
  });

  it('a sales person cannot touch another person\'s lead, nor record a student leaving', async () => {
    const { services, sales, manager, leadIn } = await setup();
    const other = await addUser(services);
    const id = await leadIn('contacted');
    await expect(services.leads.move(id, { to: 'interested' }, other)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const enrolled = await leadIn('enrolled');
    await expect(services.leads.move(enrolled, { to: 'lost', lostReason: 'left' }, sales)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const left = await services.leads.move(enrolled, { to: 'lost', lostReason: 'left' }, manager);
    expect(left.status).toBe('lost');
  });

  it('a manager correction bypasses the table with a recorded reason but keeps the other rules', async () => {
    const { services, sales, manager, group, leadIn } = await setup();
    const id = await leadIn('new');
    await expect(services.leads.correctStatus(id, { to: 'offer_sent', reason: '' }, manager)).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(services.leads.correctStatus(id, { to: 'offer_sent', reason: 'was sent by phone' }, sales)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const lead = await services.leads.correctStatus(id, { to: 'offer_sent', reason: 'was sent by phone' }, manager);
    expect(lead.status).toBe('offer_sent');
    const ev = await database.db.selectFrom('lead_events').selectAll().where('lead_id', '=', id).where('type', '=', 'status_corrected').executeTakeFirstOrThrow();
    expect(JSON.parse(ev.data!).reason).toBe('was sent by phone');
    await database.db.updateTable('study_groups').set({ current_students: 1000 }).where('id', '=', group.id).execute();
    await expect(services.leads.correctStatus(id, { to: 'enrolled', groupId: group.id, reason: 'paid' }, manager)).rejects.toMatchObject({ code: 'GROUP_FULL' });
  });

  it('call outcomes are logged without a status change; "call back at" plans a follow-up; snooze stops at 3', async () => {
    const { services, clock, sales } = await setup();
    const { lead } = await services.leads.intake({ name: 'Caller', phone: '+998977000002', source: 'walk_in' }, sales);
    await services.leads.logCall(lead.id, { outcome: 'call_back', callbackAt: tash('2026-03-04T16:00'), note: 'at work' }, sales);
    const after = await services.leads.get(lead.id, null);
    expect(after.status).toBe('new');
    expect(after.first_contact_at).toBe(tash(NOW));
    const cb = await database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', lead.id).where('kind', '=', 'callback').executeTakeFirstOrThrow();
    expect(cb.due_at).toBe(tash('2026-03-04T16:00'));
    await expect(services.leads.logCall(lead.id, { outcome: 'call_back' }, sales)).rejects.toMatchObject({ fields: { callbackAt: expect.any(String) } });
    for (const until of ['2026-03-04T17:00', '2026-03-05T10:00', '2026-03-05T11:00']) await services.followUps.snooze(cb.id, tash(until), sales);
    await expect(services.followUps.snooze(cb.id, tash('2026-03-05T12:00'), sales)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await services.followUps.get(cb.id)).snooze_count).toBe(3);
    clock.advance(1000);
  });

  it('five "no answer" calls in a row over three or more days tell the managers once', async () => {
    const { services, clock, sales, manager } = await setup();
    const { lead } = await services.leads.intake({ name: 'Silent', phone: '+998977000003', source: 'walk_in' }, sales);
    const times = ['2026-03-04T10:00', '2026-03-04T12:00', '2026-03-05T10:00', '2026-03-05T15:00', '2026-03-06T10:00', '2026-03-06T11:00'];
    for (const t of times) {
      clock.set(tash(t));
      await services.leads.logCall(lead.id, { outcome: 'no_answer' }, sales);
    }
    const alerts = await database.db.selectFrom('outbox').select(['user_id']).where('kind', '=', 'no_answer_streak').execute();
    expect(alerts).toEqual([{ user_id: manager.id }]);
  });
});
