import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/deps.js';
import { createScheduler } from '../../scheduler/runner.js';
import { buildJobs } from '../../scheduler/jobs.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';

/**
 * The messages of the scheduled jobs as a manager sees them: a "run now" does not use up the
 * day's real summary or KPI report, and waiting leads are announced once, not every hour.
 */
describe.each(dialects())('scheduled job messages on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  const outbox = (kinds: string[]) =>
    database.db.selectFrom('outbox').select(['kind', 'user_id', 'not_before', 'payload']).where('kind', 'in', kinds as never).orderBy('id').execute();

  it('leads waiting through the night tell the managers once, again only when more leads join the queue', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T19:00'));
    const sales = await addUser(services); // Mon–Sat 09:00–18:00
    const manager = await addUser(services, { role: 'sales_manager' });
    const waitingAlerts = async () => (await outbox(['unassigned_waiting'])).map((r) => [r.not_before, JSON.parse(r.payload).count]);
    await services.leads.intake({ name: 'Night One', phone: '+998905551111', source: 'form' });
    const minutes = async (from: string, to: string) => {
      for (let t = Date.parse(tash(from)); t <= Date.parse(tash(to)); t += 60_000) {
        clock.set(new Date(t));
        await services.leads.assignQueued();
      }
    };
    await minutes('2026-03-04T19:00', '2026-03-04T23:00');
    expect(await waitingAlerts()).toEqual([[tash('2026-03-04T19:00'), 1]]);

    // a second lead comes in late at night: one more alert, then quiet until the morning
    clock.set(tash('2026-03-04T23:10'));
    await services.leads.intake({ name: 'Night Two', phone: '+998905551112', source: 'form' });
    await minutes('2026-03-04T23:10', '2026-03-05T08:59');
    expect(await waitingAlerts()).toEqual([
      [tash('2026-03-04T19:00'), 1],
      [tash('2026-03-04T23:10'), 2],
    ]);
    expect((await outbox(['unassigned_waiting'])).every((r) => r.user_id === manager.id)).toBe(true);

    // the shift starts: both are assigned in arrival order, and the next evening's lead is news again
    clock.set(tash('2026-03-05T09:00'));
    expect(await services.leads.assignQueued()).toEqual({ assigned: 2, waiting: 0 });
    const leads = await database.db.selectFrom('leads').select(['name', 'assigned_to']).orderBy('id').execute();
    expect(leads).toEqual([
      { name: 'Night One', assigned_to: sales.id },
      { name: 'Night Two', assigned_to: sales.id },
    ]);
    clock.set(tash('2026-03-05T18:30'));
    await services.leads.intake({ name: 'Evening', phone: '+998905551113', source: 'form' });
    await minutes('2026-03-05T18:30', '2026-03-05T20:00');
    expect((await waitingAlerts()).slice(2)).toEqual([[tash('2026-03-05T18:30'), 1]]);
  });

  it('running the KPI job by hand during the day stores the rows but leaves the reports and the ranking to 23:59, with the final numbers', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 51 });
    const manager = await addUser(services, { role: 'sales_manager', telegramUserId: 52 });
    const { lead } = await services.leads.intake({ name: 'Kamola', phone: '+998905552221', source: 'form' });
    expect(lead.assigned_to).toBe(sales.id);
    const scheduler = createScheduler({ db: database.db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: buildJobs({ services }) });

    clock.set(tash('2026-03-04T15:00'));
    const early = await scheduler.runNow('daily-kpi');
    expect(early).toMatchObject({ status: 'ok', result: { date: '2026-03-04', rows: 1, reports: 0, ranked: 0 } });
    expect(await database.db.selectFrom('kpi_daily').select(['user_id', 'daily_contacts']).execute()).toEqual([{ user_id: sales.id, daily_contacts: 0 }]);
    expect(await outbox(['kpi_report', 'team_ranking'])).toEqual([]);

    clock.set(tash('2026-03-04T16:00'));
    await services.leads.move(lead.id, { to: 'contacted' }, sales);

    clock.set(tash('2026-03-04T23:59'));
    const slot = await scheduler.runDueJob('daily-kpi', clock.now());
    expect(slot).toMatchObject({ status: 'ok', result: { date: '2026-03-04', rows: 1, reports: 1, ranked: 1 } });
    const sent = await outbox(['kpi_report', 'team_ranking']);
    expect(sent.map((r) => [r.kind, r.user_id, r.not_before])).toEqual([
      ['kpi_report', sales.id, tash('2026-03-05T09:00')], // the next shift start
      ['team_ranking', manager.id, tash('2026-03-04T23:59')],
    ]);
    expect(JSON.parse(sent[0].payload)).toMatchObject({ date: '2026-03-04', contacts: 1 });
    // run again by hand a minute later: the rows are recomputed, nothing is sent twice
    clock.set(tash('2026-03-04T23:59:40'));
    expect(await scheduler.runNow('daily-kpi')).toMatchObject({ status: 'ok', result: { reports: 0, ranked: 1 } });
    expect(await outbox(['kpi_report', 'team_ranking'])).toHaveLength(2);
  });

  it('running the daily summary by hand before 18:00 is a preview: the 18:00 summary still goes out, once', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 61, workStart: '09:00', workEnd: '20:00' });
    const manager = await addUser(services, { role: 'sales_manager', telegramUserId: 62 });
    const { lead } = await services.leads.intake({ name: 'Bobur', phone: '+998905553331', source: 'form' });
    const scheduler = createScheduler({ db: database.db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: buildJobs({ services }) });

    clock.set(tash('2026-03-04T15:00'));
    expect(await scheduler.runNow('daily-summary')).toMatchObject({ status: 'ok', result: { summaries: 1, teamTables: 1 } });
    clock.set(tash('2026-03-04T16:00'));
    await services.leads.move(lead.id, { to: 'contacted' }, sales);

    clock.set(tash('2026-03-04T18:00'));
    expect(await scheduler.runDueJob('daily-summary', clock.now())).toMatchObject({ status: 'ok', result: { summaries: 1, teamTables: 1 } });
    const summaries = await outbox(['daily_summary', 'team_table']);
    expect(summaries.map((r) => [r.kind, r.user_id, r.not_before, JSON.parse(r.payload).contacts ?? JSON.parse(r.payload).rows[0].contacts])).toEqual([
      ['daily_summary', sales.id, tash('2026-03-04T15:00'), 0],
      ['team_table', manager.id, tash('2026-03-04T15:00'), 0],
      ['daily_summary', sales.id, tash('2026-03-04T18:00'), 1],
      ['team_table', manager.id, tash('2026-03-04T18:00'), 1],
    ]);
    // run again by hand after 18:00: nothing new is queued, and it says so
    clock.set(tash('2026-03-04T18:01'));
    expect(await scheduler.runNow('daily-summary')).toMatchObject({ status: 'ok', result: { summaries: 0, teamTables: 0 } });
    expect(await outbox(['daily_summary', 'team_table'])).toHaveLength(4);
  });

  it('a 23:59 run after days down fills in the missed days of KPI rows (reports only for its own day); a first run fills in nothing', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-02T23:59')); // Monday
    const sales = await addUser(services); // Mon–Sat 09:00–18:00
    await addUser(services, { role: 'sales_manager' });
    const kpiDays = async () => (await database.db.selectFrom('kpi_daily').select('date').where('user_id', '=', sales.id).orderBy('date').execute()).map((r) => r.date);
    const first = await services.kpi.runDaily({ slot: clock.now() });
    expect(first).not.toHaveProperty('backfilled');
    expect(await kpiDays()).toEqual(['2026-03-02']);
    // down Tuesday to Thursday; the Friday 23:59 run is the first one since
    clock.set(tash('2026-03-06T23:59'));
    const friday = await services.kpi.runDaily({ slot: clock.now() });
    expect(friday).toMatchObject({ date: '2026-03-06', backfilled: ['2026-03-03', '2026-03-04', '2026-03-05'] });
    expect(await kpiDays()).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06']);
    const reports = await database.db.selectFrom('outbox').select('dedupe_key').where('kind', '=', 'kpi_report').orderBy('id').execute();
    expect(reports.map((r) => r.dedupe_key)).toEqual([`kpi_report:2026-03-02:${sales.id}`, `kpi_report:2026-03-06:${sales.id}`]);
    // Sunday is no working day: Monday's run computes it again (no rows) and backfills nothing
    clock.set(tash('2026-03-07T23:59'));
    await services.kpi.runDaily({ slot: clock.now() });
    clock.set(tash('2026-03-09T23:59'));
    expect(await services.kpi.runDaily({ slot: clock.now() })).not.toHaveProperty('backfilled');
    expect((await kpiDays()).slice(-2)).toEqual(['2026-03-07', '2026-03-09']);
  });
});
