import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Api } from 'grammy';
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { systemClock } from '../../core/clock.js';
import { silentLogger, type CoreLogger } from '../../core/deps.js';
import { openDatabase, type Database } from '../../db/connection.js';
import { classifySendError, createOutboxDelivery, type DeliveryLimits, type OutboxDelivery } from '../../bot/outbox-delivery.js';
import { createRenderer } from '../../bot/render.js';
import { createBotApiRecorder, maxPerChatWindow, maxPerWindow, type BotApiRecorder, type RecordedCall } from '../support/bot-api-recorder.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { queueRows, rowTag, waitSettled, type QueuedRow } from '../support/outbox-rows.js';

const render = createRenderer({ publicUrl: 'https://crm.example.uz', tz: 'Asia/Tashkent' });

// Fast limits keep the fault tests to seconds; the limits test below uses Telegram's real ones.
const fast: Partial<DeliveryLimits> = {
  globalPerSecond: 200,
  perChatPerSecond: 20,
  marginMs: 5,
  backoffBaseMs: 20,
  backoffMaxMs: 200,
  maxAttempts: 15,
  pollMs: 50,
};

/** n chats × m rows, interleaved the way notifications arrive (chat 1, 2, …, 1, 2, …). */
function rowsFor(chats: number, perChat: number, firstChat = 1000): QueuedRow[] {
  const rows: QueuedRow[] = [];
  for (let k = 0; k < perChat; k++) for (let c = 0; c < chats; c++) rows.push({ chatId: String(firstChat + c) });
  return rows;
}

function byChat(calls: RecordedCall[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of [...calls].sort((a, b) => a.seq - b.seq)) out.set(c.chatId!, [...(out.get(c.chatId!) ?? []), rowTag(c.text)!]);
  return out;
}

function tally(calls: RecordedCall[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const c of calls) out.set(rowTag(c.text)!, (out.get(rowTag(c.text)!) ?? 0) + 1);
  return out;
}

const workerScript = fileURLToPath(new URL('../support/delivery-worker.ts', import.meta.url));

function spawnWorker(options: Record<string, unknown>) {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += String(d);
      if (out.includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    ready,
    async stop() {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
  };
}

describe.each(dialects())('outbox delivery to Telegram (%s)', (dialect) => {
  let tdb: TestDatabase;
  let recorder: BotApiRecorder;
  const started: OutboxDelivery[] = [];

  beforeEach(async () => {
    tdb = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((d) => d.stop()));
    await recorder?.close();
    await tdb.cleanup();
  });

  function worker(opts: { limits?: Partial<DeliveryLimits>; api?: Pick<Api, 'sendMessage'>; id?: string } = {}) {
    const database = tdb;
    const delivery = createOutboxDelivery({
      db: database.db,
      dialect: database.dialect,
      clock: systemClock,
      log: silentLogger,
      api: opts.api ?? new Api(recorder.token, { apiRoot: recorder.apiRoot, timeoutSeconds: 5 }),
      render,
      limits: opts.limits ?? fast,
      workerId: opts.id,
    });
    started.push(delivery);
    delivery.start();
    return delivery;
  }

  const rowsById = () => tdb.db.selectFrom('outbox').selectAll().orderBy('id').execute();

  it('delivers every row exactly once and in order per chat while 20% of calls meet 429s, 500s or a refused connection', async () => {
    recorder = await createBotApiRecorder({ seed: 7, faults: { rate429: 0.05, retryAfter: 1, rate500: 0.1 } });
    await queueRows(tdb.db, rowsFor(8, 8));
    // one connection per call: "refused" is about connecting, and a pooled connection closed by the
    // outage would race its reuse (a reset whose outcome is unknown, which is the dropped-answer test)
    const real = new Api(recorder.token, { apiRoot: recorder.apiRoot, timeoutSeconds: 5, baseFetchConfig: { agent: new Agent({ keepAlive: false }) } });
    const errors: string[] = [];
    const api = {
      sendMessage: ((...args: Parameters<Api['sendMessage']>) =>
        real.sendMessage(...args).catch((err) => {
          errors.push(classifySendError(err).reason);
          throw err;
        })) as Api['sendMessage'],
    };
    // the worker starts while the listener is closed (its first calls are refused at connect; on a
    // busy machine the first call may come late, so the outage lasts until one was refused), then
    // the listener is closed 1/5 of the time
    const refused = () => errors.some((e) => e.includes('ECONNREFUSED'));
    const first = recorder.outageUntil(refused, 5_000);
    worker({ api });
    await first;
    recorder.startOutages({ downMs: 150, upMs: 600 });
    await waitSettled(tdb.db, 25_000);
    await recorder.stopOutages();

    const rows = await rowsById();
    // (a failure names the row and its last error)
    expect(rows.filter((r) => r.status !== 'sent').map((r) => `${r.id} ${r.status}: ${r.last_error}`)).toEqual([]);
    expect(rows).toHaveLength(64);
    const delivered = recorder.delivered();
    expect(delivered).toHaveLength(64);
    expect([...tally(delivered).values()].every((n) => n === 1)).toBe(true);
    for (const [, tags] of byChat(delivered)) expect(tags).toEqual([...tags].sort((a, b) => a - b));
    // the faults really happened, and each kind was survived
    expect(errors.some((e) => e.startsWith('429'))).toBe(true);
    expect(errors.some((e) => e.startsWith('500'))).toBe(true);
    expect(errors.some((e) => e.includes('ECONNREFUSED'))).toBe(true);
    // retry_after is honoured: that chat hears nothing for the next second
    const calls = recorder.callsOf('sendMessage');
    for (const c of calls.filter((x) => x.status === 429)) {
      const next = calls.find((x) => x.chatId === c.chatId && x.seq > c.seq);
      if (next) expect(next.at - c.at).toBeGreaterThanOrEqual(1000);
    }
    // the row's Telegram message id is kept
    expect(rows.every((r) => r.telegram_message_id != null && r.sent_at != null)).toBe(true);
  });

  it('delivers every row, at most twice, when answers are dropped after the message was taken', async () => {
    recorder = await createBotApiRecorder({ seed: 3, faults: { dropRate: 0.25 } });
    await queueRows(tdb.db, rowsFor(6, 6));
    worker();
    await waitSettled(tdb.db, 20_000);

    const rows = await rowsById();
    const counts = tally(recorder.delivered());
    expect(counts.size).toBe(36);
    expect(Math.max(...counts.values())).toBeLessThanOrEqual(2);
    expect([...counts.values()].some((n) => n === 2)).toBe(true);
    for (const [i, row] of rows.entries()) {
      const n = counts.get(i + 1)!;
      if (n === 2) expect(row.unknown_outcome).toBe(1);
      // a row whose resend was also cut off is failed, never sent a third time
      if (row.status === 'failed') expect(row.last_error).toMatch(/unconfirmed/);
      else expect(row.status).toBe('sent');
    }
    // first deliveries keep each chat's order
    const first = recorder.delivered().filter((c, i, all) => all.findIndex((x) => rowTag(x.text) === rowTag(c.text)) === i);
    for (const [, tags] of byChat(first)) expect(tags).toEqual([...tags].sort((a, b) => a - b));
  });

  it('fails a row with the reason after N failed attempts, at once on 403, and without a linked chat', async () => {
    recorder = await createBotApiRecorder();
    recorder.failChat('500500', { code: 500, description: 'Internal Server Error' });
    recorder.failChat('403403', { code: 403, description: 'Forbidden: bot was blocked by the user' });
    const [down, blocked, nochat, fine] = await queueRows(tdb.db, [{ chatId: '500500' }, { chatId: '403403' }, { chatId: null }, { chatId: '42' }]);
    worker({ limits: { ...fast, maxAttempts: 4 } });
    await waitSettled(tdb.db, 10_000);

    const rows = new Map((await rowsById()).map((r) => [r.id, r]));
    expect(rows.get(down)).toMatchObject({ status: 'failed', attempts: 4 });
    expect(rows.get(down)!.last_error).toBe('gave up after 4 attempts: 500: Internal Server Error');
    expect(recorder.callsOf('sendMessage').filter((c) => c.chatId === '500500')).toHaveLength(4);
    expect(rows.get(blocked)).toMatchObject({ status: 'failed', attempts: 1, last_error: '403: Forbidden: bot was blocked by the user' });
    expect(recorder.callsOf('sendMessage').filter((c) => c.chatId === '403403')).toHaveLength(1);
    expect(rows.get(nochat)).toMatchObject({ status: 'failed', last_error: 'no telegram chat linked' });
    expect(rows.get(fine)!.status).toBe('sent');
    expect(recorder.delivered().map((c) => c.chatId)).toEqual(['42']);
  });

  it('two workers in two processes on one database never send the same row', async () => {
    recorder = await createBotApiRecorder();
    await queueRows(tdb.db, rowsFor(40, 5));
    const limits = { ...fast, maxInFlight: 4 };
    // a second process: better-sqlite3 is synchronous, so only another process truly races this one
    const other = spawnWorker({ dialect, location: tdb.location, apiRoot: recorder.apiRoot, token: recorder.token, workerId: 'worker-b', limits });
    await other.ready;
    worker({ limits, id: 'worker-a' });
    await waitSettled(tdb.db, 20_000);
    await other.stop();

    const rows = await rowsById();
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const counts = tally(recorder.delivered());
    expect(counts.size).toBe(200);
    expect(Math.max(...counts.values())).toBe(1);
    // on PostgreSQL one of them holds the delivery lock and sends alone (the next test)
    const claimers = new Set(rows.map((r) => r.claimed_by));
    if (dialect === 'sqlite') expect(claimers).toEqual(new Set(['worker-a', 'worker-b']));
    else expect(claimers.size).toBe(1);
    for (const [, tags] of byChat(recorder.delivered())) expect(tags).toEqual([...tags].sort((a, b) => a - b));
  });

  if (dialect === 'postgres')
    it('three processes on one PostgreSQL keep 30 a second in total: one sends, another takes over when it stops or loses its connection', async () => {
      recorder = await createBotApiRecorder();
      await queueRows(tdb.db, rowsFor(60, 3));
      const lost: string[] = [];
      const pools: Database[] = [];
      const workers: OutboxDelivery[] = [];
      const until = async (cond: () => boolean, ms: number) => {
        for (const end = Date.now() + ms; !cond(); ) {
          if (Date.now() > end) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const sending = () => workers.filter((w) => w.stats.sent > 0);
      try {
        for (const id of ['p1', 'p2', 'p3']) {
          // each its own pool, as separate processes have
          const database = openDatabase({ dialect: 'postgres', url: tdb.location });
          pools.push(database);
          const log: CoreLogger = {
            ...silentLogger,
            warn: (_o, msg) => {
              if (msg?.includes('lost the delivery lock')) lost.push(id);
            },
          };
          const w = createOutboxDelivery({
            db: database.db,
            dialect: 'postgres',
            clock: systemClock,
            log,
            api: new Api(recorder.token, { apiRoot: recorder.apiRoot, timeoutSeconds: 5 }),
            render,
            workerId: id,
            limits: { pollMs: 200 },
          });
          workers.push(w);
          w.start();
        }
        await until(() => recorder.delivered().length >= 40, 10_000);
        expect(sending()).toHaveLength(1);
        const [first] = sending();
        await first.stop();
        const stoppedAt = Date.now();
        const sentAtStop = recorder.delivered().length;

        await until(() => recorder.delivered().length >= sentAtStop + 40, 10_000);
        const second = sending().filter((w) => w !== first);
        expect(second).toHaveLength(1);
        // the next leader took over within a poll and a window (not the 5-minute lease)
        const resumed = recorder.delivered()[sentAtStop];
        expect(resumed.at - stoppedAt).toBeLessThan(3_000);

        // the leader's lock connection dies: it stops sending, and a leader (it or the third) goes on
        const killed = await sql<{ pid: number }>`select pg_terminate_backend(pid) as ok, pid from pg_locks
          where locktype = 'advisory' and classid = ${0x6f7574} and objid = 1 and granted`.execute(tdb.db);
        expect(killed.rows).toHaveLength(1);
        await waitSettled(tdb.db, 20_000);
        expect(lost).toEqual([second[0].workerId]);

        const rows = await rowsById();
        expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
        const calls = recorder.callsOf('sendMessage');
        expect(calls).toHaveLength(180);
        expect([...tally(calls).values()].every((n) => n === 1)).toBe(true);
        expect(maxPerWindow(calls.map((c) => c.at), 1000)).toBeLessThanOrEqual(30);
        expect(maxPerChatWindow(calls, 1000)).toBe(1);
        for (const [, tags] of byChat(calls)) expect(tags).toEqual([...tags].sort((a, b) => a - b));
      } finally {
        await Promise.all(workers.map((w) => w.stop()));
        await Promise.all(pools.map((p) => p.destroy()));
      }
    });

  it("keeps Telegram's limits: at most 30 messages in any second and 1 per chat", async () => {
    recorder = await createBotApiRecorder();
    await queueRows(tdb.db, rowsFor(60, 2));
    const t0 = performance.now();
    worker({ limits: { pollMs: 100 } });
    await waitSettled(tdb.db, 20_000, 10);
    const seconds = (performance.now() - t0) / 1000;

    const calls = recorder.callsOf('sendMessage');
    expect(calls).toHaveLength(120);
    expect(maxPerWindow(calls.map((c) => c.at), 1000)).toBeLessThanOrEqual(30);
    expect(maxPerChatWindow(calls, 1000)).toBe(1);
    // the limiter really held it back (90 messages after the first second's 30), yet it did not crawl
    expect(seconds).toBeGreaterThan(3);
    expect(seconds).toBeLessThan(10);
  });

  it('resends a row left "sending" by a dead worker once, and fails one that already had its resend', async () => {
    recorder = await createBotApiRecorder();
    const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    const [stale, staleTwice] = await queueRows(tdb.db, [
      { chatId: '1', status: 'sending', claimedAt: longAgo, claimedBy: 'dead' },
      { chatId: '2', status: 'sending', claimedAt: longAgo, claimedBy: 'dead', unknownOutcome: 1 },
    ]);
    worker({ limits: { ...fast, leaseMs: 60_000 } });
    await waitSettled(tdb.db, 10_000);

    const rows = new Map((await rowsById()).map((r) => [r.id, r]));
    expect(rows.get(stale)).toMatchObject({ status: 'sent', unknown_outcome: 1 });
    expect(rows.get(staleTwice)!.status).toBe('failed');
    expect(rows.get(staleTwice)!.last_error).toMatch(/unconfirmed/);
    expect(recorder.delivered().map((c) => c.chatId)).toEqual(['1']);
  });

  it('writes in the recipient language, picks up a chat linked after queueing, and never sends a chat row ahead of a retrying one', async () => {
    recorder = await createBotApiRecorder();
    const now = new Date().toISOString();
    const user = (username: string, language: string, chat: string | null) => ({
      username,
      full_name: username,
      role: 'sales' as const,
      telegram_user_id: chat,
      telegram_chat_id: chat,
      language: language as 'uz' | 'ru' | 'en',
      work_days: '[1,2,3,4,5,6,7]',
      is_active_sales: 1,
      course_ids: '[]',
      is_active: 1,
      open_lead_count: 0,
      failed_logins: 0,
      created_at: now,
      updated_at: now,
    });
    const [ru, uz] = (
      await tdb.db.insertInto('users').values([user('olga', 'ru', '501'), user('aziz', 'uz', null)]).returning('id').execute()
    ).map((r) => r.id);
    const lead = { leadId: 9, leadName: 'Ali <Valiyev>', phone: '+998901234567' };
    await queueRows(tdb.db, [
      { chatId: '501', userId: ru, kind: 'lead_assigned', payload: lead },
      { chatId: null, userId: uz, kind: 'lead_assigned', payload: lead },
    ]);
    // aziz links Telegram after the row was queued (chat_id null on the row)
    await tdb.db.updateTable('users').set({ telegram_chat_id: '502', telegram_user_id: '502' }).where('id', '=', uz).execute();
    recorder.failChat('501', { code: 502, description: 'Bad Gateway', times: 2 });
    await queueRows(tdb.db, [{ chatId: '501', userId: ru, kind: 'manager_message', payload: { fromName: 'Boss', text: 'second' } }]);
    worker();
    await waitSettled(tdb.db, 10_000);

    const toOlga = recorder.delivered('501');
    expect(toOlga.map((c) => c.text?.split('\n')[0])).toEqual(['<b>🆕 Новый лид: Ali &lt;Valiyev&gt;</b>', '<b>✉️ Сообщение от Boss</b>']);
    expect(toOlga[0].params.reply_markup.inline_keyboard[0][0]).toEqual({ text: 'Открыть лид', web_app: { url: 'https://crm.example.uz/app/#/leads/9' } });
    expect(toOlga[0].params.parse_mode).toBe('HTML');
    expect(recorder.delivered('502').map((c) => c.text?.split('\n')[0])).toEqual(['<b>🆕 Yangi lid: Ali &lt;Valiyev&gt;</b>']);
  });

  it('stop() gives back rows it has not sent and waits for the send on the wire; a restart delivers the rest', async () => {
    recorder = await createBotApiRecorder();
    await queueRows(tdb.db, rowsFor(1, 6));
    const first = worker({ limits: { ...fast, perChatPerSecond: 4 } });
    // (on PostgreSQL the first send waits a window after taking the delivery lock)
    for (const until = Date.now() + 5_000; !recorder.delivered().length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
    await first.stop();
    const afterStop = await rowsById();
    expect(afterStop.some((r) => r.status === 'sending')).toBe(false);
    const sentBefore = afterStop.filter((r) => r.status === 'sent').length;
    expect(sentBefore).toBeGreaterThan(0);
    expect(sentBefore).toBeLessThan(6);
    expect(recorder.delivered()).toHaveLength(sentBefore);

    worker();
    await waitSettled(tdb.db, 10_000);
    expect(recorder.delivered().map((c) => rowTag(c.text))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
