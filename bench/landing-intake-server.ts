// Child process of bench/landing-intake.ts: the real server (main.ts start()) on a SQLite file with
// the per-IP landing limit raised, plus the reference (a bare Hono POST route parsing the same
// JSON) on another port, and the API with a stubbed intake (transport cost alone). Prints the ports
// as JSON once all listen; stops on SIGTERM.
import { createServer } from 'node:http';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { loadConfig } from '../config.js';
import { start } from '../main.js';
import { createApi } from '../api/app.js';
import { createLogger } from '../logger.js';

const file = process.argv[2];
const config = loadConfig({
  DATABASE_URL: `sqlite:${file}`,
  PORT: '0',
  HOST: '127.0.0.1',
  SCHEDULER: 'off',
  LOG_LEVEL: 'silent',
  TELEGRAM_BOT_TOKEN: '',
  // every request of the bench comes from 127.0.0.1
  LANDING_RATE_LIMIT: '1000000000',
});
const app = await start(config);
// five salespeople on shift whatever the wall clock says, and a manager for the landing digest
for (let i = 1; i <= 5; i++) {
  await app.services.users.create({ username: `bench_sales_${i}`, fullName: `Bench Sales ${i}`, role: 'sales', workDays: [1, 2, 3, 4, 5, 6, 7], workStart: '00:00', workEnd: '23:59' });
}
await app.services.users.create({ username: 'bench_manager', fullName: 'Bench Manager', role: 'sales_manager' });

const bare = new Hono();
bare.post('/api/public/leads', async (c) => {
  const body = await c.req.json<{ name?: string; phone?: string }>();
  return c.json({ id: body.phone ? body.phone.length : 0, duplicate: false }, 201);
});
const ref = createServer(getRequestListener(bare.fetch));
await new Promise<void>((resolve) => ref.listen(0, '127.0.0.1', resolve));
const refPort = (ref.address() as { port: number }).port;
// the same API with intake replaced by a constant answer: how much of a request is transport
const stubbed = createApi({
  services: { ...app.services, leads: { ...app.services.leads, intake: async () => ({ lead: { id: 1 } as never, duplicate: false, outcome: 'created' as const }) } },
  config,
  log: createLogger('silent'),
});
const transport = createServer(getRequestListener(stubbed.fetch));
await new Promise<void>((resolve) => transport.listen(0, '127.0.0.1', resolve));
const transportPort = (transport.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ crm: app.port, ref: refPort, transport: transportPort })}\n`);

process.once('SIGTERM', () => {
  ref.close();
  transport.close();
  void app.stop().then(() => process.exit(0));
});
