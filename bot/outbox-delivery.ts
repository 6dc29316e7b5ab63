import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { Api, GrammyError, HttpError } from 'grammy';
import type pg from 'pg';
import { pgPoolOf, type Db, type Dialect } from '../db/connection.js';
import type { Clock } from '../core/clock.js';
import type { CoreLogger } from '../core/deps.js';
import {
  claimDue,
  claimOf,
  languagesOf,
  markFailed,
  markRetry,
  markSent,
  nextDueAt,
  reclaimExpired,
  release,
  settleChatless,
  type Claim,
  type ClaimedRow,
} from '../core/outbox/delivery-repo.js';
import { createRenderer, type RenderFn, type RenderedMessage } from './render.js';

/**
 * Sends outbox rows to Telegram within its limits (SPEC §7): about 30 messages a second in total
 * and one a second per chat, 429 answered by waiting retry_after, network errors and 5xx retried
 * with backoff, a row sent once (twice at most when a send's outcome was unknown), failed with the
 * reason after maxAttempts.
 *
 * Pacing uses the monotonic clock (it is about real seconds between requests); every instant
 * written to the database comes from the injected clock.
 *
 * The global limit holds across processes. On PostgreSQL every process starts a worker, but only the
 * one holding a session-level advisory lock (on a connection kept for as long as it leads) sends;
 * the others try to take the lock every poll and one takes over within about a poll and a second
 * when the leader stops or dies (PostgreSQL frees the lock with its session). A leader sends at
 * most globalPerSecond, so the bot does too, with no configuration. Leader election rather than a
 * shared bucket in the database: 30/s is what one process can send anyway, it costs no write per
 * message, and the sliding window below (a slot held from a send's start to a second after its
 * answer) cannot be shared through rows without a round trip per send.
 *   A new leader sends nothing for its first window, as the old one's last second may still count.
 *   A leader whose lock connection errors or stops answering stops at once: rows not yet on the
 *   wire go back, and it becomes a candidate again. Claims still never let two workers send one
 *   row, and the claim checks the chat's last sent_at, so the per-chat limit holds over a takeover.
 * SQLite (one file, normally one process) keeps the limit per process: run one process on it.
 */

export interface DeliveryLimits {
  /** messages per second over all chats (Telegram: ~30) */
  globalPerSecond: number;
  /** messages per second to one chat (Telegram: 1) */
  perChatPerSecond: number;
  /** added to every window (global and per chat) as a safety allowance */
  marginMs: number;
  /** rows claimed and not yet settled by this worker */
  maxInFlight: number;
  /** send attempts (429 waits excluded) before a row is failed */
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** a row claimed longer ago than this is taken to belong to a dead worker; keep it well above the send timeout */
  leaseMs: number;
  /** the longest an idle worker waits before looking for due rows again */
  pollMs: number;
  /** how often expired claims and chatless rows are settled */
  housekeepingMs: number;
  /** 429s for this many different chats within one second pause every chat, not just theirs */
  globalPauseAfter429Chats: number;
}

export const defaultLimits: DeliveryLimits = {
  globalPerSecond: 30,
  perChatPerSecond: 1,
  marginMs: 20,
  maxInFlight: 30,
  maxAttempts: 10,
  backoffBaseMs: 2_000,
  backoffMaxMs: 30 * 60_000,
  leaseMs: 5 * 60_000,
  pollMs: 1_000,
  housekeepingMs: 15_000,
  globalPauseAfter429Chats: 3,
};

/** Longest wait for one Bot API answer; an answer that never comes is an unknown outcome. */
export const SEND_TIMEOUT_SECONDS = 30;

export interface OutboxDeliveryDeps {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  log: CoreLogger;
  api: Pick<Api, 'sendMessage'>;
  render: RenderFn;
  limits?: Partial<DeliveryLimits>;
  /** names this worker in outbox.claimed_by */
  workerId?: string;
}

export interface DeliveryStats {
  sent: number;
  retried: number;
  rateLimited: number;
  failed: number;
  lostClaims: number;
}

export interface OutboxDelivery {
  start(): void;
  /** stops claiming, gives back rows not yet sent, and waits for sends already on the wire */
  stop(): Promise<void>;
  /** rows were just queued: look now instead of at the next poll */
  wake(): void;
  readonly stats: DeliveryStats;
  readonly workerId: string;
}

const mono = () => performance.now();

/** the two-key session advisory lock the PostgreSQL delivery leader holds ('out', 1) */
const LEADER_LOCK = [0x6f7574, 1] as const;
/** how often a leader checks its lock connection still answers, and how long it waits for it */
const LEADER_CHECK_MS = 1_000;
const LEADER_CHECK_TIMEOUT_MS = 5_000;

interface Leadership {
  /** true while this process leads; tries to take the lock when it does not */
  ensure(): Promise<boolean>;
  /** unlocks and closes the lock connection */
  release(): Promise<void>;
}

/**
 * Leader election on a PostgreSQL session-level advisory lock. The lock lives on a connection of
 * its own, held (outside the pool's rotation) for as long as this process leads: the lock goes
 * with its session, so a process or connection that dies frees it for the next candidate.
 */
function createPgLeadership(
  pool: pg.Pool,
  hooks: { onGained(): void; onLost(): void; log: CoreLogger; workerId: string },
): Leadership {
  let held: pg.PoolClient | null = null;
  let checkedAt = 0;

  /** closes the client (ending its session, and the lock with it if the server still has it) */
  function discard(client: pg.PoolClient) {
    client.release(true);
    // the pool hears errors of clients it hands back and re-emits them as its own, which nobody
    // listens for (a crash); this one is out of the pool already, so a late socket error is moot
    client.removeAllListeners('error');
    client.on('error', () => undefined);
  }

  function lose(client: pg.PoolClient, reason: unknown) {
    if (held !== client) return;
    held = null;
    discard(client);
    hooks.log.warn({ worker: hooks.workerId, err: reason }, 'outbox delivery: lost the delivery lock connection, stopped sending');
    hooks.onLost();
  }

  async function stillAnswers(client: pg.PoolClient): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), LEADER_CHECK_TIMEOUT_MS)));
    const ping = client.query('select 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([ping, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async ensure() {
      if (held) {
        const client = held;
        if (mono() - checkedAt < LEADER_CHECK_MS) return true;
        checkedAt = mono();
        if (await stillAnswers(client)) return held === client;
        lose(client, new Error('the lock connection did not answer'));
        return false;
      }
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch {
        return false; // the database is away; the loop tries again next poll
      }
      // a held client has no listener of the pool's: an error nobody heard would crash the process
      const onError = (err: Error) => lose(client, err);
      client.on('error', onError);
      let got = false;
      try {
        const r = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [...LEADER_LOCK]);
        got = r.rows[0]?.ok === true;
      } catch {
        discard(client);
        return false;
      }
      if (!got) {
        client.off('error', onError);
        client.release();
        return false;
      }
      held = client;
      checkedAt = mono();
      hooks.log.info({ worker: hooks.workerId }, 'outbox delivery: took the delivery lock, this process sends');
      hooks.onGained();
      return true;
    },
    async release() {
      const client = held;
      if (!client) return;
      held = null;
      await client.query('select pg_advisory_unlock($1, $2)', [...LEADER_LOCK]).catch(() => undefined);
      // closed rather than pooled: a lock left by a failed unlock must not outlive this worker
      discard(client);
    },
  };
}

class Stopped extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Stopped());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Stopped());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * At most `max` sends in any window of `windowMs`, in call order.
 *
 * A send occupies its slot from the moment it starts until `windowMs` after its answer came back,
 * so however late a request reaches Telegram (event-loop stalls, slow network), it reached it before
 * its answer: no later request can land within the same second as Telegram counts it. A sliding
 * window, not a token bucket: a bucket of 30 refilled at 30/s lets 60 through in one second.
 */
class SendWindow {
  /** answer times of finished sends still inside the window, ascending */
  private finished: number[] = [];
  private onWire = 0;
  private pausedUntil = 0;
  private turn: Promise<unknown> = Promise.resolve();
  private nudge: (() => void) | null = null;
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  pause(until: number) {
    this.pausedUntil = Math.max(this.pausedUntil, until);
  }

  /** Resolves when a send may start; call the returned function when its answer (or error) is in. */
  acquire(signal: AbortSignal): Promise<() => void> {
    const mine = this.turn.then(() => this.take(signal));
    this.turn = mine.catch(() => undefined);
    return mine;
  }

  private async take(signal: AbortSignal): Promise<() => void> {
    for (;;) {
      // aborted while queued behind earlier sends (stop, or this process no longer leads)
      if (signal.aborted) throw new Stopped();
      const now = mono();
      while (this.finished.length && this.finished[0] <= now - this.windowMs) this.finished.shift();
      const full = this.onWire + this.finished.length >= this.max;
      let wait = this.pausedUntil - now;
      if (full) wait = Math.max(wait, this.finished.length ? this.finished[0] + this.windowMs - now : Infinity);
      if (wait <= 0) {
        this.onWire++;
        let done = false;
        return () => {
          if (done) return;
          done = true;
          this.onWire--;
          this.finished.push(mono());
          this.nudge?.();
        };
      }
      await this.waitFor(wait, signal);
    }
  }

  /** sleeps `ms` (Infinity: until a send finishes); a finishing send ends the sleep early */
  private waitFor(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new Stopped());
    return new Promise((resolve, reject) => {
      const end = (fn: () => void) => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.nudge = null;
        fn();
      };
      const onAbort = () => end(() => reject(new Stopped()));
      const timer = Number.isFinite(ms) ? setTimeout(() => end(resolve), ms) : null;
      this.nudge = () => end(resolve);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

type Verdict =
  | { kind: 'flood'; retryAfterMs: number; reason: string }
  | { kind: 'migrate'; chatId: string; reason: string }
  | { kind: 'permanent'; reason: string }
  | { kind: 'retry'; reason: string }
  | { kind: 'unknown'; reason: string };

// The connection was never made, so the request cannot have reached Telegram.
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export function classifySendError(err: unknown): Verdict {
  if (err instanceof GrammyError) {
    const reason = `${err.error_code}: ${err.description}`;
    if (err.error_code === 429) return { kind: 'flood', retryAfterMs: Math.max(1, err.parameters.retry_after ?? 5) * 1000, reason };
    if (err.parameters.migrate_to_chat_id != null) return { kind: 'migrate', chatId: String(err.parameters.migrate_to_chat_id), reason };
    // chat not found, bot blocked or kicked, message malformed: sending again cannot help
    if (err.error_code === 400 || err.error_code === 403) return { kind: 'permanent', reason };
    // 5xx, and 401/404 (token wrong: the operator fixes it, the rows wait in backoff)
    return { kind: 'retry', reason };
  }
  if (err instanceof HttpError) {
    const cause = err.error as { code?: string; message?: string } | undefined;
    const reason = `network: ${[cause?.code, cause?.message ?? err.message].filter(Boolean).join(' ')}`;
    if (cause?.code && NOT_SENT.has(cause.code)) return { kind: 'retry', reason };
    // Node names the failing syscall ("connect ECONNRESET 1.2.3.4:443"): a request is written only
    // after connect succeeded, so a connect failure never reached Telegram
    if (/\bconnect E[A-Z]+\b/.test(cause?.message ?? '')) return { kind: 'retry', reason };
    // reset, hang-up, timeout: the request may have been taken before the answer was lost
    return { kind: 'unknown', reason };
  }
  return { kind: 'unknown', reason: `error: ${err instanceof Error ? err.message : String(err)}` };
}

export function createOutboxDelivery(deps: OutboxDeliveryDeps): OutboxDelivery {
  const { db, dialect, clock, log, api, render } = deps;
  const limits: DeliveryLimits = { ...defaultLimits, ...deps.limits };
  const workerId = deps.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const chatIntervalMs = 1000 / limits.perChatPerSecond;
  const window = new SendWindow(limits.globalPerSecond, 1000 + limits.marginMs);
  /** monotonic time before which a chat gets nothing from this worker */
  const chatReadyAt = new Map<string, number>();
  const recent429: Array<{ at: number; chatId: string }> = [];
  const inflight = new Set<Promise<void>>();
  const stats: DeliveryStats = { sent: 0, retried: 0, rateLimited: 0, failed: 0, lostClaims: 0 };

  let running = false;
  /** aborted by stop() and when leadership is lost: claimed rows not yet on the wire go back */
  let stopper = new AbortController();
  let loopDone: Promise<void> | null = null;
  let wakeIdle: (() => void) | null = null;

  const wake = () => wakeIdle?.();

  function newTerm() {
    stopper = new AbortController();
    // every claimed row waiting for its chat or the window listens for stop()
    setMaxListeners(0, stopper.signal);
  }

  const pool = dialect === 'postgres' ? pgPoolOf(db) : undefined;
  const leadership = pool
    ? createPgLeadership(pool, {
        log,
        workerId,
        // the previous leader's last second may still count at Telegram
        onGained: () => window.pause(mono() + 1000 + limits.marginMs),
        onLost: () => {
          stopper.abort();
          if (running) newTerm();
          wake();
        },
      })
    : null;

  function idle(ms: number): Promise<void> {
    // a stop() that came while the loop was busy must not wait out a whole poll
    if (!running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wakeIdle = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      wakeIdle = done;
    });
  }

  function backoffMs(attemptsBefore: number): number {
    const raw = Math.min(limits.backoffMaxMs, limits.backoffBaseMs * 2 ** Math.min(attemptsBefore, 30));
    return Math.round(raw * (0.8 + 0.4 * Math.random()));
  }

  function pruneChats(now: number) {
    if (chatReadyAt.size < 10_000) return;
    for (const [chat, at] of chatReadyAt) if (at <= now) chatReadyAt.delete(chat);
  }

  function on429(chatId: string, retryAfterMs: number) {
    const now = mono();
    chatReadyAt.set(chatId, now + retryAfterMs);
    recent429.push({ at: now, chatId });
    while (recent429.length && recent429[0].at < now - 1000) recent429.shift();
    const chats = new Set(recent429.map((r) => r.chatId));
    if (chats.size >= limits.globalPauseAfter429Chats) {
      // several chats refused at once: this is the bot-wide limit, so everyone waits
      window.pause(now + retryAfterMs);
      log.warn({ worker: workerId, chats: chats.size, retryAfterMs }, 'outbox delivery: Telegram flood limit, pausing all sends');
    }
  }

  /** Records an outcome; a database error here leaves the row 'sending' for the lease to recover. */
  async function settle(claim: Claim, what: string, write: () => Promise<boolean>) {
    try {
      if (!(await write())) {
        stats.lostClaims++;
        log.warn({ worker: workerId, outboxId: claim.id, what }, 'outbox delivery: claim was taken over before the result was recorded');
      }
    } catch (err) {
      log.error({ err, worker: workerId, outboxId: claim.id, what }, 'outbox delivery: could not record the result');
    }
  }

  async function onSendError(row: ClaimedRow, claim: Claim, err: unknown) {
    const v = classifySendError(err);
    const now = clock.now();
    const attempt = row.attempts + 1;
    switch (v.kind) {
      case 'flood':
        stats.rateLimited++;
        on429(row.chat_id!, v.retryAfterMs);
        return settle(claim, 'wait', () =>
          markRetry(db, claim, { notBefore: new Date(now.getTime() + v.retryAfterMs), error: v.reason, countAttempt: false }),
        );
      case 'migrate':
        stats.retried++;
        return settle(claim, 'migrate', () => markRetry(db, claim, { notBefore: now, error: v.reason, countAttempt: false, chatId: v.chatId }));
      case 'permanent':
        stats.failed++;
        log.warn({ outboxId: row.id, kind: row.kind, reason: v.reason }, 'outbox delivery: failed');
        return settle(claim, 'fail', () => markFailed(db, claim, v.reason));
      case 'retry':
      case 'unknown': {
        const unknown = v.kind === 'unknown';
        if (unknown && row.unknown_outcome) {
          // this row already had its one resend; a third copy is worse than a missing one
          stats.failed++;
          const reason = `delivery unconfirmed after a resend (may have been delivered): ${v.reason}`;
          log.warn({ outboxId: row.id, kind: row.kind, reason }, 'outbox delivery: failed');
          return settle(claim, 'fail', () => markFailed(db, claim, reason));
        }
        if (attempt >= limits.maxAttempts) {
          stats.failed++;
          const reason = `gave up after ${attempt} attempts: ${v.reason}${unknown ? ' (may have been delivered)' : ''}`;
          log.warn({ outboxId: row.id, kind: row.kind, reason }, 'outbox delivery: failed');
          return settle(claim, 'fail', () => markFailed(db, claim, reason));
        }
        stats.retried++;
        log.debug({ outboxId: row.id, attempt, reason: v.reason }, 'outbox delivery: will retry');
        const at = new Date(now.getTime() + backoffMs(row.attempts));
        return settle(claim, 'retry', () => markRetry(db, claim, { notBefore: at, error: v.reason, countAttempt: true, unknownOutcome: unknown }));
      }
    }
  }

  /** `signal`: of the term the row was claimed in, so a lost leadership aborts it even after a new term began */
  async function deliver(row: ClaimedRow, lang: string | undefined, signal: AbortSignal) {
    const claim = claimOf(row);
    const chatId = row.chat_id!;
    let message: RenderedMessage;
    try {
      message = render({ kind: row.kind, payload: JSON.parse(row.payload), lang, chatId });
    } catch (err) {
      stats.failed++;
      const reason = `cannot render ${row.kind}: ${err instanceof Error ? err.message : String(err)}`;
      log.error({ outboxId: row.id, reason }, 'outbox delivery: failed');
      return settle(claim, 'fail', () => markFailed(db, claim, reason));
    }
    let finished: () => void;
    try {
      const readyAt = chatReadyAt.get(chatId) ?? 0;
      if (readyAt > mono()) await sleep(readyAt - mono(), signal);
      finished = await window.acquire(signal);
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
      return settle(claim, 'release', () => release(db, claim));
    }
    // like the global window, the chat's second counts from the answer, which came after Telegram got it
    const answered = () => {
      finished();
      const now = mono();
      chatReadyAt.set(chatId, Math.max(chatReadyAt.get(chatId) ?? 0, now + chatIntervalMs + limits.marginMs));
      pruneChats(now);
    };
    let sent: { message_id: number };
    try {
      sent = await api.sendMessage(chatId, message.text, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(message.reply_markup ? { reply_markup: message.reply_markup } : {}),
      });
    } catch (err) {
      answered();
      return onSendError(row, claim, err);
    }
    answered();
    stats.sent++;
    await settle(claim, 'sent', () => markSent(db, claim, { now: clock.now(), messageId: sent.message_id }));
  }

  function track(p: Promise<void>) {
    const tracked = p
      .catch((err) => log.error({ err, worker: workerId }, 'outbox delivery: unexpected error'))
      .finally(() => {
        inflight.delete(tracked);
        wake();
      });
    inflight.add(tracked);
  }

  async function housekeeping() {
    const now = clock.now();
    const expired = await reclaimExpired(db, dialect, now, limits.leaseMs);
    if (expired.reclaimed || expired.failed) log.warn({ worker: workerId, ...expired }, 'outbox delivery: recovered rows of a stopped worker');
    const chatless = await settleChatless(db, dialect, now);
    if (chatless.failed) log.info({ failed: chatless.failed }, 'outbox delivery: rows without a linked Telegram chat failed');
  }

  async function idleWait() {
    const next = await nextDueAt(db);
    if (!next) return idle(limits.pollMs);
    const ms = next.getTime() - clock.now().getTime();
    // due but held back (its chat is busy or within its interval): look again soon
    return idle(ms > 0 ? Math.min(ms, limits.pollMs) : Math.min(limits.pollMs, chatIntervalMs / 4));
  }

  async function loop() {
    let lastHousekeeping = -Infinity;
    while (running) {
      try {
        if (leadership && !(await leadership.ensure())) {
          // another process sends; try again a poll later (rows queued here, wake(), do not hurry it)
          const until = mono() + limits.pollMs;
          while (running && mono() < until) await idle(until - mono());
          continue;
        }
        if (mono() - lastHousekeeping >= limits.housekeepingMs) {
          lastHousekeeping = mono();
          await housekeeping();
        }
        const free = limits.maxInFlight - inflight.size;
        if (free <= 0) {
          await idle(limits.pollMs);
          continue;
        }
        const term = stopper.signal;
        const rows = await claimDue(db, dialect, { now: clock.now(), worker: workerId, limit: free, chatIntervalMs });
        if (!rows.length) {
          if (running) await idleWait();
          continue;
        }
        const userIds = rows.map((r) => r.user_id).filter((id): id is number => id != null);
        const langs = await languagesOf(db, userIds).catch(() => new Map<number, string>());
        for (const row of rows) track(deliver(row, row.user_id != null ? langs.get(row.user_id) : undefined, term));
      } catch (err) {
        log.error({ err, worker: workerId }, 'outbox delivery: loop error');
        if (running) await idle(limits.pollMs);
      }
    }
    while (inflight.size) await Promise.allSettled([...inflight]);
    // after the last send's answer: the next leader then waits one window from here
    await leadership?.release();
  }

  return {
    workerId,
    stats,
    wake,
    start() {
      if (running) return;
      running = true;
      newTerm();
      loopDone = loop();
    },
    async stop() {
      if (!running) return loopDone ?? undefined;
      running = false;
      stopper.abort();
      wake();
      await loopDone;
    },
  };
}

/** A Bot API client for delivery: answers that take longer than the timeout count as unknown outcomes. */
export function createDeliveryApi(token: string, apiRoot?: string): Api {
  return new Api(token, { ...(apiRoot ? { apiRoot: apiRoot.replace(/\/+$/, '') } : {}), timeoutSeconds: SEND_TIMEOUT_SECONDS });
}

/** What main.ts needs to run delivery; null when no bot token is configured. */
export function outboxDeliveryFromConfig(
  config: { TELEGRAM_BOT_TOKEN?: string; TELEGRAM_API_ROOT?: string; PUBLIC_URL: string; CRM_TIMEZONE: string },
  deps: { db: Db; dialect: Dialect; clock: Clock; log: CoreLogger; limits?: Partial<DeliveryLimits> },
): OutboxDelivery | null {
  if (!config.TELEGRAM_BOT_TOKEN) return null;
  return createOutboxDelivery({
    ...deps,
    api: createDeliveryApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT),
    render: createRenderer({ publicUrl: config.PUBLIC_URL, tz: config.CRM_TIMEZONE }),
  });
}
