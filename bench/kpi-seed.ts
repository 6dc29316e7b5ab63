import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Database } from '../db/connection.js';
import { note } from './format.js';
import { seededDatabase } from './seed.js';

/**
 * The KPI and analytics figures read what a working team leaves behind, not only leads: on top of
 * bench/seed.ts (1M leads, 100 salespeople, follow-ups) each lead gets its timeline (created, a
 * status change, every third a logged call), every tenth a trial, and each salesperson 60 days of
 * stored KPI rows. One database serves both figures in one `npm run bench` run.
 */
let shared: Promise<{ database: Database; salesIds: number[] }> | null = null;

function addActivity(path: string, salesIds: number[]): { events: number; trials: number; kpi: number } {
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const group = db.prepare(
    `insert into study_groups (course_id, name, days, start_time, capacity, current_students, created_at, active) values ((select min(id) from courses), 'Bench group', 'odd', '15:00', 5000, 0, ?, 1)`,
  );
  const groupId = Number(group.run(new Date().toISOString()).lastInsertRowid);
  const insEvent = db.prepare(`insert into lead_events (lead_id, actor_id, type, from_status, to_status, data, created_at) values (?, ?, ?, ?, ?, null, ?)`);
  const insTrial = db.prepare(
    `insert into trials (lead_id, group_id, sales_id, date, time, starts_at, ends_at, result, cancelled, booked_by, booked_at, reminder_sent, result_reminder_sent)
     values (?, ?, ?, ?, '15:00', ?, ?, ?, 0, ?, ?, 1, 1)`,
  );
  const iso = (ms: number) => new Date(ms).toISOString();
  let events = 0;
  let trials = 0;
  const BATCH = 50_000;
  let last = 0;
  for (;;) {
    const rows = db
      .prepare(`select id, assigned_to, status, created_at, enrolled_at from leads where id > ? order by id limit ${BATCH}`)
      .all(last) as Array<{ id: number; assigned_to: number; status: string; created_at: string; enrolled_at: string | null }>;
    if (!rows.length) break;
    last = rows[rows.length - 1].id;
    db.transaction(() => {
      for (const r of rows) {
        const created = Date.parse(r.created_at);
        insEvent.run(r.id, r.assigned_to, 'created', null, 'new', r.created_at);
        insEvent.run(r.id, r.assigned_to, 'status_changed', 'new', 'contacted', iso(created + 20 * 60_000));
        events += 2;
        if (r.id % 3 === 0) {
          insEvent.run(r.id, r.assigned_to, 'call_logged', null, null, iso(created + 10 * 60_000));
          events++;
        }
        if (r.id % 10 === 0) {
          const starts = created + 2 * 86_400_000;
          const result = r.status === 'enrolled' ? 'accepted' : r.status === 'lost' ? 'rejected' : null;
          insTrial.run(r.id, groupId, r.assigned_to, iso(starts).slice(0, 10), iso(starts), iso(starts + 90 * 60_000), result, r.assigned_to, iso(created + 3_600_000));
          trials++;
        }
      }
    })();
  }
  const insKpi = db.prepare(
    `insert into kpi_daily (user_id, date, daily_contacts, daily_followups, followup_completion_rate, trials_registered, trials_to_sales, conversion_rate, response_time, overdue_count, on_leave, report_sent, computed_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?)`,
  );
  let kpi = 0;
  db.transaction(() => {
    for (let d = 0; d < 60; d++) {
      const date = iso(Date.parse('2026-03-04T00:00:00Z') - d * 86_400_000).slice(0, 10);
      for (const [i, id] of salesIds.entries()) {
        insKpi.run(id, date, 10 + (i % 7), 8 + (i % 5), 60 + (i % 40), i % 3, i % 2, 10 + (i % 20), 5 + (i % 30), i % 4, new Date().toISOString());
        kpi++;
      }
    }
  })();
  db.pragma('synchronous = NORMAL');
  db.exec('analyze');
  db.close();
  return { events, trials, kpi };
}

export function kpiBenchDatabase(): Promise<{ database: Database; salesIds: number[] }> {
  if (!shared) {
    shared = (async () => {
      // a kept copy (CRM_BENCH_KPI_DB=/path) saves the two-minute seeding while tuning queries
      const keep = process.env.CRM_BENCH_KPI_DB;
      if (keep && existsSync(keep)) {
        const { openDatabase } = await import('../db/connection.js');
        const database = openDatabase({ dialect: 'sqlite', sqlitePath: keep });
        const sales = await database.db.selectFrom('users').select('id').where('role', '=', 'sales').orderBy('id').execute();
        note(`reusing the seeded database ${keep}`);
        return { database, salesIds: sales.map((u) => u.id) };
      }
      const dir = mkdtempSync(join(tmpdir(), 'crm-bench-kpi-'));
      process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
      const path = keep ?? join(dir, 'kpi.sqlite');
      const seeded = await seededDatabase(path, { leads: 1_000_000, salespeople: 100, onShift: 20 });
      await seeded.database.destroy();
      const t0 = performance.now();
      const added = addActivity(path, seeded.salesIds);
      note(
        `seeded 1,000,000 leads in ${seeded.seconds.toFixed(1)} s; + ${added.events.toLocaleString('en')} events, ${added.trials.toLocaleString('en')} trials, ${added.kpi} KPI rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      const { openDatabase } = await import('../db/connection.js');
      return { database: openDatabase({ dialect: 'sqlite', sqlitePath: path }), salesIds: seeded.salesIds };
    })();
  }
  return shared;
}

/** Median of `runs` timed calls after one warm-up call (the spread goes to a note line: shared machines are noisy). */
export async function medianMs(runs: number, fn: () => Promise<unknown>, label?: string): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  if (label) note(`${label}: median ${median.toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms over ${runs} runs`);
  return median;
}
