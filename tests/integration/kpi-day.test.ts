import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addGroup, addUser, servicesFor, tash } from '../support/fixtures.js';
import type { KpiRow, User } from '../../db/types.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';

/**
 * shared/KPI-DAY.md as a test: the scripted Wednesday 2026-03-04 driven through the core use cases
 * with a stepped clock, then the KPI run must give exactly the expected table.
 */
describe.each(dialects())('KPI day (KPI-DAY.md) on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  async function openFollowUp(leadId: number, kind?: string) {
    let q = database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', leadId).where('state', '=', 'open');
    if (kind) q = q.where('kind', '=', kind);
    const rows = await q.execute();
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  const view = (r: KpiRow | undefined) =>
    r && {
      contacts: r.daily_contacts,
      followups: r.daily_followups,
      completion: r.followup_completion_rate == null ? null : Math.round(r.followup_completion_rate * 10) / 10,
      trialsRegistered: r.trials_registered,
      trialsToSales: r.trials_to_sales,
      conversion: r.conversion_rate == null ? null : Math.round(r.conversion_rate * 10) / 10,
      response: r.response_time == null ? null : Math.round(r.response_time * 10) / 10,
      overdue: r.overdue_count,
      onLeave: r.on_leave,
    };

  async function scriptedDay(clock: ManualClock, services: Services) {
    const at = (local: string) => clock.set(tash(local));
    at('2026-01-05T08:00');
    const D = await addUser(services, { fullName: 'Dilnoza', telegramUserId: 501 });
    const J = await addUser(services, { fullName: 'Jasur', telegramUserId: 502 });
    const M = await addUser(services, { fullName: 'Malika', telegramUserId: 503 });
    const boss = await addUser(services, { fullName: 'Boss', role: 'sales_manager', telegramUserId: 509 });
    const course = await addCourse(database, { name: 'English', lesson_minutes: 90 });
    const g1 = await addGroup(database, course.id, { name: 'G1', days: 'odd', start_time: '15:00', capacity: 12, current_students: 8 });

    // ---- before the day ----
    at('2026-01-10T10:00');
    const L3 = (await services.leads.intake({ name: 'L3', phone: '+998900000003', source: 'instagram' }, J)).lead;
    at('2026-01-10T10:05');
    await services.leads.move(L3.id, { to: 'contacted' }, J);

    at('2026-02-16T10:00');
    const L7 = (await services.leads.intake({ name: 'L7', phone: '+998900000007', source: 'instagram' }, J)).lead;

    at('2026-02-20T10:00');
    const L1 = (await services.leads.intake({ name: 'L1', phone: '+998900000001', source: 'instagram' }, D)).lead;
    at('2026-02-20T10:10');
    await services.leads.move(L1.id, { to: 'contacted' }, D);

    at('2026-02-25T10:00');
    const L2 = (await services.leads.intake({ name: 'L2', phone: '+998900000002', source: 'telegram' }, D)).lead;
    at('2026-02-25T10:10');
    await services.leads.move(L2.id, { to: 'contacted' }, D);

    at('2026-03-02T09:30');
    const leave = await services.leave.request({ startDate: '2026-03-04', reason: 'family' }, M);
    at('2026-03-02T09:40');
    await services.leave.approve(leave.id, boss);

    at('2026-03-02T10:00');
    await services.leads.move(L1.id, { to: 'interested' }, D);
    at('2026-03-02T11:00');
    const { trial: trialL3 } = await services.leads.bookTrial(L3.id, { groupId: g1.id, date: '2026-03-04' }, J);
    at('2026-03-02T12:00');
    await services.leads.move(L7.id, { to: 'lost', lostReason: 'price' }, J);

    at('2026-03-03T14:00');
    await services.leads.move(L2.id, { to: 'offer_sent' }, D);
    at('2026-03-03T15:10');
    const dayBefore = await openFollowUp(L3.id, 'trial_before_1d');
    expect(dayBefore.due_at).toBe(tash('2026-03-03T15:00'));
    await services.followUps.complete(dayBefore.id, J);

    const F0 = await openFollowUp(L1.id);
    expect(F0.due_at).toBe(tash('2026-03-03T10:00'));
    const F4 = await openFollowUp(L3.id, 'trial_before_2h');
    expect(F4.due_at).toBe(tash('2026-03-04T13:00'));
    expect((await openFollowUp(L2.id)).due_at).toBe(tash('2026-03-04T14:00'));
    expect(await database.db.selectFrom('follow_ups').select('id').where('lead_id', '=', L7.id).where('state', '=', 'open').execute()).toEqual([]);

    // ---- the day ----
    at('2026-03-04T09:10');
    const L4 = (await services.leads.intake({ name: 'L4', phone: '+998900000004', source: 'walk_in' }, D)).lead;
    expect(L4.assigned_to).toBe(D.id);
    expect((await openFollowUp(L4.id)).due_at).toBe(tash('2026-03-04T09:15'));

    at('2026-03-04T09:20');
    await services.leads.move(L4.id, { to: 'contacted' }, D);

    at('2026-03-04T10:00');
    const L5 = (await services.leads.intake({ name: 'L5', phone: '+998900000005', source: 'phone_call' }, D)).lead;
    const L5fu = await openFollowUp(L5.id);
    expect(L5fu.due_at).toBe(tash('2026-03-04T10:05'));

    at('2026-03-04T10:30');
    await services.leads.logCall(L5.id, { outcome: 'no_answer' }, D);
    await services.followUps.complete(L5fu.id, D);

    at('2026-03-04T11:00');
    await services.followUps.complete(F0.id, D);

    at('2026-03-04T11:30');
    await services.leads.bookTrial(L1.id, { groupId: g1.id, date: '2026-03-06' }, D);

    at('2026-03-04T13:05');
    await services.followUps.complete(F4.id, J);

    at('2026-03-04T13:30');
    await services.leads.enroll(L2.id, { groupId: g1.id }, D);

    at('2026-03-04T16:45');
    await services.leads.recordTrialResult(trialL3.id, 'attended', J);
    expect((await openFollowUp(L3.id)).due_at).toBe(tash('2026-03-04T16:45'));

    at('2026-03-04T17:00');
    const L6 = (await services.leads.intake({ name: 'L6', phone: '+998900000006', source: 'referral' }, D)).lead;
    expect((await openFollowUp(L6.id)).due_at).toBe(tash('2026-03-04T17:05'));
    await services.leads.recordTrialResult(trialL3.id, 'accepted', J);
    const l3 = await services.leads.get(L3.id, J);
    expect(l3.status).toBe('enrolled');
    expect(l3.group_id).toBe(g1.id);

    return { D, J, M, boss, L6 };
  }

  it('gives exactly the expected table, and recomputing the day gives the same rows', async () => {
    const { clock, services } = servicesFor(database, tash('2026-01-05T08:00'));
    const { D, J, M, boss, L6 } = await scriptedDay(clock, services);
    const byUser = (rows: KpiRow[], u: User) => view(rows.find((r) => r.user_id === u.id));

    // 18:00 summary: the day so far per person (held until the next shift), the team table to managers
    clock.set(tash('2026-03-04T18:00'));
    expect(await services.kpi.dailySummary()).toEqual({ summaries: 2, teamTables: 1 });
    const summaries = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'daily_summary').orderBy('user_id').execute();
    expect(summaries.map((r) => [r.user_id, r.not_before, JSON.parse(r.payload)])).toEqual([
      [D.id, tash('2026-03-05T09:00'), { date: '2026-03-04', userName: null, contacts: 4, followupsDone: 2, followupsDue: 2, overdue: 1, trialsTomorrow: 0 }],
      [J.id, tash('2026-03-05T09:00'), { date: '2026-03-04', userName: null, contacts: 1, followupsDone: 1, followupsDue: 1, overdue: 0, trialsTomorrow: 0 }],
    ]);
    const table = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'team_table').execute();
    expect(table.map((r) => r.user_id)).toEqual([boss.id]);
    expect(JSON.parse(table[0].payload).rows.map((r: { name: string }) => r.name)).toEqual(['Dilnoza', 'Jasur']);
    expect(await services.kpi.dailySummary()).toEqual({ summaries: 0, teamTables: 0 });
    expect(await database.db.selectFrom('outbox').select('id').where('kind', 'in', ['daily_summary', 'team_table']).execute()).toHaveLength(3);

    clock.set(tash('2026-03-04T23:59'));
    const rows = await services.kpi.computeDay('2026-03-04');
    expect(rows.map((r) => r.user_id).sort()).toEqual([D.id, J.id, M.id].sort());
    expect(byUser(rows, D)).toEqual({ contacts: 4, followups: 2, completion: 50, trialsRegistered: 1, trialsToSales: 0, conversion: 20, response: 33.3, overdue: 1, onLeave: 0 });
    expect(byUser(rows, J)).toEqual({ contacts: 1, followups: 1, completion: 100, trialsRegistered: 0, trialsToSales: 1, conversion: 0, response: null, overdue: 0, onLeave: 0 });
    expect(byUser(rows, M)).toEqual({ contacts: 0, followups: 0, completion: 0, trialsRegistered: 0, trialsToSales: 0, conversion: 0, response: 0, overdue: 0, onLeave: 1 });

    // the same run again replaces the rows with the same values (one row per person and day)
    const again = await services.kpi.computeDay('2026-03-04');
    expect(again.map((r) => ({ ...r, computed_at: null }))).toEqual(rows.map((r) => ({ ...r, computed_at: null })));

    // the reports wait for each person's next shift; the ranking goes to the manager
    await services.kpi.kpiReports('2026-03-04');
    const reports = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'kpi_report').orderBy('user_id').execute();
    expect(reports.map((r) => [r.user_id, r.not_before])).toEqual([
      [D.id, tash('2026-03-05T09:00')],
      [J.id, tash('2026-03-05T09:00')],
    ]);
    expect(JSON.parse(reports[0].payload)).toMatchObject({ date: '2026-03-04', contacts: 4, completionRate: 0.5, conversionRate: 0.2, overdue: 1 });
    const ranking = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'team_ranking').execute();
    expect(ranking.map((r) => r.user_id)).toEqual([boss.id]);
    await services.kpi.kpiReports('2026-03-04');
    expect(await database.db.selectFrom('outbox').select('id').where('kind', 'in', ['kpi_report', 'team_ranking']).execute()).toHaveLength(3);

    // the next morning L6 is finally contacted: recomputing the past day still reads it as it ended
    clock.set(tash('2026-03-05T09:30'));
    await services.leads.move(L6.id, { to: 'contacted' }, D);
    const later = await services.kpi.computeDay('2026-03-04');
    expect(later.map((r) => ({ ...r, computed_at: null }))).toEqual(rows.map((r) => ({ ...r, computed_at: null, report_sent: 1 })));
  });

  it('writes no row on a non-working day and removes a row when the day becomes a holiday', async () => {
    const { clock, services } = servicesFor(database, tash('2026-03-02T10:00'));
    const D = await addUser(services, { fullName: 'Dilnoza' });
    clock.set(tash('2026-03-08T23:59'));
    expect(await services.kpi.computeDay('2026-03-08')).toEqual([]); // Sunday
    clock.set(tash('2026-03-09T23:59'));
    expect((await services.kpi.computeDay('2026-03-09')).map((r) => r.user_id)).toEqual([D.id]);
    await database.db.insertInto('holidays').values({ date: '2026-03-09', name: 'closed' }).execute();
    expect(await services.kpi.computeDay('2026-03-09')).toEqual([]);
  });

  it('flags a day marked absent as a zero row', async () => {
    const { clock, services } = servicesFor(database, tash('2026-03-02T10:00'));
    const D = await addUser(services, { fullName: 'Dilnoza' });
    const boss = await addUser(services, { role: 'sales_manager' });
    await services.leads.intake({ name: 'x', phone: '+998900000011', source: 'walk_in' }, D);
    await services.leave.markAbsent(D.id, '2026-03-03', boss);
    clock.set(tash('2026-03-03T23:59'));
    const [row] = await services.kpi.computeDay('2026-03-03');
    expect(view(row)).toEqual({ contacts: 0, followups: 0, completion: 0, trialsRegistered: 0, trialsToSales: 0, conversion: 0, response: 0, overdue: 0, onLeave: 1 });
  });
});
