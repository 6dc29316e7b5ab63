import SQLite from 'better-sqlite3';
import { openDatabase, type Database } from '../db/connection.js';
import { migrate } from '../db/migrate.js';
import type { LeadSource, LeadStatus } from '../db/types.js';

/**
 * A believable large center for benchmarks: N leads (40% open) spread over the last two years,
 * across every status and source, owned by `salespeople` salespeople of whom `onShift` work
 * Mon–Sat 09:00–18:00 and the rest evenings (off shift at the benchmark's Wednesday 10:00).
 * Raw prepared statements in one transaction: 1M leads in well under a minute.
 */
export interface SeedOptions {
  leads: number;
  salespeople: number;
  onShift: number;
  /** follow-ups to create (one per open lead by default) */
  followUps?: number;
  /** the instant "now" of the benchmark */
  now?: Date;
}

export const BENCH_NOW = new Date('2026-03-04T05:00:00.000Z'); // Wednesday 10:00 Tashkent

const OPEN: LeadStatus[] = ['new', 'contacted', 'interested', 'trial_registered', 'trial_attended', 'trial_not_attended', 'offer_sent', 'reactivation'];
const SOURCES: LeadSource[] = ['instagram', 'telegram', 'youtube', 'organic', 'form', 'excel', 'walk_in', 'phone_call', 'referral', 'other'];
const NAMES = ['Aziz', 'Dilnoza', 'Jasur', 'Malika', 'Sardor', 'Nodira', 'Bekzod', 'Shahnoza', 'Otabek', 'Gulnora', 'Анна', 'Сергей', 'Timur', 'Zarina'];
const LOST = ['price', 'schedule', 'other_center', 'no_answer', 'not_interested', 'wrong_number'];

export function seedFile(path: string, opts: SeedOptions): { seconds: number; salesIds: number[] } {
  const started = performance.now();
  const now = opts.now ?? BENCH_NOW;
  const db = new SQLite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const iso = (ms: number) => new Date(ms).toISOString();
  const nowIso = now.toISOString();
  const insUser = db.prepare(
    `insert into users (username, full_name, role, work_start, work_end, work_days, is_active_sales, course_ids, language, is_active, open_lead_count, failed_logins, created_at, updated_at)
     values (?, ?, 'sales', ?, ?, '[1,2,3,4,5,6]', 1, '[]', 'uz', 1, 0, 0, ?, ?)`,
  );
  const salesIds: number[] = [];
  const courseIds: number[] = [];
  const tx = db.transaction(() => {
    for (let c = 0; c < 5; c++) {
      courseIds.push(Number(db.prepare(`insert into courses (name, price, lesson_minutes, lessons_per_week, active, created_at) values (?, ?, 90, 3, 1, ?)`).run(`Course ${c}`, 400_000 + c * 100_000, nowIso).lastInsertRowid));
    }
    for (let i = 0; i < opts.salespeople; i++) {
      const on = i < opts.onShift;
      salesIds.push(Number(insUser.run(`bench_sales_${i}`, `Sales ${i}`, on ? '09:00' : '19:00', on ? '18:00' : '23:00', nowIso, nowIso).lastInsertRowid));
    }
  });
  tx();
  const insLead = db.prepare(
    `insert into leads (name, phone, course_id, source, status, lost_reason, assigned_to, parked, created_at, updated_at, status_at, lost_at, enrolled_at, assigned_at, first_response_alerted, no_answer_alerted)
     values (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 0, 0)`,
  );
  const insPhone = db.prepare(`insert into lead_phones (phone, lead_id) values (?, ?)`);
  const insFu = db.prepare(
    `insert into follow_ups (lead_id, sales_id, due_at, kind, plan_status, step, state, snooze_count, overdue, overdue_notified, reminder_sent, created_at, completed_at, completed_by)
     values (?, ?, ?, ?, ?, 1, ?, 0, ?, ?, ?, ?, ?, ?)`,
  );
  const openCount = new Map<number, number>();
  const span = 730 * 86_400_000;
  let rnd = 42;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const fuTarget = opts.followUps ?? Math.round(opts.leads * 0.4);
  const fuEvery = opts.leads / Math.max(1, fuTarget);
  let fuMade = 0;
  const BATCH = 50_000;
  for (let start = 0; start < opts.leads; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(opts.leads, start + BATCH); i++) {
        const created = +now - span + Math.floor((i / opts.leads) * span);
        const r = rand();
        const status: LeadStatus = r < 0.4 ? OPEN[i % OPEN.length] : r < 0.75 ? 'lost' : 'enrolled';
        const sales = salesIds[i % salesIds.length];
        const id = Number(
          insLead.run(
            `${NAMES[i % NAMES.length]} ${i}`,
            `+99870${String(i).padStart(7, '0')}`,
            courseIds[i % courseIds.length],
            SOURCES[i % SOURCES.length],
            status,
            status === 'lost' ? LOST[i % LOST.length] : null,
            sales,
            iso(created),
            iso(created),
            iso(created + 3_600_000),
            status === 'lost' ? iso(created + 86_400_000) : null,
            status === 'enrolled' ? iso(created + 7 * 86_400_000) : null,
            iso(created),
          ).lastInsertRowid,
        );
        insPhone.run(`+99870${String(i).padStart(7, '0')}`, id);
        if (status !== 'lost' && status !== 'enrolled') openCount.set(sales, (openCount.get(sales) ?? 0) + 1);
        while (fuMade < fuTarget && fuMade * fuEvery <= i) {
          // most follow-ups are long done; open ones are spread around now, a few overdue
          const open = status !== 'lost' && status !== 'enrolled';
          const due = open ? +now + Math.floor((rand() - 0.02) * 30 * 86_400_000) : created + 86_400_000;
          const state = open ? 'open' : 'done';
          const dueIso = iso(due);
          insFu.run(id, sales, dueIso, `${status}:1`, status, state, open && due < +now ? 1 : 0, open && due < +now ? 1 : 0, open && due < +now ? 1 : 0, iso(created), state === 'done' ? dueIso : null, state === 'done' ? sales : null);
          fuMade++;
        }
      }
    })();
  }
  const setCount = db.prepare('update users set open_lead_count = ? where id = ?');
  db.transaction(() => {
    for (const [id, n] of openCount) setCount.run(n, id);
  })();
  db.pragma('synchronous = NORMAL');
  db.exec('analyze');
  db.close();
  return { seconds: (performance.now() - started) / 1000, salesIds };
}

/** A migrated SQLite file seeded with `opts`. */
export async function seededDatabase(path: string, opts: SeedOptions): Promise<{ database: Database; seconds: number; salesIds: number[] }> {
  const fresh = openDatabase({ dialect: 'sqlite', sqlitePath: path });
  await migrate(fresh);
  await fresh.destroy();
  const { seconds, salesIds } = seedFile(path, opts);
  return { database: openDatabase({ dialect: 'sqlite', sqlitePath: path }), seconds, salesIds };
}
