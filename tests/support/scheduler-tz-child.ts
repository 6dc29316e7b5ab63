// Run by tests/integration/scheduler.test.ts under different TZ values: steps a clock through one
// Tashkent day and prints which (job, slot) ran, plus the host zone it saw, as JSON on stdout.
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';
import { createServices } from '../../core/services.js';
import { createScheduler } from '../../scheduler/runner.js';
import { buildJobs } from '../../scheduler/jobs.js';
import { freshDatabase } from './db.js';

const tz = 'Asia/Tashkent';
const database = await freshDatabase('sqlite');
try {
  const clock = new ManualClock('2026-11-24T19:00:00.000Z'); // 2026-11-25 00:00 in Tashkent
  const end = new Date('2026-11-25T19:30:00.000Z'); // 2026-11-26 00:30 in Tashkent
  const services = createServices({ db: database.db, dialect: database.dialect, clock, log: silentLogger, tz });
  const noop = async () => ({});
  const jobs = buildJobs({
    services,
    bodies: { 'daily-kpi': noop, reactivation: noop, 'expire-offers': noop, 'daily-summary': noop, 'leave-notices': noop },
  }).filter((j) => ['daily-kpi', 'reactivation', 'expire-offers', 'daily-summary', 'leave-notices'].includes(j.name));
  const scheduler = createScheduler({ db: database.db, dialect: database.dialect, clock, log: silentLogger, tz, jobs });
  let t: Date | null = clock.now();
  while (t && t.getTime() <= end.getTime()) {
    clock.set(t);
    await scheduler.tick(t);
    t = scheduler.nextSlotAfter(t);
  }
  const rows = await database.db.selectFrom('job_runs').select(['job', 'slot', 'status']).orderBy('slot').orderBy('job').execute();
  process.stdout.write(
    JSON.stringify({
      hostZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      runs: rows.map((r) => `${r.job}@${r.slot}@${r.status}`),
    }),
  );
} finally {
  await database.cleanup();
}
