import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, failure, servicesFor, tash } from '../support/fixtures.js';
import { occupancyBand } from '../../core/groups/groups.js';
import { occupancyOf, slotsClash } from '../../core/groups/group-service.js';
import type { User } from '../../db/types.js';
import type { Services } from '../../core/services.js';

describe('occupancy colour bands (SPEC §6.1)', () => {
  it.each([
    [49.9, 'green'],
    [50, 'yellow'],
    [79.9, 'yellow'],
    [80, 'red'],
    [0, 'green'],
    [100, 'red'],
  ] as const)('a share of %s percent is %s', (percent, band) => {
    expect(occupancyBand(percent)).toBe(band);
  });

  it('decides the band on the exact share, not the rounded display figure', () => {
    expect(occupancyOf(499, 1000)).toMatchObject({ percent: 49.9, band: 'green', freeSpots: 501 });
    expect(occupancyOf(500, 1000)).toMatchObject({ percent: 50, band: 'yellow' });
    expect(occupancyOf(799, 1000)).toMatchObject({ percent: 79.9, band: 'yellow' });
    expect(occupancyOf(7999, 10000)).toMatchObject({ percent: 80, band: 'yellow' });
    expect(occupancyOf(800, 1000)).toMatchObject({ percent: 80, band: 'red' });
  });

  it('back-to-back slots do not clash; overlapping ones on a shared day do', () => {
    const a = { days: 'odd' as const, start_time: '15:00', minutes: 90 };
    expect(slotsClash(a, { days: 'odd', start_time: '16:30', minutes: 90 })).toBe(false);
    expect(slotsClash(a, { days: 'odd', start_time: '16:29', minutes: 90 })).toBe(true);
    expect(slotsClash(a, { days: 'even', start_time: '15:00', minutes: 90 })).toBe(false);
    expect(slotsClash(a, { days: 'daily', start_time: '14:00', minutes: 60 })).toBe(false);
    expect(slotsClash(a, { days: 'daily', start_time: '14:01', minutes: 60 })).toBe(true);
  });
});

describe.each(dialects())('groups, rooms and trials on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  // Monday 2026-03-02 10:00 Tashkent; Wed 03-04 and Fri 03-06 are `odd` lesson days
  const MON_10 = tash('2026-03-02T10:00');
  let phoneSeq = 0;

  async function contactedLead(services: Services, owner: User, name = 'Lead') {
    phoneSeq++;
    const { lead } = await services.leads.intake({ name, phone: `+99890${String(1000000 + phoneSeq)}`, source: 'walk_in' }, owner);
    return services.leads.move(lead.id, { to: 'contacted' }, owner);
  }

  it('counts trials booked for the date against capacity and refuses the seat that does not exist', async () => {
    const { services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const course = await addCourse(database);
    const g = await addGroup(database, course.id, { capacity: 3, current_students: 1 });
    const [a, b, c] = [await contactedLead(services, s, 'A'), await contactedLead(services, s, 'B'), await contactedLead(services, s, 'C')];
    await services.leads.bookTrial(a.id, { groupId: g.id, date: '2026-03-04' }, s);
    await services.leads.bookTrial(b.id, { groupId: g.id, date: '2026-03-04' }, s);
    expect(await services.groups.groupOccupancy(g.id, '2026-03-04')).toMatchObject({ taken: 3, trials: 2, percent: 100, band: 'red', freeSpots: 0 });

    const full = await failure(services.leads.bookTrial(c.id, { groupId: g.id, date: '2026-03-04' }, s));
    expect(full.code).toBe('GROUP_FULL');
    expect(full.details).toMatchObject({ groupId: g.id, waitlist: true });
    expect((await services.leads.get(c.id, s)).status).toBe('contacted');
    // another lesson date has its own seats
    expect((await services.groups.freeGroups(course.id, '2026-03-04')).map((x) => x.id)).toEqual([]);
    expect((await services.groups.freeGroups(course.id, '2026-03-06')).map((x) => x.id)).toEqual([g.id]);
    await services.leads.bookTrial(c.id, { groupId: g.id, date: '2026-03-06' }, s);
  });

  it('a cancelled trial frees its seat (and the lead goes back to interested)', async () => {
    const { services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const course = await addCourse(database);
    const g = await addGroup(database, course.id, { capacity: 2, current_students: 1 });
    const a = await contactedLead(services, s, 'A');
    const b = await contactedLead(services, s, 'B');
    const { trial } = await services.leads.bookTrial(a.id, { groupId: g.id, date: '2026-03-04' }, s);
    expect((await failure(services.leads.bookTrial(b.id, { groupId: g.id, date: '2026-03-04' }, s))).code).toBe('GROUP_FULL');
    const back = await services.leads.cancelTrial(trial.id, s, 'changed plans');
    expect(back.status).toBe('interested');
    expect(await services.groups.groupOccupancy(g.id, '2026-03-04')).toMatchObject({ taken: 1, freeSpots: 1, percent: 50, band: 'yellow' });
    const booked = await services.leads.bookTrial(b.id, { groupId: g.id, date: '2026-03-04' }, s);
    expect(booked.lead.status).toBe('trial_registered');
  });

  it('books only on the lesson days of odd, even and daily groups, today or later', async () => {
    const { services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const course = await addCourse(database);
    const odd = await addGroup(database, course.id, { name: 'odd', days: 'odd' });
    const even = await addGroup(database, course.id, { name: 'even', days: 'even' });
    const daily = await addGroup(database, course.id, { name: 'daily', days: 'daily' });
    const cases: Array<[number, string, boolean]> = [
      [odd.id, '2026-03-04', true], // Wednesday
      [odd.id, '2026-03-06', true], // Friday
      [odd.id, '2026-03-03', false], // Tuesday
      [odd.id, '2026-03-07', false], // Saturday
      [even.id, '2026-03-03', true], // Tuesday
      [even.id, '2026-03-07', true], // Saturday
      [even.id, '2026-03-04', false], // Wednesday
      [daily.id, '2026-03-07', true], // Saturday
      [daily.id, '2026-03-02', true], // today, before 15:00
      [daily.id, '2026-03-08', false], // Sunday
      [odd.id, '2026-02-27', false], // a past Friday
    ];
    for (const [groupId, date, ok] of cases) {
      const lead = await contactedLead(services, s);
      const attempt = services.leads.bookTrial(lead.id, { groupId, date }, s);
      if (ok) await expect(attempt, `${groupId} ${date}`).resolves.toBeTruthy();
      else {
        const e = await failure(attempt);
        expect(e.code, `${groupId} ${date}`).toBe('VALIDATION');
        expect(e.fields).toHaveProperty('date');
      }
    }
    expect(await services.groups.nextLessonDates(even.id, 3)).toEqual(['2026-03-03', '2026-03-05', '2026-03-07']);
  });

  it('refuses a group in a room already taken at overlapping days and times, never back-to-back or other days', async () => {
    const { services } = servicesFor(database, MON_10);
    const admin = await addUser(services, { role: 'admin' });
    const manager = await addUser(services, { role: 'sales_manager' });
    const english = await addCourse(database, { name: 'English', lesson_minutes: 90 });
    const kids = await addCourse(database, { name: 'Kids', lesson_minutes: 60 });
    const room = await services.groups.createRoom({ name: 'Room 1', capacity: 15 }, admin);
    expect((await failure(services.groups.createRoom({ name: 'x', capacity: 5 }, manager))).code).toBe('FORBIDDEN');

    const base = { courseId: english.id, roomId: room.id, capacity: 12 };
    const a = await services.groups.createGroup({ ...base, name: 'A', days: 'odd', startTime: '15:00' }, admin);
    const clash = await failure(services.groups.createGroup({ ...base, name: 'B', days: 'odd', startTime: '16:00' }, admin));
    expect(clash.code).toBe('CONFLICT');
    expect(clash.fields).toHaveProperty('roomId');
    expect(clash.details).toMatchObject({ conflictingGroupId: a.id });
    // A runs 15:00–16:30: a group at 16:30 and one ending at 15:00 fit; other days fit
    await services.groups.createGroup({ ...base, name: 'after A', days: 'odd', startTime: '16:30' }, admin);
    await services.groups.createGroup({ ...base, courseId: kids.id, name: 'before A', days: 'daily', startTime: '14:00' }, admin);
    const c = await services.groups.createGroup({ ...base, name: 'C', days: 'even', startTime: '15:00' }, admin);
    // daily overlaps odd days
    expect((await failure(services.groups.createGroup({ ...base, courseId: kids.id, name: 'D', days: 'daily', startTime: '16:00' }, admin))).code).toBe('CONFLICT');
    // an update goes through the same check
    expect((await failure(services.groups.updateGroup(c.id, { days: 'odd' }, admin))).code).toBe('CONFLICT');
    expect((await services.groups.updateGroup(c.id, { startTime: '17:00' }, admin)).start_time).toBe('17:00');
    // an inactive group does not hold the room
    await services.groups.updateGroup(a.id, { active: false }, admin);
    await services.groups.createGroup({ ...base, name: 'B', days: 'odd', startTime: '15:00' }, admin);
    // a group cannot seat more than its room
    expect((await failure(services.groups.createGroup({ ...base, name: 'big', days: 'even', startTime: '09:00', capacity: 20 }, admin))).fields).toHaveProperty('capacity');
    const roomNow = await services.groups.roomOccupancy(room.id);
    expect(roomNow.groups).toBe(4);
  });

  it('moves the lead for each trial result as SPEC §3 says', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const manager = await addUser(services, { role: 'sales_manager' });
    const course = await addCourse(database, { price: 600_000 });
    const g = await addGroup(database, course.id, { capacity: 12, current_students: 3 });
    const trials: Record<string, { trialId: number; leadId: number }> = {};
    for (const r of ['attended', 'not_attended', 'offer_sent', 'accepted', 'rejected', 'rejected_no_reason']) {
      const lead = await contactedLead(services, s, r);
      const { trial } = await services.leads.bookTrial(lead.id, { groupId: g.id, date: '2026-03-04' }, s);
      trials[r] = { trialId: trial.id, leadId: lead.id };
    }
    // not before the lesson has started
    expect((await failure(services.leads.recordTrialResult(trials.attended.trialId, 'attended', s))).code).toBe('VALIDATION');
    clock.set(tash('2026-03-04T16:40'));
    const status = async (k: string) => (await services.leads.get(trials[k].leadId, s)).status;
    await services.leads.recordTrialResult(trials.attended.trialId, 'attended', s);
    expect(await status('attended')).toBe('trial_attended');
    await services.leads.recordTrialResult(trials.not_attended.trialId, 'not_attended', s);
    expect(await status('not_attended')).toBe('trial_not_attended');
    await services.leads.recordTrialResult(trials.offer_sent.trialId, 'offer_sent', s);
    expect(await status('offer_sent')).toBe('offer_sent');
    await services.leads.recordTrialResult(trials.accepted.trialId, 'accepted', s);
    const enrolled = await services.leads.get(trials.accepted.leadId, s);
    expect([enrolled.status, enrolled.group_id, enrolled.agreed_price]).toEqual(['enrolled', g.id, 600_000]);
    expect((await services.groups.groupOccupancy(g.id, '2026-03-05')).taken).toBe(4);
    expect((await failure(services.leads.recordTrialResult(trials.rejected_no_reason.trialId, 'rejected', s))).fields).toHaveProperty('lostReason');
    await services.leads.recordTrialResult(trials.rejected.trialId, 'rejected', s, { lostReason: 'price' });
    const lost = await services.leads.get(trials.rejected.leadId, s);
    expect([lost.status, lost.lost_reason]).toEqual(['lost', 'price']);

    // a salesperson only advances a result; switching attended ↔ not attended is a manager's correction
    expect((await failure(services.leads.recordTrialResult(trials.attended.trialId, 'not_attended', s))).code).toBe('FORBIDDEN');
    await services.leads.recordTrialResult(trials.attended.trialId, 'not_attended', manager, { reason: 'mixed up names' });
    expect(await status('attended')).toBe('trial_not_attended');
    const corrected = await database.db.selectFrom('lead_events').selectAll().where('lead_id', '=', trials.attended.leadId).where('type', '=', 'status_corrected').execute();
    expect(corrected).toHaveLength(1);
    expect(corrected[0].actor_id).toBe(manager.id);
  });

  it('a trial result on a lead that has moved on is refused, not a move around the table (lost → trial_attended, enrolled twice)', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services);
    const course = await addCourse(database);
    const g = await addGroup(database, course.id, { capacity: 12, current_students: 3 });
    const gone = await contactedLead(services, s, 'Gone');
    const { trial: goneTrial } = await services.leads.bookTrial(gone.id, { groupId: g.id, date: '2026-03-04' }, s);
    await services.leads.move(gone.id, { to: 'lost', lostReason: 'price' }, s);
    const keen = await contactedLead(services, s, 'Keen');
    const { trial: keenTrial } = await services.leads.bookTrial(keen.id, { groupId: g.id, date: '2026-03-04' }, s);
    await services.leads.move(keen.id, { to: 'enrolled', groupId: g.id }, s);
    expect((await services.groups.groupOccupancy(g.id, '2026-03-06')).taken).toBe(4);

    clock.set(tash('2026-03-04T16:40'));
    const pulledBack = await failure(services.leads.recordTrialResult(goneTrial.id, 'attended', s));
    expect(pulledBack.code).toBe('INVALID_TRANSITION');
    expect(pulledBack.fields).toHaveProperty('result');
    const lost = await services.leads.get(gone.id, s);
    expect([lost.status, lost.lost_reason]).toEqual(['lost', 'price']);
    expect((await failure(services.leads.recordTrialResult(keenTrial.id, 'accepted', s))).code).toBe('INVALID_TRANSITION');
    // the student holds one seat, not two
    expect((await services.groups.groupOccupancy(g.id, '2026-03-06')).taken).toBe(4);
    expect((await getTrialRow(keenTrial.id)).result).toBeNull();
  });

  it('an admin raising a full group’s capacity frees spots: the waitlist is told; a change that frees nothing tells nobody', async () => {
    const { services } = servicesFor(database, MON_10);
    const s = await addUser(services, { telegramUserId: 7101 });
    const admin = await addUser(services, { role: 'admin' });
    const course = await addCourse(database);
    const g = await addGroup(database, course.id, { name: 'Morning', capacity: 2, current_students: 2 });
    const lead = await contactedLead(services, s, 'Waiting');
    await services.leads.move(lead.id, { to: 'interested' }, s);
    expect((await failure(services.leads.enroll(lead.id, { groupId: g.id }, s))).code).toBe('GROUP_FULL');
    await services.leads.waitlist(lead.id, g.id, s);
    const told = async () => (await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'waitlist_spot_freed').execute()).map((r) => [r.chat_id, JSON.parse(r.payload).leadId]);

    await services.groups.updateGroup(g.id, { name: 'Morning A' }, admin);
    expect(await told()).toEqual([]);
    await services.groups.updateGroup(g.id, { capacity: 3 }, admin);
    expect(await told()).toEqual([['7101', lead.id]]);
    expect((await services.leads.enroll(lead.id, { groupId: g.id }, s)).status).toBe('enrolled');
  });

  async function getTrialRow(id: number) {
    return database.db.selectFrom('trials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('refuses to enroll into a full group, waitlists the lead, and tells the waitlist (oldest first) when a student leaves', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    const s = await addUser(services, { telegramUserId: 7001 });
    const s2 = await addUser(services, { telegramUserId: 7002 });
    const manager = await addUser(services, { role: 'sales_manager' });
    const course = await addCourse(database);
    const g = await addGroup(database, course.id, { name: 'Evening', capacity: 2, current_students: 1 });
    const trialLead = await contactedLead(services, s, 'Trial lead');
    const { trial } = await services.leads.bookTrial(trialLead.id, { groupId: g.id, date: '2026-03-04' }, s);
    // someone else takes the last seat before the trial's lead decides
    const other = await contactedLead(services, s2, 'Other');
    await services.leads.move(other.id, { to: 'interested' }, s2);
    await services.leads.enroll(other.id, { groupId: g.id }, s2);

    clock.set(tash('2026-03-04T16:40'));
    await services.leads.recordTrialResult(trial.id, 'attended', s);
    const refused = await failure(services.leads.recordTrialResult(trial.id, 'accepted', s));
    expect(refused.code).toBe('GROUP_FULL');
    expect(refused.message).toMatch(/full/);
    expect(refused.details).toMatchObject({ groupId: g.id, waitlist: true });
    expect((await services.leads.get(trialLead.id, s)).status).toBe('trial_attended');
    await services.leads.waitlist(trialLead.id, g.id, s);

    const second = await contactedLead(services, s2, 'Second in line');
    clock.set(tash('2026-03-04T16:50'));
    await services.leads.waitlist(second.id, g.id, s2);

    clock.set(tash('2026-03-05T10:00'));
    await services.leads.move(other.id, { to: 'lost', lostReason: 'left' }, manager);
    expect((await services.groups.groupOccupancy(g.id)).taken).toBe(1);
    const told = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'waitlist_spot_freed').orderBy('id').execute();
    expect(told.map((r) => [r.chat_id, JSON.parse(r.payload).leadId, JSON.parse(r.payload).position])).toEqual([
      ['7001', trialLead.id, 1],
      ['7002', second.id, 2],
    ]);
    // now the seat is there
    await services.leads.recordTrialResult(trial.id, 'accepted', s);
    expect((await services.leads.get(trialLead.id, s)).status).toBe('enrolled');
    expect(await database.db.selectFrom('waitlist').select('lead_id').where('lead_id', '=', trialLead.id).execute()).toEqual([]);
  });

  it('trial jobs: a reminder 2 h before (address, ignoring quiet hours), a missing-result reminder once, the 24 h attended follow-up', async () => {
    const { clock, services } = servicesFor(database, MON_10);
    // works mornings only: the 13:00 reminder still goes out at once
    const s = await addUser(services, { telegramUserId: 8001, workStart: '09:00', workEnd: '12:00' });
    const course = await addCourse(database, { name: 'IELTS' });
    const admin = await addUser(services, { role: 'admin' });
    const room = await services.groups.createRoom({ name: 'Blue room', capacity: 12 }, admin);
    const g = await services.groups.createGroup({ courseId: course.id, name: 'IELTS-1', days: 'odd', startTime: '15:00', roomId: room.id, capacity: 10 }, admin);
    await database.db.updateTable('center_settings').set({ address: 'Chilonzor 5', map_link: 'https://maps.example/x' }).where('id', '=', 1).execute();
    const a = await contactedLead(services, s, 'Aziz');
    const b = await contactedLead(services, s, 'Bobur');
    const { trial: ta } = await services.leads.bookTrial(a.id, { groupId: g.id, date: '2026-03-04' }, s);
    const { trial: tb } = await services.leads.bookTrial(b.id, { groupId: g.id, date: '2026-03-04' }, s);

    clock.set(tash('2026-03-04T12:30'));
    expect(await services.trials.sendTrialReminders()).toEqual({ reminders: 0 });
    clock.set(tash('2026-03-04T13:00'));
    expect(await services.trials.sendTrialReminders()).toEqual({ reminders: 2 });
    expect(await services.trials.sendTrialReminders()).toEqual({ reminders: 0 });
    const reminders = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'trial_reminder').execute();
    expect(reminders).toHaveLength(2);
    expect(reminders[0].not_before).toBe(tash('2026-03-04T13:00'));
    expect(JSON.parse(reminders[0].payload)).toMatchObject({ groupName: 'IELTS-1', roomName: 'Blue room', courseName: 'IELTS', address: 'Chilonzor 5', mapLink: 'https://maps.example/x', startsAt: tash('2026-03-04T15:00') });

    // the lesson ends 16:30; 15 minutes later a trial without a result reminds once
    clock.set(tash('2026-03-04T16:40'));
    await services.leads.recordTrialResult(ta.id, 'attended', s);
    expect(await services.trials.remindMissingResults()).toEqual({ reminders: 0 });
    clock.set(tash('2026-03-04T16:45'));
    expect(await services.trials.remindMissingResults()).toEqual({ reminders: 1 });
    expect(await services.trials.remindMissingResults()).toEqual({ reminders: 0 });
    const noResult = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'trial_no_result').execute();
    expect(noResult.map((r) => JSON.parse(r.payload).trialId)).toEqual([tb.id]);

    // attended, not enrolled after 24 h, and the plan made no follow-up (its step was closed elsewhere)
    clock.set(tash('2026-03-05T16:00'));
    expect(await services.trials.followUpAttended()).toEqual({ followUps: 0 }); // step 1 is still open
    await database.db.updateTable('follow_ups').set({ state: 'superseded', closed_at: tash('2026-03-05T16:00') }).where('lead_id', '=', a.id).where('state', '=', 'open').execute();
    expect(await services.trials.followUpAttended()).toEqual({ followUps: 0 }); // 16:30 + 24 h not reached
    clock.set(tash('2026-03-05T17:00'));
    expect(await services.trials.followUpAttended()).toEqual({ followUps: 1 });
    expect(await services.trials.followUpAttended()).toEqual({ followUps: 0 });
    const fu = await database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', a.id).where('state', '=', 'open').execute();
    // outside the 09:00–12:00 shift: first thing next working morning
    expect(fu.map((f) => [f.kind, f.due_at, f.sales_id])).toEqual([['trial_attended:2', tash('2026-03-06T09:00'), s.id]]);
  });
});
