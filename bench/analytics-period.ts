import { sql } from 'kysely';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import { benchLine, note } from './format.js';
import { kpiBenchDatabase, medianMs } from './kpi-seed.js';

// 30 local days ending on the bench day (2026-02-03 … 2026-03-04)
const PERIOD = { from: '2026-02-03', to: '2026-03-04' };

export async function run(names: string[]): Promise<void> {
  if (!names.includes('analytics_period')) return;
  const { database } = await kpiBenchDatabase();
  const services = createServices({ db: database.db, dialect: database.dialect, clock: new ManualClock('2026-03-05T05:00:00.000Z'), log: silentLogger, tz: 'Asia/Tashkent' });
  const ref = await medianMs(9, () => sql`select count(*) as n from leads`.execute(database.db));
  const ms = await medianMs(9, () => services.analytics.analytics(PERIOD), 'analytics_period');
  const a = await services.analytics.analytics(PERIOD);
  note(`analytics_period: created ${a.totals.created}, enrolled ${a.totals.enrolled}, lost ${a.totals.lost}, revenue ${a.totals.revenue}, ${a.salespeople.length} salespeople`);
  benchLine('analytics_period', ms, 'ms', ref);
}

export const figures = ['analytics_period'];
