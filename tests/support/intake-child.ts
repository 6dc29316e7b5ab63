// A second process doing intakes on the same database file (concurrency tests).
import { openDatabase } from '../../db/connection.js';
import { createServices } from '../../core/services.js';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';

const [location, start, count, at] = process.argv.slice(2);
const database = openDatabase(location.startsWith('postgres') ? { dialect: 'postgres', url: location } : { dialect: 'sqlite', sqlitePath: location });
const services = createServices({ db: database.db, dialect: database.dialect, clock: new ManualClock(at), log: silentLogger, tz: 'Asia/Tashkent' });
let created = 0;
for (let i = 0; i < Number(count); i++) {
  const phone = `+99890${String(Number(start) + i).padStart(7, '0')}`;
  const r = await services.leads.intake({ name: `Race ${i}`, phone, source: 'form' });
  if (!r.duplicate) created++;
}
await database.destroy();
process.stdout.write(JSON.stringify({ created }));
