import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger } from './logger.js';
import { openDatabase } from './db/connection.js';
import { migrate } from './db/migrate.js';
import { systemClock } from './core/clock.js';
import { createServices } from './core/services.js';
import { sheetsConfigFrom } from './core/import/sheets-sync.js';
import { createApi } from './api/app.js';
import { createAdmin } from './admin/admin.js';
import { createScheduler } from './scheduler/runner.js';
import { buildJobs } from './scheduler/jobs.js';
import { createBot, mountTelegramWebhook, startBot, webhookSecret, type RunningBot } from './bot/bot.js';
import { outboxDeliveryFromConfig } from './bot/outbox-delivery.js';
import { ensureMiniAppBuilt } from './miniapp/build.js';

export async function start(config: Config) {
  const log = createLogger(config.LOG_LEVEL);
  const database = openDatabase({
    dialect: config.dialect,
    sqlitePath: config.sqlitePath,
    url: config.DATABASE_URL,
    onIdleConnectionError: (err) => log.warn({ err: err.message }, 'database: an idle connection failed and was dropped; the pool opens a new one'),
  });
  const applied = await migrate(database);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const services = createServices(
    { db: database.db, dialect: database.dialect, clock: systemClock, log, tz: config.CRM_TIMEZONE },
    { importMaxBytes: config.IMPORT_MAX_BYTES, sheets: sheetsConfigFrom(config) },
  );

  const admin = await services.users.ensureFirstAdmin();
  if (admin) {
    // printed once, on the console only (never logged to a file), so the first login is possible
    process.stdout.write(
      `\n  First admin account created\n    username: ${admin.username}\n    password: ${admin.password}\n  Change it after the first login.\n\n`,
    );
  }

  // the Mini App's static build (/app/): built here when missing or older than its sources
  await ensureMiniAppBuilt(log);
  const api = createApi({ services, config, log });
  // the staff bot (SPEC §7): long polling, or a webhook on this app when TELEGRAM_WEBHOOK_URL is set
  const bot = config.TELEGRAM_BOT_TOKEN ? createBot({ services, config, log }) : null;
  if (bot && config.TELEGRAM_WEBHOOK_URL) mountTelegramWebhook(api, bot, webhookSecret(config));
  const honoListener = getRequestListener(api.fetch);
  // every process runs the scheduler; job_runs claims make each (job, slot) run once across them.
  // Made here (started below) so the back office's "run now" goes through the same instance.
  const scheduler =
    config.SCHEDULER === 'on'
      ? createScheduler({ db: database.db, dialect: database.dialect, clock: systemClock, log, tz: config.CRM_TIMEZONE, jobs: buildJobs({ services, config }) })
      : null;
  // the back office is AdminJS on Express (no Hono plugin exists): /admin* goes there, the rest to Hono
  const backOffice = await createAdmin({ services, config, log, scheduler: scheduler ?? undefined });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (/^\/admin(?:[/?#]|$)/.test(req.url ?? '')) return void backOffice.app(req, res);
    void honoListener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(config.PORT, config.HOST, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  log.info({ port, db: database.dialect, tz: config.CRM_TIMEZONE }, `CRM listening on http://localhost:${port}`);
  if (!config.TELEGRAM_BOT_TOKEN) log.info('Telegram bot is off: TELEGRAM_BOT_TOKEN is not set');
  // Bot API failures at start-up are logged inside startBot, never fatal
  const runningBot: RunningBot | null = bot ? await startBot(bot, { services, config, log }) : null;

  await scheduler?.start();
  // every Telegram message leaves through the outbox, within Telegram's limits (SPEC §7)
  const delivery = outboxDeliveryFromConfig(config, { db: database.db, dialect: database.dialect, clock: systemClock, log });
  delivery?.start();

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      log.info('shutting down');
      await scheduler?.stop();
      await runningBot?.stop();
      await delivery?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // idle keep-alive sockets would hold close() open; in-flight requests still finish
        server.closeIdleConnections();
      });
      await database.destroy();
      log.info('stopped');
    })());
  return { server, port, services, database, stop, log };
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('main.ts');
if (isMain) {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await start(config);
  const onSignal = () => {
    const timer = setTimeout(() => process.exit(1), 9_000);
    timer.unref();
    void app.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}
