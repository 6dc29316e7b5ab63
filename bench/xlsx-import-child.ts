// Child process of bench/xlsx-import.ts: imports one file into a fresh SQLite database and prints
// its timings and peak RSS as one JSON line (so the parent's own memory does not count).
import { join } from 'node:path';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import { createImportService } from '../core/import/import-service.js';
import { openDatabase } from '../db/connection.js';
import { migrate } from '../db/migrate.js';

const [file, dir] = process.argv.slice(2);
const database = openDatabase({ dialect: 'sqlite', sqlitePath: join(dir, 'import.sqlite') });
await migrate(database);
const now = new Date().toISOString();
for (const name of ['English', 'Matematika', 'IT']) {
  await database.db.insertInto('courses').values({ name, price: 500_000, lesson_minutes: 90, lessons_per_week: 3, active: 1, created_at: now }).execute();
}
const services = createServices({ db: database.db, dialect: 'sqlite', clock: new ManualClock('2026-03-04T05:00:00Z'), log: silentLogger, tz: 'Asia/Tashkent' });
const imports = createImportService(services.deps, { maxBytes: 200 * 1024 * 1024, intake: services.leads.intake });

const c0 = process.cpuUsage();
const t0 = performance.now();
const dry = await imports.dryRun(file);
const t1 = performance.now();
const cpuDry = process.cpuUsage(c0);
const committed = await imports.commit(dry.importId);
const t2 = performance.now();
const cpu = process.cpuUsage(c0);
const leads = Number((await database.db.selectFrom('leads').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
await database.destroy();
process.stdout.write(
  `${JSON.stringify({
    seconds: (t2 - t0) / 1000,
    dryRunSeconds: (t1 - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    dryRunCpuSeconds: (cpuDry.user + cpuDry.system) / 1e6,
    rssMb: process.resourceUsage().maxRSS / 1024,
    counts: dry.counts,
    committed,
    leads,
  })}\n`,
);
