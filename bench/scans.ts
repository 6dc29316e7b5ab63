import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import { benchLine, note } from './format.js';
import { BENCH_NOW, seededDatabase } from './seed.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(fn: () => Promise<unknown>, runs = 15): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** The scheduler's follow-up scans over 1M follow-ups, with their query plans. */
export async function run(names: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-scans-'));
  try {
    const path = join(dir, 'scans.sqlite');
    const seeded = await seededDatabase(path, { leads: 1_000_000, salespeople: 100, onShift: 20, followUps: 1_000_000 });
    note(`seeded 1,000,000 leads and 1,000,000 follow-ups in ${seeded.seconds.toFixed(1)} s`);
    const clock = new ManualClock(BENCH_NOW);
    const services = createServices({ db: seeded.database.db, dialect: 'sqlite', clock, log: silentLogger, tz: 'Asia/Tashkent' });
    const raw = new SQLite(path, { readonly: true });
    const pk = raw.prepare('select * from follow_ups where id = ?');
    const ref = await time(async () => pk.get(500_000), 200);
    const nowIso = BENCH_NOW.toISOString();
    const plan = (sqlText: string, ...params: unknown[]) =>
      raw.prepare(`explain query plan ${sqlText}`).all(...params).map((r: any) => r.detail).join('; ');
    if (names.includes('overdue_scan_1m')) {
      // the first pass marks what seeding left unmarked; the figure is a steady-state 15-minute scan
      await services.followUps.markOverdue();
      clock.set(new Date(+BENCH_NOW + 15 * 60_000));
      const ms = await time(() => services.followUps.markOverdue(), 10);
      note(`plan (overdue scan): ${plan(`select id from follow_ups where state = 'open' and overdue = 0 and due_at < ?`, nowIso)}`);
      note(`plan (overdue counts): ${plan(`select sales_id, count(*) from follow_ups where state = 'open' and due_at < ? and sales_id is not null group by sales_id`, nowIso)}`);
      benchLine('overdue_scan_1m', ms, 'ms', ref);
    }
    if (names.includes('due_reminders_1m')) {
      await services.followUps.queueDueReminders(5 * 60_000);
      clock.set(new Date(+BENCH_NOW + 20 * 60_000));
      const ms = await time(() => services.followUps.queueDueReminders(5 * 60_000), 10);
      note(`plan (due reminders): ${plan(`select id from follow_ups where state = 'open' and reminder_sent = 0 and due_at >= ? and due_at < ?`, nowIso, nowIso)}`);
      benchLine('due_reminders_1m', ms, 'ms', ref);
    }
    raw.close();
    await seeded.database.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const figures = ['overdue_scan_1m', 'due_reminders_1m'];
