// A delivery worker in its own process, for tests of several workers on one database.
// Usage: node --import tsx tests/support/delivery-worker.ts '<json options>'
// Prints "ready" once started; on SIGTERM stops (waiting for in-flight sends) and prints its stats.
import { Api } from 'grammy';
import { openDatabase, type Dialect } from '../../db/connection.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';
import { createOutboxDelivery, type DeliveryLimits } from '../../bot/outbox-delivery.js';
import { createRenderer } from '../../bot/render.js';

interface Options {
  dialect: Dialect;
  location: string;
  apiRoot: string;
  token: string;
  workerId: string;
  limits?: Partial<DeliveryLimits>;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;
const database = openDatabase(opts.dialect === 'sqlite' ? { dialect: 'sqlite', sqlitePath: opts.location } : { dialect: 'postgres', url: opts.location });
const delivery = createOutboxDelivery({
  db: database.db,
  dialect: database.dialect,
  clock: systemClock,
  log: silentLogger,
  api: new Api(opts.token, { apiRoot: opts.apiRoot, timeoutSeconds: 5 }),
  render: createRenderer({ publicUrl: 'https://crm.example.uz', tz: 'Asia/Tashkent' }),
  limits: opts.limits,
  workerId: opts.workerId,
});
delivery.start();
process.stdout.write('ready\n');

process.once('SIGTERM', () => {
  void (async () => {
    await delivery.stop();
    await database.destroy();
    process.stdout.write(`${JSON.stringify(delivery.stats)}\n`);
    process.exit(0);
  })();
});
