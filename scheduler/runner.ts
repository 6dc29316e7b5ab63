import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Cron } from 'croner';
import { sql } from 'kysely';
import { withTx, type Db, type Dialect, type Tx } from '../db/connection.js';
import type { Clock } from '../core/clock.js';
import type { CoreLogger } from '../core/deps.js';
import { AppError } from '../core/errors.js';

export interface JobContext {
  /** the scheduled time this run stands for (not the wall time it started) */
  slot: Date;
  /** the clock time the run started */
  now: Date;
}

export interface Job {
  name: string;
  /** croner pattern, read in the scheduler's time zone (deps.tz), never the host's */
  pattern: string;
  /** resolves to a small JSON-able summary of what it did (kept in job_runs.result) */
  run(ctx: JobContext): Promise<unknown>;
  /** a 'running' row of this job younger than this blocks a new start (another process has it) */
  leaseMs?: number;
  /** how far back a missed slot is still worth running (catch-up after a restart) */
  catchUpMs?: number;
}

export interface SchedulerDeps {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  log: CoreLogger;
  tz: string;
  jobs: Job[];
  /** names this process in job_runs.owner */
  owner?: string;
  /** default lease for jobs that set none */
  leaseMs?: number;
  /** default catch-up window for jobs that set none */
  catchUpMs?: number;
}

export type RunOutcome =
  | { job: string; slot: string; status: 'ok'; result: unknown; durationMs: number }
  | { job: string; slot: string; status: 'failed'; error: string; durationMs: number }
  /** claimed: another instance has this (job, slot); busy: the job is still running an earlier slot */
  | { job: string; slot: string; status: 'skipped'; reason: 'claimed' | 'busy' };

export const DEFAULT_LEASE_MS = 15 * 60_000;
export const DEFAULT_CATCH_UP_MS = 24 * 60 * 60_000;
/** attempts one process gives a failed slot (the first run included) while it is still the latest */
export const MAX_ATTEMPTS_PER_PROCESS = 3;
/** how often a started scheduler looks for slots left undone (failed, or held by a process that died) */
const SWEEP_PATTERN = '30 * * * * *';
const MAX_TEXT = 4000;
/** first key of the two-key advisory lock a PostgreSQL claim holds (the second is the job's name) */
const CLAIM_LOCK = 0x6a6f62;

type Claimed = number | { claimed: 'claimed'; pendingUntil?: number } | 'busy';

export type Scheduler = ReturnType<typeof createScheduler>;

/**
 * Decides WHEN each job runs and makes every (job, slot) run once across all processes sharing
 * the database: the slot is claimed by an insert that the unique (job, slot) key lets only one
 * process win. The same code path serves croner's timers (production), `tick(now)` (tests with a
 * stepped clock), catch-up at start and `runNow` (CLI, back office).
 */
export function createScheduler(deps: SchedulerDeps) {
  const { db, clock, log, tz } = deps;
  const owner = deps.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const jobs = new Map<string, Job>();
  // paused Cron objects only compute slots; they never start a timer of their own
  const patterns = new Map<string, Cron>();
  for (const job of deps.jobs) {
    if (jobs.has(job.name)) throw new Error(`scheduler: job "${job.name}" is defined twice`);
    jobs.set(job.name, job);
    patterns.set(job.name, new Cron(job.pattern, { timezone: tz, paused: true }));
  }
  const inFlight = new Map<string, Promise<RunOutcome>>();
  // the last slot this instance saw settled (run here or by another instance): saves a query per tick
  const settled = new Map<string, string>();
  // failed attempts this instance made at a job's latest slot: a failed slot is tried again (a daily
  // job has no next slot for a day), a few times, not on every sweep forever
  const failures = new Map<string, { slot: string; n: number }>();
  // a slot another instance is running: not asked about again before that run's lease is over
  const runningElsewhere = new Map<string, { slot: string; until: number }>();
  const timers: Cron[] = [];
  let stopped = false;

  const leaseOf = (job: Job) => job.leaseMs ?? deps.leaseMs ?? DEFAULT_LEASE_MS;
  const windowOf = (job: Job) => job.catchUpMs ?? deps.catchUpMs ?? DEFAULT_CATCH_UP_MS;

  /** The latest slot at or before `now`, if it is recent enough to still be worth running. */
  function latestSlot(name: string, now: Date): Date | null {
    const job = jobs.get(name);
    const cron = patterns.get(name);
    if (!job || !cron) return null;
    // croner excludes a run exactly at the reference instant; +1 ms makes "at or before now"
    const [slot] = cron.previousRuns(1, new Date(now.getTime() + 1));
    if (!slot || slot.getTime() > now.getTime()) return null;
    if (now.getTime() - slot.getTime() > windowOf(job)) return null;
    return slot;
  }

  /** The earliest slot of any job strictly after `after` (tests step the clock slot to slot). */
  function nextSlotAfter(after: Date, names: string[] = [...jobs.keys()]): Date | null {
    let best: Date | null = null;
    for (const name of names) {
      const next = patterns.get(name)?.nextRun(after) ?? null;
      if (next && (!best || next.getTime() < best.getTime())) best = next;
    }
    return best;
  }

  /**
   * Inserts the (job, slot) row unless the key exists or a live 'running' row of the job does; a
   * slot whose row is 'failed' (it threw, or its process died and the lease ran out) is taken over
   * for another attempt. 'claimed' is final (the slot ran or is running in time) unless `pending`:
   * its row is still 'running', and if that process died the slot must be retried after the lease.
   */
  async function claim(job: Job, slot: string, now: Date): Promise<Claimed> {
    if (deps.dialect !== 'postgres') return claimOn(db, job, slot, now);
    // PostgreSQL: the "no live run of this job" check and the insert are two snapshots apart, so a
    // "run now" (another slot) racing a scheduled run could both start; one claim per job at a time
    return withTx(db, 'postgres', async (t) => {
      await sql`select pg_advisory_xact_lock(${CLAIM_LOCK}, hashtext(${job.name}))`.execute(t);
      return claimOn(t, job, slot, now);
    });
  }

  async function claimOn(db: Tx, job: Job, slot: string, now: Date): Promise<Claimed> {
    const nowIso = now.toISOString();
    const cutoff = new Date(now.getTime() - leaseOf(job)).toISOString();
    // a 'running' row past its lease belongs to a process that died; say so for the back office
    await db
      .updateTable('job_runs')
      .set({ status: 'failed', finished_at: nowIso, error: 'abandoned: not finished within its lease (process stopped?)' })
      .where('job', '=', job.name)
      .where('status', '=', 'running')
      .where('started_at', '<=', cutoff)
      .execute();
    // one statement: on SQLite atomic by itself (one writer), on PostgreSQL under the claim lock
    const inserted = await db
      .insertInto('job_runs')
      .columns(['job', 'slot', 'status', 'owner', 'started_at'])
      .expression(
        db
          .selectNoFrom([
            sql<string>`${job.name}`.as('job'),
            sql<string>`${slot}`.as('slot'),
            sql<string>`${'running'}`.as('status'),
            sql<string>`${owner}`.as('owner'),
            sql<string>`${nowIso}`.as('started_at'),
          ])
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('job_runs')
                  .select('id')
                  .where('job', '=', job.name)
                  .where('status', '=', 'running')
                  .where('started_at', '>', cutoff),
              ),
            ),
          ),
      )
      .onConflict((oc) => oc.columns(['job', 'slot']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) return Number(inserted.id);
    const existing = await db.selectFrom('job_runs').select(['id', 'status', 'started_at']).where('job', '=', job.name).where('slot', '=', slot).executeTakeFirst();
    if (!existing) return 'busy';
    if (existing.status === 'running') return { claimed: 'claimed', pendingUntil: Date.parse(existing.started_at) + leaseOf(job) };
    if (existing.status !== 'failed') return { claimed: 'claimed' };
    // the update is conditional on the row still being 'failed': of several processes, one wins
    const retried = await db
      .updateTable('job_runs')
      .set({
        status: 'running',
        owner,
        started_at: nowIso,
        finished_at: null,
        duration_ms: null,
        // the earlier failure stays readable on the row, whatever this attempt does
        error: sql<string>`${'earlier attempt failed: '} || coalesce(error, ${'?'})`,
      })
      .where('id', '=', existing.id)
      .where('status', '=', 'failed')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('job_runs as r').select('r.id').where('r.job', '=', job.name).where('r.status', '=', 'running').where('r.started_at', '>', cutoff))),
      )
      .returning('id')
      .executeTakeFirst();
    return retried ? Number(retried.id) : { claimed: 'claimed' };
  }

  async function finish(id: number, status: 'ok' | 'failed', durationMs: number, fields: { result?: string; error?: string }) {
    try {
      await db
        .updateTable('job_runs')
        // a success leaves the error column alone: after a retry it tells what went wrong before
        .set({ status, finished_at: clock.now().toISOString(), duration_ms: durationMs, result: fields.result ?? null, ...(fields.error === undefined ? {} : { error: fields.error }) })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      log.error({ err, jobRunId: id }, 'scheduler: could not record the end of a job run');
    }
  }

  /** Claims and runs one (job, slot); never throws (a failing job must not stop the others). */
  function attempt(job: Job, slot: Date, now: Date): Promise<RunOutcome> {
    const slotIso = slot.toISOString();
    if (inFlight.has(job.name)) {
      log.warn({ job: job.name, slot: slotIso }, 'scheduler: job still running, slot not started twice');
      return Promise.resolve({ job: job.name, slot: slotIso, status: 'skipped', reason: 'busy' });
    }
    // set before the first await so a concurrent tick in this process sees it
    const running = (async (): Promise<RunOutcome> => {
      const t0 = performance.now();
      const elapsed = () => Math.round(performance.now() - t0);
      let id: number;
      try {
        const claimed = await claim(job, slotIso, now);
        if (typeof claimed !== 'number') {
          const reason = claimed === 'busy' ? 'busy' : 'claimed';
          if (claimed !== 'busy') {
            if (claimed.pendingUntil === undefined) settled.set(job.name, slotIso);
            else runningElsewhere.set(job.name, { slot: slotIso, until: claimed.pendingUntil });
          }
          log.debug({ job: job.name, slot: slotIso, reason }, 'scheduler: slot skipped');
          return { job: job.name, slot: slotIso, status: 'skipped', reason };
        }
        id = claimed;
      } catch (err) {
        log.error({ err, job: job.name, slot: slotIso }, 'scheduler: could not claim the slot');
        return { job: job.name, slot: slotIso, status: 'failed', error: `claim failed: ${messageOf(err)}`, durationMs: elapsed() };
      }
      settled.set(job.name, slotIso);
      try {
        const result = await job.run({ slot, now });
        const durationMs = elapsed();
        failures.delete(job.name);
        await finish(id, 'ok', durationMs, { result: summarize(result) });
        log.info({ job: job.name, slot: slotIso, durationMs, result }, 'scheduler: job done');
        return { job: job.name, slot: slotIso, status: 'ok', result: result ?? null, durationMs };
      } catch (err) {
        const durationMs = elapsed();
        const error = messageOf(err);
        const before = failures.get(job.name);
        const n = before?.slot === slotIso ? before.n + 1 : 1;
        failures.set(job.name, { slot: slotIso, n });
        // not settled yet: the sweep gives the slot another attempt (a minute or more later)
        if (n < MAX_ATTEMPTS_PER_PROCESS) settled.delete(job.name);
        await finish(id, 'failed', durationMs, { error: clip(error) });
        log.error({ err, job: job.name, slot: slotIso, durationMs }, `scheduler: job ${job.name} failed`);
        return { job: job.name, slot: slotIso, status: 'failed', error, durationMs };
      }
    })();
    inFlight.set(job.name, running);
    void running.finally(() => {
      if (inFlight.get(job.name) === running) inFlight.delete(job.name);
    });
    return running;
  }

  /** Runs `name` for its latest slot at or before `now` unless that slot already ran. */
  function runDueJob(name: string, now: Date): Promise<RunOutcome | null> {
    const job = jobs.get(name);
    const slot = job && latestSlot(name, now);
    if (!job || !slot || settled.get(name) === slot.toISOString()) return Promise.resolve(null);
    const elsewhere = runningElsewhere.get(name);
    if (elsewhere?.slot === slot.toISOString() && now.getTime() <= elsewhere.until) return Promise.resolve(null);
    return attempt(job, slot, now);
  }

  /**
   * Every job whose latest slot at or before `now` has not run yet runs once for that slot; jobs
   * run side by side and each one's failure is its own. Missed older slots are not replayed.
   */
  async function runDue(now: Date = clock.now()): Promise<RunOutcome[]> {
    const outcomes = await Promise.all([...jobs.keys()].map((name) => runDueJob(name, now)));
    return outcomes.filter((o): o is RunOutcome => o !== null);
  }

  /** Runs one job right now (slot = now), through the same claim; for the CLI and "run now". */
  function runNow(name: string, now: Date = clock.now()): Promise<RunOutcome> {
    const job = jobs.get(name);
    if (!job) {
      throw new AppError('NOT_FOUND', `unknown job "${name}"; jobs: ${[...jobs.keys()].join(', ')}`, { job: 'unknown' });
    }
    return attempt(job, now, now);
  }

  /** At start: each job's latest slot within its catch-up window that never ran runs once now. */
  async function catchUp(now: Date = clock.now()): Promise<RunOutcome[]> {
    const outcomes = await runDue(now);
    const ran = outcomes.filter((o) => o.status !== 'skipped').map((o) => `${o.job}@${o.slot}`);
    if (ran.length) log.info({ ran }, 'scheduler: caught up missed slots');
    return outcomes;
  }

  /**
   * Slots left undone get another attempt: one that failed here (a few times), or one whose row
   * another process left 'running' when it died (once its lease is over). Jobs running here are
   * left alone. A daily job would otherwise wait a day for its next slot, its day's work lost.
   */
  async function sweep(now: Date = clock.now()): Promise<RunOutcome[]> {
    const names = [...jobs.keys()].filter((name) => !inFlight.has(name));
    const outcomes = await Promise.all(names.map((name) => runDueJob(name, now)));
    return outcomes.filter((o): o is RunOutcome => o !== null);
  }

  /** Production: catch up, then let croner's timers (in deps.tz) trigger each job at its slots. */
  async function start(): Promise<RunOutcome[]> {
    stopped = false;
    for (const job of jobs.values()) {
      const cron = new Cron(job.pattern, { timezone: tz, catch: true }, async () => {
        // croner fires at or just after the slot, so "latest slot <= now" is the slot it fired for
        if (!stopped) await runDueJob(job.name, clock.now());
      });
      timers.push(cron);
    }
    timers.push(
      new Cron(SWEEP_PATTERN, { timezone: tz, catch: true }, async () => {
        if (!stopped) await sweep();
      }),
    );
    log.info({ jobs: jobs.size, tz, owner }, 'scheduler started');
    return catchUp();
  }

  /** Stops the timers and waits for the runs in progress to finish and be recorded. */
  async function stop(): Promise<void> {
    stopped = true;
    for (const cron of timers.splice(0)) cron.stop();
    await Promise.allSettled([...inFlight.values()]);
  }

  return {
    owner,
    names: () => [...jobs.keys()],
    isRunning: (name: string) => inFlight.has(name),
    latestSlot,
    nextSlotAfter,
    runDue,
    tick: runDue,
    runDueJob,
    runNow,
    catchUp,
    sweep,
    start,
    stop,
  };
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function clip(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function summarize(result: unknown): string {
  try {
    return clip(JSON.stringify(result ?? null));
  } catch {
    return clip(String(result));
  }
}
