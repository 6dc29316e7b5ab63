import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import type { Database } from '../db/connection.js';
import { benchLine, note } from './format.js';
import { BENCH_NOW, seededDatabase } from './seed.js';

/** µs per raw better-sqlite3 single-row insert, each in its own transaction (the reference). */
function rawInsertMicros(dir: string, n: number): number {
  const db = new SQLite(join(dir, 'raw.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('create table t (id integer primary key autoincrement, name text not null, phone text not null, created_at text not null)');
  const ins = db.prepare('insert into t (name, phone, created_at) values (?, ?, ?)');
  const one = db.transaction((i: number) => ins.run(`Lead ${i}`, `+99890${String(i).padStart(7, '0')}`, new Date().toISOString()));
  for (let i = 0; i < 500; i++) one(i);
  const t0 = performance.now();
  for (let i = 500; i < 500 + n; i++) one(i);
  const us = ((performance.now() - t0) * 1000) / n;
  db.close();
  return us;
}

/** µs per lead through core intake (dedupe, assign, plan, event, outbox) with distinct phones. */
async function intakeMicros(database: Database, n: number, phoneBase: number): Promise<number> {
  const clock = new ManualClock(BENCH_NOW);
  const services = createServices({ db: database.db, dialect: database.dialect, clock, log: silentLogger, tz: 'Asia/Tashkent' });
  const phone = (i: number) => `+99893${String(phoneBase + i).padStart(7, '0')}`;
  for (let i = 0; i < 200; i++) await services.leads.intake({ name: `Warm ${i}`, phone: phone(i), source: 'form' });
  const t0 = performance.now();
  for (let i = 200; i < 200 + n; i++) await services.leads.intake({ name: `Bench ${i}`, phone: phone(i), source: 'instagram' });
  return ((performance.now() - t0) * 1000) / n;
}

export async function run(names: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-intake-'));
  try {
    const n = 3000;
    const ref = rawInsertMicros(dir, 5000);
    const empty = await seededDatabase(join(dir, 'empty.sqlite'), { leads: 0, salespeople: 100, onShift: 20 });
    const atZero = await intakeMicros(empty.database, n, 0);
    await empty.database.destroy();
    if (names.includes('intake')) benchLine('intake', atZero, 'us', ref);
    if (names.includes('intake_at_1m')) {
      const big = await seededDatabase(join(dir, 'big.sqlite'), { leads: 1_000_000, salespeople: 100, onShift: 20 });
      note(`seeded 1,000,000 leads (40% open, 100 salespeople, 20 on shift) in ${big.seconds.toFixed(1)} s`);
      const at1m = await intakeMicros(big.database, n, 500_000);
      await big.database.destroy();
      benchLine('intake_at_1m', at1m, 'us', atZero);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const figures = ['intake', 'intake_at_1m'];
