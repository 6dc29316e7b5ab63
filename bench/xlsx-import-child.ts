// Child process of bench/xlsx-import.ts, so each figure runs in a fresh process and the parent's
// own memory does not count. `import <file> <dir>`: dry run + commit (parked) into a fresh SQLite
// database. `read <file>`: the reference, exceljs stream-reading the file alone. Prints one JSON line.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { ManualClock } from '../core/clock.js';
import { silentLogger } from '../core/deps.js';
import { createServices } from '../core/services.js';
import { openDatabase } from '../db/connection.js';
import { migrate } from '../db/migrate.js';

const [mode, file, dir] = process.argv.slice(2);
const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

if (mode === 'read') {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(file), { sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', worksheets: 'emit' });
  let rows = 0;
  for await (const ws of reader) for await (const row of ws) if (row.values) rows++;
  process.stdout.write(`${JSON.stringify({ seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuSeconds(process.cpuUsage(c0)), rows })}\n`);
} else {
  const database = openDatabase({ dialect: 'sqlite', sqlitePath: join(dir, 'import.sqlite') });
  await migrate(database);
  const now = new Date().toISOString();
  for (const name of ['English', 'Matematika', 'IT']) {
    await database.db.insertInto('courses').values({ name, price: 500_000, lesson_minutes: 90, lessons_per_week: 3, active: 1, created_at: now }).execute();
  }
  // built as the CLI builds them (`npm run crm -- import`)
  const services = createServices(
    { db: database.db, dialect: 'sqlite', clock: new ManualClock('2026-03-04T05:00:00Z'), log: silentLogger, tz: 'Asia/Tashkent' },
    { importMaxBytes: 200 * 1024 * 1024 },
  );
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const dry = await services.imports.dryRun(file);
  const t1 = performance.now();
  const cpuDry = process.cpuUsage(c0);
  const committed = await services.imports.commit(dry.importId);
  const t2 = performance.now();
  const cpu = process.cpuUsage(c0);
  const leads = Number((await database.db.selectFrom('leads').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  await database.destroy();
  process.stdout.write(
    `${JSON.stringify({
      seconds: (t2 - t0) / 1000,
      dryRunSeconds: (t1 - t0) / 1000,
      cpuSeconds: cpuSeconds(cpu),
      dryRunCpuSeconds: cpuSeconds(cpuDry),
      rssMb: process.resourceUsage().maxRSS / 1024,
      counts: dry.counts,
      committed,
      leads,
    })}\n`,
  );
}
