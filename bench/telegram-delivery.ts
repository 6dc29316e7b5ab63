// telegram_delivery, telegram_max_per_second, telegram_max_per_chat_second (shared/BENCH.md):
// 3,000 queued notifications to 300 chats delivered through the real delivery loop (production
// limits) to the Bot API recorder on loopback, from a migrated SQLite database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Api } from 'grammy';
import { systemClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { openDatabase } from '../db/connection.js';
import { migrate } from '../db/migrate.js';
import { createOutboxDelivery } from '../bot/outbox-delivery.js';
import { createRenderer } from '../bot/render.js';
import { createBotApiRecorder, maxPerChatWindow, maxPerWindow } from '../tests/support/bot-api-recorder.js';
import { queueRows, waitSettled, type QueuedRow } from '../tests/support/outbox-rows.js';

export const figures = ['telegram_delivery', 'telegram_max_per_second', 'telegram_max_per_chat_second'];

const MESSAGES = Number(process.env.BENCH_TELEGRAM_MESSAGES ?? 3000);
const CHATS = 300;
// Telegram's limits: these are the references, not measurements
const GLOBAL_LIMIT = 30;
const PER_CHAT_LIMIT = 1;

function line(name: string, value: number, unit: string, ref: number) {
  const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));
  process.stdout.write(`BENCH ${name} ${fmt(value)} ${unit} ref=${fmt(ref)} ratio=${(value / ref).toFixed(2)}\n`);
}

export async function run(names: string[] = figures): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-telegram-'));
  const database = openDatabase({ dialect: 'sqlite', sqlitePath: join(dir, 'crm.sqlite') });
  const recorder = await createBotApiRecorder();
  try {
    await migrate(database);
    // notifications arrive mixed: each round visits every chat once, in a shuffled order
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const rows: QueuedRow[] = [];
    for (let round = 0; rows.length < MESSAGES; round++) {
      const order = Array.from({ length: CHATS }, (_, i) => i).sort(() => rand() - 0.5);
      for (const c of order) {
        if (rows.length >= MESSAGES) break;
        const n = rows.length + 1;
        rows.push({
          chatId: String(500_000 + c),
          kind: 'lead_assigned',
          payload: { leadId: n, leadName: `Lead row-${n}`, phone: '+998 90 123 45 67', courseName: 'IELTS', source: 'instagram' },
        });
      }
    }
    await queueRows(database.db, rows);
    process.stdout.write(`# telegram: ${MESSAGES} notifications queued for ${CHATS} chats; delivering at Telegram's limits…\n`);

    const delivery = createOutboxDelivery({
      db: database.db,
      dialect: database.dialect,
      clock: systemClock,
      log: silentLogger,
      api: new Api(recorder.token, { apiRoot: recorder.apiRoot, timeoutSeconds: 30 }),
      render: createRenderer({ publicUrl: 'https://crm.example.uz', tz: 'Asia/Tashkent' }),
    });
    const t0 = performance.timeOrigin + performance.now();
    delivery.start();
    await waitSettled(database.db, Math.max(60_000, (MESSAGES / GLOBAL_LIMIT) * 3000), 50);
    await delivery.stop();

    const calls = recorder.callsOf('sendMessage');
    const delivered = recorder.delivered();
    const last = Math.max(...delivered.map((c) => c.at));
    const seconds = (last - t0) / 1000;
    process.stdout.write(`# telegram: ${delivered.length} delivered in ${seconds.toFixed(1)} s (${delivery.stats.failed} failed, ${calls.length} calls)\n`);
    if (delivered.length !== MESSAGES) throw new Error(`expected ${MESSAGES} delivered messages, got ${delivered.length}`);

    if (names.includes('telegram_delivery')) line('telegram_delivery', delivered.length / seconds, 'msg/s', GLOBAL_LIMIT);
    if (names.includes('telegram_max_per_second')) line('telegram_max_per_second', maxPerWindow(calls.map((c) => c.at), 1000), 'msg', GLOBAL_LIMIT);
    if (names.includes('telegram_max_per_chat_second')) line('telegram_max_per_chat_second', maxPerChatWindow(calls, 1000), 'msg', PER_CHAT_LIMIT);
  } finally {
    await recorder.close();
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

// `tsx bench/telegram-delivery.ts` runs it alone
if (process.argv[1]?.endsWith('telegram-delivery.ts')) await run();
