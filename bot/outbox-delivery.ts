import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { Api, GrammyError, HttpError } from 'grammy';
import type { Db, Dialect } from '../db/connection.js';
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
 * The global limit is kept per process. Several processes on one PostgreSQL never send the same
 * row and keep the per-chat limit together (the claim checks the chat's last sent_at), but each
 * keeps its own 30/s: run delivery in one process, or divide globalPerSecond among them.
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
  let stopper = new AbortController();
  let loopDone: Promise<void> | null = null;
  let wakeIdle: (() => void) | null = null;

  const wake = () => wakeIdle?.();

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

  async function deliver(row: ClaimedRow, lang: string | undefined) {
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
      if (readyAt > mono()) await sleep(readyAt - mono(), stopper.signal);
      finished = await window.acquire(stopper.signal);
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
        if (mono() - lastHousekeeping >= limits.housekeepingMs) {
          lastHousekeeping = mono();
          await housekeeping();
        }
        const free = limits.maxInFlight - inflight.size;
        if (free <= 0) {
          await idle(limits.pollMs);
          continue;
        }
        const rows = await claimDue(db, dialect, { now: clock.now(), worker: workerId, limit: free, chatIntervalMs });
        if (!rows.length) {
          if (running) await idleWait();
          continue;
        }
        const userIds = rows.map((r) => r.user_id).filter((id): id is number => id != null);
        const langs = await languagesOf(db, userIds).catch(() => new Map<number, string>());
        for (const row of rows) track(deliver(row, row.user_id != null ? langs.get(row.user_id) : undefined));
      } catch (err) {
        log.error({ err, worker: workerId }, 'outbox delivery: loop error');
        if (running) await idle(limits.pollMs);
      }
    }
    while (inflight.size) await Promise.allSettled([...inflight]);
  }

  return {
    workerId,
    stats,
    wake,
    start() {
      if (running) return;
      running = true;
      stopper = new AbortController();
      // every claimed row waiting for its chat or the window listens for stop()
      setMaxListeners(0, stopper.signal);
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
