import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, failure, servicesFor, tash } from '../support/fixtures.js';
import type { User } from '../../db/types.js';
import type { Services } from '../../core/services.js';

/**
 * A lead's booked trial follows its status moves (SPEC §3, §6.1, §6.3): leaving the trial path
 * before the lesson frees the seat; a move that stands for a result records it on the trial.
 */
describe.each(dialects())('the trial follows the lead on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  // Monday 2026-03-02 10:00 Tashkent; Wednesday 03-04 15:00–16:30 is a lesson of the odd-day group
  const MON_10 = tash('2026-03-02T10:00');
  const WED = '2026-03-04';
  let phone = 0;

  async function setup() {
    const { services, clock } = servicesFor(database, MON_10);
    const s = await addUser(services, { telegramUserId: 8801 });
    const course = await addCourse(database);
    const group = await addGroup(database, course.id, { name: 'One seat', capacity: 1, current_students: 0 });
    const big = await addGroup(database, course.id, { name: 'Roomy', start_time: '17:00', capacity: 20, current_students: 5 });
    return { services, clock, s, group, big };
  }

  async function bookedLead(services: Services, owner: User, groupId: number, name: string) {
    const { lead } = await services.leads.intake({ name, phone: `+99893${String(3000000 + ++phone)}`, source: 'walk_in' }, owner);
    await services.leads.move(lead.id, { to: 'contacted' }, owner);
    const { trial } = await services.leads.bookTrial(lead.id, { groupId, date: WED }, owner);
    return { lead, trial };
  }

  const trialRow = (id: number) => database.db.selectFrom('trials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = async (leadId: number) =>
    (await database.db.selectFrom('lead_events').select(['type', 'data']).where('lead_id', '=', leadId).orderBy('id').execute()).map((e) => e.type);

  it('a lead lost before its trial gives the seat back: the trial is cancelled on the timeline, its reminders go, and another lead can book that seat', async () => {
    const { services, clock, s, group } = await setup();
    const { lead, trial } = await bookedLead(services, s, group.id, 'Gone Before');
    expect((await failure(bookedLead(services, s, group.id, 'Queued'))).code).toBe('GROUP_FULL');

    await services.leads.move(lead.id, { to: 'lost', lostReason: 'price' }, s);
    expect((await trialRow(trial.id)).cancelled).toBe(1);
    expect((await events(lead.id)).slice(-2)).toEqual(['status_changed', 'trial_cancelled']);
    expect(await database.db.selectFrom('follow_ups').select('kind').where('lead_id', '=', lead.id).where('state', '=', 'open').execute()).toEqual([]);
    expect((await services.groups.groupOccupancy(group.id, WED)).taken).toBe(0);

    // the salesperson is not sent to meet a lead who is gone
    clock.set(tash('2026-03-04T13:30'));
    expect(await services.trials.sendTrialReminders()).toEqual({ reminders: 0 });

    clock.set(MON_10);
    const { trial: next } = await bookedLead(services, s, group.id, 'Takes The Seat');
    expect(next.group_id).toBe(group.id);
  });

  it('a lead enrolled straight from trial_registered before the lesson gives its trial seat back (not a trial to sale); a lead lost after the lesson began keeps its trial', async () => {
    const { services, clock, s, group, big } = await setup();
    const { lead, trial } = await bookedLead(services, s, group.id, 'Pays At Once');
    const enrolled = await services.leads.move(lead.id, { to: 'enrolled', groupId: big.id }, s);
    expect(enrolled.status).toBe('enrolled');
    expect((await trialRow(trial.id))).toMatchObject({ cancelled: 1, result: null });
    expect((await events(lead.id)).slice(-2)).toEqual(['status_changed', 'trial_cancelled']);
    expect((await services.groups.groupOccupancy(group.id, WED)).taken).toBe(0);

    // the same through the enroll door (Mini App "place in a group")
    const { lead: other, trial: otherTrial } = await bookedLead(services, s, group.id, 'Enroll Door');
    await services.leads.enroll(other.id, { groupId: big.id }, s);
    expect((await trialRow(otherTrial.id)).cancelled).toBe(1);
    expect((await services.kpi.computeDay('2026-03-02')).find((r) => r.user_id === s.id)?.trials_to_sales).toBe(0);

    const { lead: late, trial: lateTrial } = await bookedLead(services, s, group.id, 'Lost Midway');
    clock.set(tash('2026-03-04T15:20'));
    await services.leads.move(late.id, { to: 'lost', lostReason: 'not_interested' }, s);
    expect((await trialRow(lateTrial.id))).toMatchObject({ cancelled: 0, result: null });
  });

  it('a status move that stands for attendance is refused before the lesson starts, naming the field, as the result itself is; nothing is written', async () => {
    const { services, clock, s, group } = await setup();
    const { lead, trial } = await bookedLead(services, s, group.id, 'Too Early');
    const before = await events(lead.id);
    for (const to of ['trial_attended', 'offer_sent'] as const) {
      const refused = await failure(services.leads.move(lead.id, { to }, s));
      expect(refused.code).toBe('VALIDATION');
      expect(refused.fields).toHaveProperty('to');
    }
    const direct = await failure(services.leads.recordTrialResult(trial.id, 'attended', s));
    expect(direct.fields).toHaveProperty('result');
    expect((await services.leads.get(lead.id, s)).status).toBe('trial_registered');
    expect((await trialRow(trial.id)).result).toBeNull();
    expect(await events(lead.id)).toEqual(before);

    clock.set(tash('2026-03-04T15:05'));
    expect((await services.leads.move(lead.id, { to: 'trial_attended' }, s)).status).toBe('trial_attended');
    expect((await trialRow(trial.id)).result).toBe('attended');
  });

  it('a trial lead enrolled by a status move after its lesson marks the trial accepted and counts as a trial to sale (SPEC §6.3)', async () => {
    const { services, clock, s, group, big } = await setup();
    const { lead: straight, trial: straightTrial } = await bookedLead(services, s, group.id, 'Straight To Sale');
    const { lead: viaAttended, trial: attendedTrial } = await bookedLead(services, s, big.id, 'Via Attended');
    const { lead: viaDoor, trial: doorTrial } = await bookedLead(services, s, big.id, 'Via Enroll Door');

    clock.set(tash('2026-03-04T18:40')); // both lessons (15:00 and 17:00) are over
    await services.leads.recordTrialResult(attendedTrial.id, 'attended', s);
    await services.leads.move(straight.id, { to: 'enrolled', groupId: big.id }, s);
    await services.leads.move(viaAttended.id, { to: 'enrolled', groupId: big.id }, s);
    await services.leads.enroll(viaDoor.id, { groupId: big.id }, s);

    for (const t of [straightTrial, attendedTrial, doorTrial]) expect(await trialRow(t.id)).toMatchObject({ cancelled: 0, result: 'accepted' });
    const moved = await database.db.selectFrom('lead_events').select('data').where('lead_id', '=', straight.id).where('to_status', '=', 'enrolled').executeTakeFirstOrThrow();
    expect(JSON.parse(moved.data!)).toMatchObject({ trialId: straightTrial.id, trialResult: 'accepted' });
    const row = (await services.kpi.computeDay(WED)).find((r) => r.user_id === s.id);
    expect(row?.trials_to_sales).toBe(3);
  });
});
