import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { ManualClock, systemClock } from '../../core/clock.js';
import type { CoreLogger } from '../../core/deps.js';
import { AppError } from '../../core/errors.js';
import { createServices, type Services } from '../../core/services.js';
import { openDatabase, type Database } from '../../db/connection.js';
import { createScheduler, type Job, type JobContext, type SchedulerDeps } from '../../scheduler/runner.js';
import { buildJobs, JOB_TABLE, type JobBodies, type JobName } from '../../scheduler/jobs.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';

const TZ = 'Asia/Tashkent';
const root = fileURLToPath(new URL('../../', import.meta.url));
/** a Tashkent wall time, e.g. local('2026-11-25T23:59') */
const local = (wall: string) => DateTime.fromISO(wall, { zone: TZ }).toJSDate();
const z = (d: Date) => d.toISOString();

function captureLog() {
  const entries: { level: string; obj: any; msg?: string }[] = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void entries.push({ level, obj, msg });
  const log: CoreLogger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  return { log, entries };
}

/** Every job of the table with a body that counts its (job, slot) runs across all instances. */
function countingJobs(services: Services) {
  const calls = new Map<string, number>();
  const contexts: { job: string; ctx: JobContext }[] = [];
  const bodies: JobBodies = {};
  for (const row of JOB_TABLE) {
    bodies[row.name] = async (_s, ctx) => {
      const key = `${row.name}@${z(ctx.slot)}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      contexts.push({ job: row.name, ctx });
      return { job: row.name };
    };
  }
  const jobs = buildJobs({ services, bodies, config: { GOOGLE_SHEETS_ID: 'sheet-1' } });
  const slotsOf = (name: JobName) =>
    [...calls.keys()].filter((k) => k.startsWith(`${name}@`)).map((k) => k.slice(name.length + 1)).sort();
  return { jobs, calls, contexts, slotsOf };
}

function run(cmd: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...cmd], { cwd: root, env: env as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.each(dialects())('scheduler on %s', (dialect) => {
  let database: TestDatabase;
  let others: Database[];
  let clock: ManualClock;
  let services: Services;
  let captured: ReturnType<typeof captureLog>;

  beforeEach(async () => {
    database = await freshDatabase(dialect);
    others = [];
    clock = new ManualClock(local('2026-11-25T10:00'));
    captured = captureLog();
    services = createServices({ db: database.db, dialect, clock, log: captured.log, tz: TZ });
  });
  afterEach(async () => {
    for (const o of others) await o.destroy();
    await database.cleanup();
  });

  /** a second handle on the same database: another process, as far as the database can tell */
  const secondHandle = (): Database => {
    const o =
      dialect === 'sqlite'
        ? openDatabase({ dialect, sqlitePath: database.location })
        : openDatabase({ dialect, url: database.location });
    others.push(o);
    return o;
  };
  const scheduler = (jobs: Job[], over: Partial<SchedulerDeps> = {}) =>
    createScheduler({ db: database.db, dialect, clock, log: captured.log, tz: TZ, jobs, ...over });
  const rows = (job?: string) => {
    let q = database.db.selectFrom('job_runs').selectAll().orderBy('slot');
    if (job) q = q.where('job', '=', job);
    return q.execute();
  };

  it('two instances on one database run each (job, slot) exactly once', async () => {
    const { jobs, calls, slotsOf } = countingJobs(services);
    const other = secondHandle();
    const a = scheduler(jobs, { owner: 'a' });
    const b = scheduler(jobs, { owner: 'b', db: other.db });
    const outcomes = [];
    // 17:50 → 19:05 Tashkent, stepped from slot to slot, both instances ticking at every slot
    let t: Date | null = local('2026-11-25T17:50');
    while (t && t.getTime() <= local('2026-11-25T19:05').getTime()) {
      clock.set(t);
      outcomes.push(...(await Promise.all([a.tick(t), b.tick(t)])).flat());
      t = a.nextSlotAfter(t);
    }

    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    // counted by hand: the first tick also catches up each job's latest slot of the past 24 h
    const expected: Record<JobName, number> = {
      'mark-overdue': 6, // 17:45 18:00 18:15 18:30 18:45 19:00
      'followup-reminders': 16, // 17:50 … 19:05
      'first-response': 16,
      'trial-reminders': 4, // 17:30 18:00 18:30 19:00
      'post-trial': 6,
      'trial-attended-followup': 3, // 17:00 18:00 19:00
      'leave-notices': 3,
      'daily-kpi': 1, // yesterday 23:59
      reactivation: 1, // today 09:00
      'expire-offers': 1, // today 02:00
      'daily-summary': 2, // yesterday 18:00 and today 18:00
      'assign-queued': 76, // every minute 17:50 … 19:05
      'sheets-sync': 16,
    };
    const runs = await rows();
    for (const [name, n] of Object.entries(expected)) {
      expect({ name, runs: slotsOf(name as JobName).length }).toEqual({ name, runs: n });
      expect({ name, rows: runs.filter((r) => r.job === name).length }).toEqual({ name, rows: n });
    }
    expect(slotsOf('daily-summary')).toEqual(['2026-11-24T13:00:00.000Z', '2026-11-25T13:00:00.000Z']);
    expect(runs.every((r) => r.status === 'ok' && (r.owner === 'a' || r.owner === 'b'))).toBe(true);
    // both really tried: every slot one of them ran was refused to the other (a slot the other saw
    // still running is asked about once more when that run's lease is over: it may have died)
    expect(outcomes.filter((o) => o.status === 'ok').length).toBe(runs.length);
    const refused = new Set(outcomes.filter((o) => o.status === 'skipped').map((o) => `${o.job}@${o.slot}`));
    expect(refused.size).toBe(runs.length);

    // a third process arriving late at the last slot finds every slot taken (the unique key decides)
    const late = await scheduler(jobs, { owner: 'c' }).tick(local('2026-11-25T19:05'));
    expect(late.length).toBe(13);
    expect(late.every((o) => o.status === 'skipped' && o.reason === 'claimed')).toBe(true);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
  });

  it('catch-up: down over 23:59 → the daily KPI runs once at start, for that slot', async () => {
    const { jobs, calls, contexts, slotsOf } = countingJobs(services);
    clock.set(local('2026-11-25T22:00'));
    const before = scheduler(jobs);
    await before.tick(clock.now());
    await before.stop();
    expect(slotsOf('daily-kpi')).toEqual([z(local('2026-11-24T23:59'))]);

    clock.set(local('2026-11-26T08:30')); // back up the next morning
    const after = scheduler(jobs);
    const outcomes = await after.catchUp();
    const kpi = outcomes.filter((o) => o.job === 'daily-kpi');
    expect(kpi).toEqual([expect.objectContaining({ status: 'ok', slot: '2026-11-25T18:59:00.000Z' })]);
    // the body is told which day it stands for, not just when it ran
    const ctx = contexts.filter((c) => c.job === 'daily-kpi').at(-1)!.ctx;
    expect(z(ctx.slot)).toBe('2026-11-25T18:59:00.000Z');
    expect(z(ctx.now)).toBe(z(local('2026-11-26T08:30')));

    await after.catchUp();
    await scheduler(jobs).catchUp(); // a third start, later the same minute
    expect(slotsOf('daily-kpi')).toEqual(['2026-11-24T18:59:00.000Z', '2026-11-25T18:59:00.000Z']);
    expect(calls.get('daily-kpi@2026-11-25T18:59:00.000Z')).toBe(1);
    expect((await rows('daily-kpi')).map((r) => [r.slot, r.status])).toEqual([
      ['2026-11-24T18:59:00.000Z', 'ok'],
      ['2026-11-25T18:59:00.000Z', 'ok'],
    ]);
  });

  it('catch-up: down over 09:00 → reactivation once; a frequent job replays only its latest slot', async () => {
    const { jobs, slotsOf } = countingJobs(services);
    clock.set(local('2026-11-26T08:00'));
    const before = scheduler(jobs);
    await before.tick(clock.now());
    await before.stop();
    expect(slotsOf('reactivation')).toEqual([z(local('2026-11-25T09:00'))]);
    expect(slotsOf('mark-overdue')).toEqual([z(local('2026-11-26T08:00'))]);

    clock.set(local('2026-11-26T09:07')); // down for an hour and 7 minutes
    const after = scheduler(jobs);
    await after.catchUp();
    await after.catchUp();
    expect(slotsOf('reactivation')).toEqual([z(local('2026-11-25T09:00')), z(local('2026-11-26T09:00'))]);
    // not 08:15, 08:30, 08:45: only the latest missed slot
    expect(slotsOf('mark-overdue')).toEqual([z(local('2026-11-26T08:00')), z(local('2026-11-26T09:00'))]);
    expect(slotsOf('assign-queued')).toEqual([z(local('2026-11-26T08:00')), z(local('2026-11-26T09:07'))]);
    expect(slotsOf('followup-reminders')).toEqual([z(local('2026-11-26T08:00')), z(local('2026-11-26T09:05'))]);
    expect((await rows('mark-overdue')).length).toBe(2);
  });

  it('catch-up reaches back 24 h at most', async () => {
    let ran = 0;
    const weekly: Job = { name: 'weekly', pattern: '0 9 * * 1', run: async () => ++ran };
    clock.set(local('2026-11-26T10:00')); // Thursday; the last Monday 09:00 is three days back
    expect(await scheduler([weekly]).catchUp()).toEqual([]);
    clock.set(local('2026-11-30T10:00')); // Monday, an hour after its slot
    expect(await scheduler([weekly]).catchUp()).toEqual([expect.objectContaining({ status: 'ok', slot: z(local('2026-11-30T09:00')) })]);
    expect(ran).toBe(1);
  });

  it('a job that throws is recorded as failed and the other jobs of that tick still run', async () => {
    const done: string[] = [];
    const jobs: Job[] = [
      { name: 'boom', pattern: '*/5 * * * *', run: async () => Promise.reject(new Error('kaput: no connection')) },
      { name: 'fine', pattern: '*/5 * * * *', run: async ({ slot }) => (done.push(z(slot)), { handled: 3 }) },
      { name: 'sync-throw', pattern: '*/5 * * * *', run: () => { throw new TypeError('bad input'); } },
    ];
    const s = scheduler(jobs);
    const outcomes = await s.tick(local('2026-11-25T10:00'));
    expect(outcomes.map((o) => [o.job, o.status])).toEqual([['boom', 'failed'], ['fine', 'ok'], ['sync-throw', 'failed']]);
    const byJob = Object.fromEntries((await rows()).map((r) => [r.job, r]));
    expect(byJob.boom).toMatchObject({ status: 'failed', error: 'kaput: no connection', slot: z(local('2026-11-25T10:00')) });
    expect(byJob.boom.finished_at).not.toBeNull();
    expect(byJob.boom.duration_ms).toBeGreaterThanOrEqual(0);
    expect(byJob['sync-throw']).toMatchObject({ status: 'failed', error: 'bad input' });
    expect(byJob.fine).toMatchObject({ status: 'ok', error: null, result: '{"handled":3}' });
    const logged = captured.entries.filter((e) => e.level === 'error').map((e) => e.obj.job);
    expect(logged.sort()).toEqual(['boom', 'sync-throw']);

    // the scheduler keeps going: next slot, every job again
    clock.set(local('2026-11-25T10:05'));
    expect((await s.tick(clock.now())).map((o) => o.status)).toEqual(['failed', 'ok', 'failed']);
    expect(done).toEqual([z(local('2026-11-25T10:00')), z(local('2026-11-25T10:05'))]);
  });

  it('a job whose core function is missing fails (recorded), and runs once it exists', async () => {
    const missing = buildJobs({ services: { followUps: {} } as unknown as Services });
    const out = await scheduler(missing).runNow('mark-overdue');
    expect(out).toMatchObject({ status: 'failed', error: expect.stringContaining('markOverdue') });
    expect((await rows('mark-overdue'))[0]).toMatchObject({ status: 'failed' });
    expect(missing.some((j) => j.name === 'sheets-sync')).toBe(false); // not configured → not scheduled

    const present = buildJobs({
      services: { followUps: { markOverdue: async () => ({ marked: 2 }) } } as unknown as Services,
    });
    clock.set(local('2026-11-25T10:15'));
    const [first] = await scheduler(present).tick(clock.now()).then((o) => o.filter((x) => x.job === 'mark-overdue'));
    expect(first).toMatchObject({ status: 'ok', slot: '2026-11-25T05:15:00.000Z', result: { marked: 2 } });
  });

  it('a job still running when its next slot comes is not started twice (this process or another)', async () => {
    let starts = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const isStarted = new Promise<void>((r) => (started = r));
    const slow: Job = {
      name: 'slow',
      pattern: '*/5 * * * *',
      run: async ({ slot }) => {
        starts++;
        started();
        if (z(slot) === z(local('2026-11-25T10:00'))) await gate;
        return { slot: z(slot) };
      },
    };
    const a = scheduler([slow], { owner: 'a' });
    const b = scheduler([slow], { owner: 'b', db: secondHandle().db });
    const first = a.tick(local('2026-11-25T10:00'));
    await isStarted;

    clock.set(local('2026-11-25T10:05'));
    expect(await a.tick(clock.now())).toEqual([expect.objectContaining({ status: 'skipped', reason: 'busy' })]);
    // the other instance sees the live 'running' row (within its lease) and does not start it either
    expect(await b.tick(clock.now())).toEqual([expect.objectContaining({ status: 'skipped', reason: 'busy' })]);
    expect(await a.runNow('slow').catch((e) => e)).toMatchObject({ status: 'skipped', reason: 'busy' });
    expect(starts).toBe(1);
    expect((await rows('slow')).map((r) => [r.slot, r.status])).toEqual([[z(local('2026-11-25T10:00')), 'running']]);

    release();
    expect(await first).toEqual([expect.objectContaining({ status: 'ok' })]);
    // once it is free, the latest slot it could not start runs (once)
    clock.set(local('2026-11-25T10:06'));
    const [again] = await Promise.all([b.tick(clock.now()), a.tick(clock.now())]).then((o) => o.flat().filter((x) => x.status === 'ok'));
    expect(again).toMatchObject({ slot: z(local('2026-11-25T10:05')) });
    expect(starts).toBe(2);
  });

  it('a running row past its lease (its process died) no longer blocks, and is marked abandoned', async () => {
    await database.db
      .insertInto('job_runs')
      .values({ job: 'slow', slot: z(local('2026-11-25T09:00')), status: 'running', owner: 'dead', started_at: z(local('2026-11-25T09:00')) })
      .execute();
    let starts = 0;
    const slow: Job = { name: 'slow', pattern: '*/5 * * * *', leaseMs: 30 * 60_000, run: async () => ++starts };
    clock.set(local('2026-11-25T09:20'));
    expect(await scheduler([slow]).tick(clock.now())).toEqual([expect.objectContaining({ status: 'skipped', reason: 'busy' })]);
    clock.set(local('2026-11-25T09:35'));
    expect(await scheduler([slow]).tick(clock.now())).toEqual([expect.objectContaining({ status: 'ok' })]);
    expect(starts).toBe(1);
    const [dead, ok] = await rows('slow');
    expect(dead).toMatchObject({ owner: 'dead', status: 'failed', error: expect.stringContaining('abandoned') });
    expect(ok).toMatchObject({ slot: z(local('2026-11-25T09:35')), status: 'ok' });
  });

  it('runNow runs one job for slot = now; an unknown name lists the jobs', async () => {
    const { jobs } = countingJobs(services);
    clock.set(new Date('2026-11-25T07:12:34.567Z'));
    const s = scheduler(jobs);
    expect(await s.runNow('reactivation')).toMatchObject({ status: 'ok', slot: '2026-11-25T07:12:34.567Z', result: { job: 'reactivation' } });
    expect((await rows('reactivation'))[0]).toMatchObject({ slot: '2026-11-25T07:12:34.567Z', status: 'ok', result: '{"job":"reactivation"}' });
    let err: unknown;
    try {
      s.runNow('nope');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as Error).message).toMatch(/unknown job "nope".*mark-overdue.*daily-kpi/);
  });

  it('croner triggers the jobs at their slots in production mode, and stop() ends it', async () => {
    const seen: string[] = [];
    const everySecond: Job = { name: 'tick', pattern: '* * * * * *', run: async ({ slot }) => seen.push(z(slot)) };
    const s = createScheduler({ db: database.db, dialect, clock: systemClock, log: captured.log, tz: TZ, jobs: [everySecond] });
    await s.start();
    const until = Date.now() + 5_000;
    while (seen.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await s.stop();
    const count = seen.length;
    expect(count).toBeGreaterThanOrEqual(3);
    const recorded = await rows('tick');
    expect(recorded.map((r) => r.slot)).toEqual([...seen].sort());
    for (const r of recorded) {
      expect(r.slot).toMatch(/:\d\d\.000Z$/); // a whole-second slot, not the wall time it ran
      expect(r.slot <= r.started_at).toBe(true);
      expect(r.status).toBe('ok');
    }
    await new Promise((r) => setTimeout(r, 1_300));
    expect(seen.length).toBe(count);
  });

  it('npm run crm -- job <name> runs one job now through the framework and prints what it did', async () => {
    const env = {
      ...process.env,
      DATABASE_URL: dialect === 'sqlite' ? `sqlite:${database.location}` : database.location,
      GOOGLE_SHEETS_ID: '',
      LOG_LEVEL: 'silent',
    };
    const unknown = await run(['cli.ts', 'job', 'no-such-job'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown job "no-such-job"; jobs: mark-overdue, .*daily-kpi/);
    const sheets = await run(['cli.ts', 'job', 'sheets-sync'], env);
    expect(sheets.code).toBe(1);
    expect(sheets.stderr).toMatch(/GOOGLE_SHEETS_ID/);

    const kpi = await run(['cli.ts', 'job', 'daily-kpi'], env);
    const [row] = await rows('daily-kpi');
    expect(row).toBeDefined();
    expect(kpi.stdout).toContain(`daily-kpi ${row.status} (slot ${row.slot}`);
    // exit code follows the recorded outcome (the body may not be written yet: then it is 'failed')
    expect(kpi.code).toBe(row.status === 'ok' ? 0 : 1);
    expect(row.owner).toMatch(/^cli:\d+$/);
  });
});

describe('scheduler time zone', () => {
  it('fires at the same Tashkent wall times whatever the host zone (TZ=UTC, TZ=America/New_York)', async () => {
    const child = (tz: string) =>
      run(['tests/support/scheduler-tz-child.ts'], { ...process.env, TZ: tz }).then((r) => {
        if (r.code !== 0) throw new Error(`child under TZ=${tz} failed: ${r.stderr}`);
        return JSON.parse(r.stdout) as { hostZone: string; runs: string[] };
      });
    const [utc, ny] = await Promise.all([child('UTC'), child('America/New_York')]);
    // the children really ran under those zones
    expect([utc.hostZone, ny.hostZone]).toEqual(['UTC', 'America/New_York']);
    expect(ny.runs).toEqual(utc.runs);
    const slots = (runs: string[], job: string) => runs.filter((r) => r.startsWith(`${job}@`)).map((r) => r.split('@')[1]);
    for (const { runs } of [utc, ny]) {
      // 23:59, 09:00, 02:00, 18:00 in Tashkent (UTC+5), from the 2026-11-25 00:00 start to 2026-11-26 00:30
      expect(slots(runs, 'daily-kpi')).toEqual(['2026-11-24T18:59:00.000Z', '2026-11-25T18:59:00.000Z']);
      expect(slots(runs, 'reactivation')).toEqual(['2026-11-24T04:00:00.000Z', '2026-11-25T04:00:00.000Z']);
      expect(slots(runs, 'expire-offers')).toEqual(['2026-11-23T21:00:00.000Z', '2026-11-24T21:00:00.000Z']);
      expect(slots(runs, 'daily-summary')).toEqual(['2026-11-24T13:00:00.000Z', '2026-11-25T13:00:00.000Z']);
      expect(slots(runs, 'leave-notices')).toHaveLength(25); // 00:00 … 00:00 next day, hourly
    }
  });
});
