import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/deps.js';
import { openDatabase, type Database } from '../../db/connection.js';
import { createScheduler, type Job } from '../../scheduler/runner.js';
import { buildJobs, type JobBodies } from '../../scheduler/jobs.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('scheduler jobs over time on %s', (dialect) => {
  let database: TestDatabase;
  let others: Database[];
  beforeEach(async () => {
    database = await freshDatabase(dialect);
    others = [];
  });
  afterEach(async () => {
    for (const o of others) await o.destroy();
    await database.cleanup();
  });

  /** another process's connection to the same database */
  const secondHandle = () => {
    const o = dialect === 'sqlite' ? openDatabase({ dialect, sqlitePath: database.location }) : openDatabase({ dialect, url: database.location });
    others.push(o);
    return o.db;
  };
  const runs = (job: string) =>
    database.db.selectFrom('job_runs').select(['slot', 'status', 'owner', 'error']).where('job', '=', job).orderBy('slot').execute();
  const queued = async (kind: string) =>
    (await database.db.selectFrom('outbox').select(['user_id', 'payload']).where('kind', '=', kind as never).orderBy('id').execute()).map((r) => ({
      user: r.user_id,
      date: JSON.parse(r.payload).date,
    }));

  it('a 23:59 KPI run whose process died midway is run again once its lease is over: reports and ranking go out once', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T09:00'));
    const sales = await addUser(services, { telegramUserId: 71 });
    const manager = await addUser(services, { role: 'sales_manager', telegramUserId: 72 });
    const lead = (await services.leads.intake({ name: 'Kpi', phone: '+998905557777', source: 'walk_in' }, sales)).lead;
    clock.set(tash('2026-03-04T11:00'));
    await services.leads.move(lead.id, { to: 'contacted' }, sales);
    // the process that claimed Wednesday's 23:59 slot was killed before it finished (deploy, OOM)
    await database.db
      .insertInto('job_runs')
      .values({ job: 'daily-kpi', slot: tash('2026-03-04T23:59'), status: 'running', owner: 'dead:1', started_at: tash('2026-03-04T23:59') })
      .execute();

    // restarted two minutes later, by two processes at once
    clock.set(tash('2026-03-05T00:01'));
    const jobs = (s = services) => buildJobs({ services: s }).filter((j) => j.name === 'daily-kpi');
    const other = servicesFor({ ...database, db: secondHandle() }, tash('2026-03-05T00:01'));
    const a = createScheduler({ db: database.db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: jobs(), owner: 'a' });
    const b = createScheduler({ db: others[0].db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: jobs(other.services), owner: 'b' });
    expect((await a.catchUp()).map((o) => o.status)).toEqual(['skipped']);
    // still inside the dead run's lease: nobody starts it over a run that may be alive
    clock.set(tash('2026-03-05T00:13:30'));
    other.clock.set(clock.now());
    expect((await Promise.all([a.sweep(), b.sweep()])).flat().filter((o) => o.status !== 'skipped')).toEqual([]);
    expect(await queued('kpi_report')).toEqual([]);

    clock.set(tash('2026-03-05T00:15:30'));
    other.clock.set(clock.now());
    const outcomes = (await Promise.all([a.sweep(), b.sweep()])).flat();
    expect(outcomes.filter((o) => o.status === 'ok')).toEqual([expect.objectContaining({ slot: tash('2026-03-04T23:59') })]);
    expect(await runs('daily-kpi')).toEqual([
      { slot: tash('2026-03-04T23:59'), status: 'ok', owner: expect.stringMatching(/^[ab]$/), error: expect.stringContaining('abandoned') },
    ]);
    const kpi = await database.db.selectFrom('kpi_daily').select(['user_id', 'date', 'daily_contacts']).execute();
    expect(kpi).toEqual([{ user_id: sales.id, date: '2026-03-04', daily_contacts: 1 }]);
    expect(await queued('kpi_report')).toEqual([{ user: sales.id, date: '2026-03-04' }]);
    expect(await queued('team_ranking')).toEqual([{ user: manager.id, date: '2026-03-04' }]);

    // later sweeps and restarts leave the settled slot alone
    clock.set(tash('2026-03-05T00:30:30'));
    other.clock.set(clock.now());
    expect((await Promise.all([a.sweep(), b.sweep(), createScheduler({ db: database.db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: jobs() }).catchUp()])).flat().filter((o) => o.status !== 'skipped')).toEqual([]);
    expect(await queued('kpi_report')).toHaveLength(1);
  });

  it('"run now" racing the scheduled run of the same job in another process: never side by side', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T09:00'));
    const manager = await addUser(services, { role: 'sales_manager', telegramUserId: 90 });
    const keeper = await addUser(services);
    const { lead } = await services.leads.intake({ name: 'Anchor', phone: '+998905559090', source: 'walk_in' }, keeper);
    const other = servicesFor({ ...database, db: secondHandle() }, tash('2026-03-04T09:00'));
    const alerts = () => database.db.selectFrom('outbox').select('user_id').where('kind', '=', 'block_started').execute();
    // the real job, watched: how many runs of it are in progress at once
    let inProgress = 0;
    let sideBySide = 0;
    const watched: JobBodies = {
      'mark-overdue': async (s) => {
        if (++inProgress > 1) sideBySide++;
        try {
          return await s.followUps.markOverdue();
        } finally {
          inProgress--;
        }
      },
    };
    for (let round = 1; round <= 12; round++) {
      // a salesperson whose five follow-ups went overdue during the hour
      const sales = await addUser(services);
      const hour = String(9 + round).padStart(2, '0');
      await database.db
        .insertInto('follow_ups')
        .values([1, 2, 3, 4, 5].map((i) => ({ lead_id: lead.id, sales_id: sales.id, due_at: tash(`2026-03-04T${hour}:0${i}`), kind: 'callback', created_at: tash(`2026-03-04T${hour}:00`) })))
        .execute();
      clock.set(tash(`2026-03-04T${hour}:15:00.300`));
      other.clock.set(clock.now());
      const a = createScheduler({ db: database.db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: buildJobs({ services, bodies: watched }), owner: 'back-office' });
      const b = createScheduler({ db: others[0].db, dialect, clock: other.clock, log: silentLogger, tz: 'Asia/Tashkent', jobs: buildJobs({ services: other.services, bodies: watched }), owner: 'cron' });
      // a manager presses "run now" at the moment another process's 15-minute slot fires
      const [now, scheduled] = await Promise.all([a.runNow('mark-overdue'), b.runDueJob('mark-overdue', other.clock.now())]);
      // the second to claim is refused while the first runs (or runs after it: that changes nothing)
      expect([now.status, scheduled?.status]).toContain('ok');
      expect(await alerts()).toEqual(Array.from({ length: round }, () => ({ user_id: manager.id })));
    }
    expect(sideBySide).toBe(0);
  });

  it('a daily job that fails once is tried again at the next sweep, a few times at most, and its row keeps the earlier error', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T09:00'));
    const sales = await addUser(services, { telegramUserId: 81 });
    let calls = 0;
    let failUntil = 1;
    const bodies: JobBodies = {
      'daily-summary': async (s, ctx) => {
        calls++;
        if (calls <= failUntil) throw new Error(`database went away (${calls})`);
        return s.kpi.dailySummary({ slot: ctx.slot });
      },
    };
    const jobs: Job[] = buildJobs({ services, bodies }).filter((j) => j.name === 'daily-summary');
    const s = createScheduler({ db: database.db, dialect, clock, log: silentLogger, tz: 'Asia/Tashkent', jobs });
    clock.set(tash('2026-03-04T18:00'));
    expect((await s.tick(clock.now())).map((o) => o.status)).toEqual(['failed']);
    expect(await runs('daily-summary')).toEqual([{ slot: tash('2026-03-04T18:00'), status: 'failed', owner: s.owner, error: 'database went away (1)' }]);
    expect(await queued('daily_summary')).toEqual([]);

    clock.set(tash('2026-03-04T18:00:30'));
    expect((await s.sweep()).map((o) => o.status)).toEqual(['ok']);
    expect(await queued('daily_summary')).toEqual([{ user: sales.id, date: '2026-03-04' }]);
    expect(await runs('daily-summary')).toEqual([
      { slot: tash('2026-03-04T18:00'), status: 'ok', owner: s.owner, error: 'earlier attempt failed: database went away (1)' },
    ]);
    clock.set(tash('2026-03-04T18:01:30'));
    expect(await s.sweep()).toEqual([]);

    // a job that keeps failing is not hammered: three attempts per process for a slot
    failUntil = 100;
    calls = 1;
    clock.set(tash('2026-03-05T18:00'));
    await s.tick(clock.now());
    for (const t of ['18:00:30', '18:01:30', '18:02:30', '18:03:30']) {
      clock.set(tash(`2026-03-05T${t}`));
      await s.sweep();
    }
    expect(calls - 1).toBe(3);
    expect((await runs('daily-summary'))[1]).toMatchObject({ status: 'failed', error: 'database went away (4)' });
  });

  it('a follow-up snoozed after its overdue notice, and missed again, tells its owner again (once)', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 61 });
    await services.leads.intake({ name: 'Snoozy', phone: '+998905554444', source: 'walk_in' }, sales); // due 10:05
    const [fu] = await database.db.selectFrom('follow_ups').select('id').where('sales_id', '=', sales.id).execute();
    const notices = async () =>
      (await database.db.selectFrom('outbox').select(['payload', 'not_before']).where('kind', '=', 'followup_overdue').orderBy('id').execute()).map(
        (r) => [JSON.parse(r.payload).dueAt, r.not_before],
      );

    clock.set(tash('2026-03-04T10:15'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 1 });
    expect(await notices()).toEqual([[tash('2026-03-04T10:05'), tash('2026-03-04T10:15')]]);
    // the salesperson puts it off to 11:00, and misses it again
    await services.followUps.snooze(fu.id, tash('2026-03-04T11:00'), sales);
    clock.set(tash('2026-03-04T11:15'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 1 });
    clock.set(tash('2026-03-04T11:30'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 0 });
    expect(await notices()).toEqual([
      [tash('2026-03-04T10:05'), tash('2026-03-04T10:15')],
      [tash('2026-03-04T11:00'), tash('2026-03-04T11:15')],
    ]);
  });
});
