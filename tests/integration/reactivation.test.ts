import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, servicesFor, tash } from '../support/fixtures.js';
import { latestMilestone } from '../../core/reactivation/reactivation.js';

describe('reactivation milestones', () => {
  it('the latest milestone reached by local date', () => {
    const tz = 'Asia/Tashkent';
    // lost late on Monday evening local time (still Monday in Tashkent, Monday in UTC too)
    expect(latestMilestone(tash('2026-03-02T23:30'), '2026-03-08', tz)).toBeNull();
    expect(latestMilestone(tash('2026-03-02T23:30'), '2026-03-09', tz)?.type).toBe('7_days');
    expect(latestMilestone(tash('2026-03-02T23:30'), '2026-03-16', tz)?.type).toBe('14_days');
    expect(latestMilestone(tash('2026-03-02T23:30'), '2026-04-01', tz)?.type).toBe('30_days');
    expect(latestMilestone(tash('2026-03-02T23:30'), '2026-06-01', tz)?.type).toBe('30_days');
  });
});

describe.each(dialects())('reactivation job on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('fires 7/14/30 once per lost cycle, only the latest when several are due, with the matching offers', async () => {
    const { clock, services } = servicesFor(database, tash('2026-01-05T09:00'));
    const s = await addUser(services, { telegramUserId: 31 });
    const admin = await addUser(services, { role: 'admin' });
    const english = await addCourse(database, { name: 'English' });
    const math = await addCourse(database, { name: 'Math' });
    const fresh = await addGroup(database, math.id, { name: 'Math new', capacity: 10, current_students: 4 });
    const old = await addGroup(database, english.id, { name: 'English old', capacity: 10, current_students: 4 });
    const fullNew = await addGroup(database, english.id, { name: 'English new full', capacity: 5, current_students: 5 });
    await database.db.updateTable('study_groups').set({ created_at: tash('2026-03-05T10:00'), start_date: '2026-03-09' }).where('id', 'in', [fresh.id, fullNew.id]).execute();
    await database.db.updateTable('study_groups').set({ created_at: tash('2025-09-01T10:00'), start_date: '2025-09-15' }).where('id', '=', old.id).execute();
    const sameCourse = await services.offers.create({ title: 'English again −10%', channel: 'reactivation', courseId: english.id, priority: 5 }, admin);
    const general = await services.offers.create({ title: 'Free trial lesson', channel: 'all' }, admin);
    const otherCourse = await services.offers.create({ title: 'Math −20%', channel: 'reactivation', courseId: math.id }, admin);
    await services.offers.create({ title: 'Trial-only', channel: 'trial' }, admin);

    let n = 0;
    async function lostOn(local: string) {
      clock.set(tash(local));
      n++;
      const { lead } = await services.leads.intake({ name: `Lost ${local.slice(0, 10)}`, phone: `+99893${String(1000000 + n)}`, source: 'instagram', courseId: english.id }, s);
      return services.leads.move(lead.id, { to: 'lost', lostReason: 'price' }, s);
    }
    const lost6 = await lostOn('2026-03-10T12:00');
    const lost7 = await lostOn('2026-03-09T12:00');
    const lost14 = await lostOn('2026-03-02T12:00');
    const lost30 = await lostOn('2026-02-14T12:00');
    const lost40 = await lostOn('2026-02-04T12:00');

    clock.set(tash('2026-03-16T09:00'));
    expect(await services.reactivation.runReactivation()).toEqual({ fired: { '7_days': 1, '14_days': 1, '30_days': 2 } });
    expect(await services.reactivation.runReactivation()).toEqual({ fired: { '7_days': 0, '14_days': 0, '30_days': 0 } });

    const records = await database.db.selectFrom('reactivations').select(['lead_id', 'type', 'lost_at']).orderBy('lead_id').execute();
    expect(records.map((r) => [r.lead_id, r.type])).toEqual([
      [lost7.id, '7_days'],
      [lost14.id, '14_days'],
      [lost30.id, '30_days'],
      [lost40.id, '30_days'],
    ]);
    const status = async (id: number) => (await services.leads.get(id, s)).status;
    expect(await status(lost6.id)).toBe('lost');
    for (const l of [lost7, lost14, lost30, lost40]) expect(await status(l.id)).toBe('reactivation');
    // the reactivation status plans its +5 minute follow-up
    const fus = await database.db.selectFrom('follow_ups').select(['lead_id', 'kind', 'due_at', 'sales_id']).where('state', '=', 'open').where('lead_id', '=', lost7.id).execute();
    expect(fus).toEqual([{ lead_id: lost7.id, kind: 'reactivation:1', due_at: tash('2026-03-16T09:05'), sales_id: s.id }]);

    const notes = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'reactivation_milestone').orderBy('id').execute();
    expect(notes).toHaveLength(4);
    const payloadOf = (leadId: number) => JSON.parse(notes.find((r) => JSON.parse(r.payload).leadId === leadId)!.payload);
    const p7 = payloadOf(lost7.id);
    expect(p7.days).toBe(7);
    expect(p7.offers.map((o: { offerId: number }) => o.offerId)).toEqual([sameCourse.id, general.id]);
    const p14 = payloadOf(lost14.id);
    expect(p14.days).toBe(14);
    expect(p14.offers.map((o: { offerId: number }) => o.offerId)).toEqual([otherCourse.id]);
    const p30 = payloadOf(lost40.id);
    expect(p30.days).toBe(30);
    expect(p30.groups.map((g: { groupId: number }) => g.groupId)).toEqual([fresh.id]);
    expect(notes.every((r) => r.user_id === s.id)).toBe(true);

    // a week later: lost7 reaches 14 days; its follow-up was done, so one more is planned
    const [fu7] = await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lost7.id).where('state', '=', 'open').execute();
    clock.set(tash('2026-03-16T09:10'));
    await services.followUps.complete(fu7.id, s);
    // lost30 moved on and was lost again: a new cycle starts from the new lost_at
    await services.leads.move(lost30.id, { to: 'contacted' }, s);
    await services.leads.move(lost30.id, { to: 'lost', lostReason: 'no_answer' }, s);

    clock.set(tash('2026-03-23T09:00'));
    expect(await services.reactivation.runReactivation()).toEqual({ fired: { '7_days': 2, '14_days': 1, '30_days': 0 } });
    expect(await services.reactivation.runReactivation()).toEqual({ fired: { '7_days': 0, '14_days': 0, '30_days': 0 } });
    const fu14 = await database.db.selectFrom('follow_ups').select(['kind', 'due_at']).where('lead_id', '=', lost7.id).where('state', '=', 'open').execute();
    expect(fu14).toEqual([{ kind: 'reactivation:14_days', due_at: tash('2026-03-23T09:00') }]);
    // lost14 still has its first follow-up open: no second one
    expect(await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', lost14.id).where('state', '=', 'open').execute()).toHaveLength(1);
    const cycles = await services.reactivation.history(lost30.id);
    expect(cycles.map((r) => r.type)).toEqual(['30_days', '7_days']);
    expect(cycles[0].lost_at).not.toBe(cycles[1].lost_at);
    expect(await status(lost30.id)).toBe('reactivation');
    expect(await status(lost6.id)).toBe('reactivation'); // lost 03-10: its 7 days came on 03-17
  });
});
