import { sql } from 'kysely';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import { benchLine, note } from './format.js';
import { kpiBenchDatabase, medianMs } from './kpi-seed.js';

// The bench day: Wednesday 2026-03-04 (BENCH_NOW's day), computed at 23:59 Tashkent as the job does.
const DAY = '2026-03-04';
const AT = new Date('2026-03-04T18:59:00.000Z');

export async function run(names: string[]): Promise<void> {
  if (!names.includes('kpi_day')) return;
  const { database } = await kpiBenchDatabase();
  const services = createServices({ db: database.db, dialect: database.dialect, clock: new ManualClock(AT), log: silentLogger, tz: 'Asia/Tashkent' });
  const ref = await medianMs(9, () => sql`select count(*) as n from leads`.execute(database.db));
  const ms = await medianMs(9, () => services.kpi.computeDay(DAY), 'kpi_day');
  const rows = await services.kpi.computeDay(DAY);
  const sum = (k: 'daily_contacts' | 'daily_followups' | 'overdue_count') => rows.reduce((s, r) => s + r[k], 0);
  note(`kpi_day: ${rows.length} rows; contacts ${sum('daily_contacts')}, follow-ups done ${sum('daily_followups')}, overdue ${sum('overdue_count')}`);
  benchLine('kpi_day', ms, 'ms', ref);
}

export const figures = ['kpi_day'];
