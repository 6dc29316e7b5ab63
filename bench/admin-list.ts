import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiController } from 'adminjs';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import { loadConfig } from '../config.js';
import { createAdminJs } from '../admin/admin.js';
import { benchLine, note } from './format.js';
import { BENCH_NOW, seededDatabase } from './seed.js';

export const figures = ['admin_leads_list_100k'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time(fn: () => Promise<unknown>, runs = 20): Promise<number> {
  await fn();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/**
 * Server time of the back office's leads list at 100k leads: the AdminJS list action (filter by
 * status, a later page, sorted by creation, references resolved to names, total count) against
 * a plain Kysely page query of the same filter.
 */
export async function run(names: string[]): Promise<void> {
  if (!names.includes('admin_leads_list_100k')) return;
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-admin-'));
  try {
    const seeded = await seededDatabase(join(dir, 'admin.sqlite'), { leads: 100_000, salespeople: 20, onShift: 10, followUps: 0 });
    note(`seeded 100,000 leads in ${seeded.seconds.toFixed(1)} s`);
    const db = seeded.database.db;
    const services = createServices({ db, dialect: 'sqlite', clock: new ManualClock(BENCH_NOW), log: silentLogger, tz: 'Asia/Tashkent' });
    const admin = createAdminJs({ services, config: loadConfig({}), adapter: { db, dialect: 'sqlite', tz: 'Asia/Tashkent', now: () => BENCH_NOW } });
    const manager = { id: 1, role: 'sales_manager', email: 'bench', title: 'Bench' };
    const controller = new ApiController({ admin }, manager);
    const list = () =>
      controller.resourceAction(
        {
          params: { resourceId: 'leads', action: 'list' },
          query: { 'filters.status': 'contacted', page: '5', perPage: '20', sortBy: 'created_at', direction: 'desc' },
          method: 'get',
        } as never,
        {},
      );
    const plain = () =>
      db.selectFrom('leads').selectAll().where('status', '=', 'contacted').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(20).offset(80).execute();
    const ref = await time(plain);
    const ms = await time(list);
    benchLine('admin_leads_list_100k', ms, 'ms', ref);
    await seeded.database.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
