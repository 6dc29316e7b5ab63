// Child process of bench/my-leads.ts: the HTTP API (api/app.ts, Telegram sign-in with a bench
// token) on a seeded SQLite file, and the reference (a bare Hono GET route) on another port.
// Prints {"api":port,"ref":port} once both listen; stops on SIGTERM.
import { createServer } from 'node:http';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from '../db/connection.js';
import { systemClock } from '../core/clock.js';
import { createServices } from '../core/services.js';
import { createApi } from '../api/app.js';

const [file, token] = process.argv.slice(2);
const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'silent', TELEGRAM_BOT_TOKEN: token, SCHEDULER: 'off' });
const log = createLogger('silent');
const database = openDatabase({ dialect: 'sqlite', sqlitePath: file });
const services = createServices({ db: database.db, dialect: 'sqlite', clock: systemClock, log, tz: config.CRM_TIMEZONE });
const api = createApi({ services, config, log });

const bare = new Hono().get('/api/leads', (c) => c.json({ items: [], next: null }));
const listen = async (fetch: (req: Request) => Response | Promise<Response>) => {
  const server = createServer(getRequestListener(fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};
const apiServer = await listen(api.fetch);
const refServer = await listen(bare.fetch);
const port = (s: typeof apiServer) => (s.address() as { port: number }).port;
process.stdout.write(`${JSON.stringify({ api: port(apiServer), ref: port(refServer) })}\n`);

process.once('SIGTERM', () => {
  apiServer.close();
  refServer.close();
  void database.destroy().then(() => process.exit(0));
});
