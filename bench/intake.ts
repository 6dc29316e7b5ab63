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

/**
 * µs per lead through core intake (dedupe, assign, plan, event, outbox) with distinct phones.
 * `inFlight` 1 is one intake after another, each its own transaction (the figure); more in flight
 * is a burst of landing posts, which share commits (db/group-commit.ts).
 */
async function intakeMicros(database: Database, n: number, phoneBase: number, inFlight = 1): Promise<number> {
  const clock = new ManualClock(BENCH_NOW);
  const services = createServices({ db: database.db, dialect: database.dialect, clock, log: silentLogger, tz: 'Asia/Tashkent' });
  const phone = (i: number) => `+99893${String(phoneBase + i).padStart(7, '0')}`;
  for (let i = 0; i < 200; i++) await services.leads.intake({ name: `Warm ${i}`, phone: phone(i), source: 'form' });
  let next = 200;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < 200 + n) {
        const i = next++;
        await services.leads.intake({ name: `Bench ${i}`, phone: phone(i), source: 'instagram' });
      }
    }),
  );
  return ((performance.now() - t0) * 1000) / n;
}

/**
 * The floor under `intake` on this schema: the same rows an intake writes (lead, phone, two
 * events, follow-up, notification, counter) as raw prepared better-sqlite3 statements, no rules,
 * per lead in its own transaction and 64 leads per transaction. Printed as a note: it shows how
 * much of the figure is the database's own work (index maintenance and the WAL write at commit).
 */
function rawFloorMicros(path: string, salesIds: number[], n: number): { own: number; grouped: number } {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  const now = BENCH_NOW.toISOString();
  const selPhone = db.prepare('select lead_id from lead_phones where phone = ?');
  const insLead = db.prepare(
    `insert into leads (name, phone, source, status, parked, created_at, updated_at, status_at, first_response_alerted, no_answer_alerted, assigned_to, assigned_at)
     values (?, ?, 'instagram', 'new', 0, ?, ?, ?, 0, 0, ?, ?)`,
  );
  const insPhone = db.prepare('insert into lead_phones (phone, lead_id) values (?, ?)');
  const insEvent = db.prepare('insert into lead_events (lead_id, actor_id, type, from_status, to_status, data, created_at) values (?, null, ?, null, ?, ?, ?)');
  const insFollowUp = db.prepare(
    `insert into follow_ups (lead_id, sales_id, due_at, kind, plan_status, step, state, snooze_count, overdue, overdue_notified, reminder_sent, created_at)
     values (?, ?, ?, 'new:1', 'new', 1, 'open', 0, 0, 0, 0, ?)`,
  );
  const insOutbox = db.prepare(
    `insert into outbox (chat_id, user_id, kind, payload, priority, not_before, status, attempts, created_at) values (?, ?, 'lead_assigned', ?, 1, ?, 'pending', 0, ?)`,
  );
  const bump = db.prepare('update users set last_assigned_at = ?, open_lead_count = open_lead_count + 1 where id = ?');
  const one = (i: number) => {
    const phone = `+99894${String(i).padStart(7, '0')}`;
    if (selPhone.get(phone)) throw new Error('duplicate phone in the floor run');
    const owner = salesIds[i % salesIds.length];
    const id = Number(insLead.run(`Floor ${i}`, phone, now, now, now, owner, now).lastInsertRowid);
    insPhone.run(phone, id);
    insEvent.run(id, 'created', 'new', '{"source":"instagram"}', now);
    insEvent.run(id, 'assigned', null, `{"to":${owner},"reason":"auto"}`, now);
    insFollowUp.run(id, owner, now, now);
    insOutbox.run('1', owner, `{"leadId":${id},"leadName":"Floor ${i}","phone":"${phone}"}`, now, now);
    bump.run(now, owner);
  };
  const batch = db.transaction((from: number, k: number) => {
    for (let j = 0; j < k; j++) one(from + j);
  });
  const time = (from: number, k: number) => {
    const t0 = performance.now();
    for (let done = 0; done < n; done += k) batch(from + done, k);
    return ((performance.now() - t0) * 1000) / n;
  };
  batch(0, 200);
  const own = time(1_000, 1);
  const grouped = time(1_000 + n, 64);
  db.close();
  return { own, grouped };
}

/**
 * The least ANY implementation of SPEC §4 intake must write, on a schema reduced to the indexes
 * SPEC §2 lists (leads: (status, assigned), created, phone, secondary phone, source) and one index
 * per other table: a dedupe lookup, the lead, ONE event, the follow-up, the outbox row and the
 * assignee's counter, raw prepared statements, no rules. Its ratio to the reference bounds what the
 * `intake` goal can be on this machine: one lead per transaction commits ~a dozen dirty pages to the
 * WAL where the reference commits one or two, whatever the code around it does.
 */
export function minimalFloorMicros(path: string, n: number, perTx: number): number {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table users (id integer primary key, open_lead_count integer not null default 0, last_assigned_at text);
    create table leads (id integer primary key autoincrement, name text not null, phone text not null, phone2 text, source text not null, status text not null, assigned_to integer, created_at text not null, updated_at text not null);
    create index leads_status_assigned on leads (status, assigned_to); create index leads_created on leads (created_at);
    create index leads_phone on leads (phone); create index leads_phone2 on leads (phone2); create index leads_source on leads (source);
    create table lead_events (id integer primary key autoincrement, lead_id integer not null, type text not null, data text, created_at text not null);
    create index lead_events_lead on lead_events (lead_id);
    create table follow_ups (id integer primary key autoincrement, lead_id integer not null, sales_id integer, due_at text not null, state text not null);
    create index follow_ups_sales on follow_ups (sales_id, state, due_at);
    create table outbox (id integer primary key autoincrement, chat_id text, payload text not null, status text not null, not_before text not null);
    create index outbox_due on outbox (status, not_before);`);
  const addUser = db.prepare('insert into users (id) values (?)');
  for (let u = 1; u <= 20; u++) addUser.run(u);
  const now = BENCH_NOW.toISOString();
  const find = db.prepare('select id from leads where phone = ? or phone2 = ?');
  const insLead = db.prepare(`insert into leads (name, phone, source, status, assigned_to, created_at, updated_at) values (?, ?, 'form', 'new', ?, ?, ?)`);
  const insEvent = db.prepare(`insert into lead_events (lead_id, type, data, created_at) values (?, 'created', ?, ?)`);
  const insFollowUp = db.prepare(`insert into follow_ups (lead_id, sales_id, due_at, state) values (?, ?, ?, 'open')`);
  const insOutbox = db.prepare(`insert into outbox (chat_id, payload, status, not_before) values ('1', ?, 'pending', ?)`);
  const bump = db.prepare('update users set open_lead_count = open_lead_count + 1, last_assigned_at = ? where id = ?');
  const one = (i: number) => {
    const phone = `+99895${String(i).padStart(7, '0')}`;
    if (find.get(phone, phone)) throw new Error('duplicate phone in the minimal floor run');
    const owner = 1 + (i % 20);
    const id = insLead.run(`Floor ${i}`, phone, owner, now, now).lastInsertRowid;
    insEvent.run(id, `{"assigned":${owner}}`, now);
    insFollowUp.run(id, owner, now);
    insOutbox.run(`{"leadId":${id}}`, now);
    bump.run(now, owner);
  };
  const batch = db.transaction((from: number) => {
    for (let j = 0; j < perTx; j++) one(from + j);
  });
  for (let i = 0; i < 256; i += perTx) batch(5_000_000 + i);
  const t0 = performance.now();
  for (let i = 0; i < n; i += perTx) batch(i);
  const us = ((performance.now() - t0) * 1000) / n;
  db.close();
  return us;
}

export async function run(names: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-intake-'));
  try {
    const n = 3000;
    const ref = rawInsertMicros(dir, 5000);
    const empty = await seededDatabase(join(dir, 'empty.sqlite'), { leads: 0, salespeople: 100, onShift: 20 });
    const atZero = await intakeMicros(empty.database, n, 0);
    const burst = await intakeMicros(empty.database, n, 100_000, 64);
    await empty.database.destroy();
    const floor = rawFloorMicros(join(dir, 'empty.sqlite'), empty.salesIds.slice(0, 20), n);
    const minOwn = minimalFloorMicros(join(dir, 'min-own.sqlite'), n, 1);
    const minGrouped = minimalFloorMicros(join(dir, 'min-grouped.sqlite'), n + 64 - (n % 64), 64);
    note(`intake: one after another ${atZero.toFixed(0)} us/lead; 64 in flight (a landing burst, shared commits) ${burst.toFixed(0)} us/lead`);
    note(`intake floor (the same rows as raw prepared statements, no rules): ${floor.own.toFixed(0)} us/lead in its own transaction (ratio ${(floor.own / ref).toFixed(1)}), ${floor.grouped.toFixed(0)} us/lead 64 per transaction (ratio ${(floor.grouped / ref).toFixed(1)})`);
    note(
      `intake minimal floor (SPEC's indexes only, one event, raw statements, no rules): ${minOwn.toFixed(0)} us/lead in its own transaction ` +
        `(ratio ${(minOwn / ref).toFixed(1)}: no one-lead-per-transaction intake can go under this), ${minGrouped.toFixed(0)} us/lead 64 per transaction (ratio ${(minGrouped / ref).toFixed(1)})`,
    );
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
