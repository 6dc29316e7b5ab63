import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger, type Log } from './logger.js';
import { openDatabase, type Database } from './db/connection.js';
import { migrate } from './db/migrate.js';
import { systemClock } from './core/clock.js';
import { createServices, type Services } from './core/services.js';
import { AppError } from './core/errors.js';
import { createScheduler } from './scheduler/runner.js';
import { buildJobs } from './scheduler/jobs.js';
import { exportCommand, exportUsage, importCommand, importUsage } from './cli-import-export.js';
import { sheetsConfigFrom } from './core/import/sheets-sync.js';

/** What every command gets: built the same way main.ts builds it (config → db, migrated → services). */
export interface CliContext {
  config: Config;
  log: Log;
  database: Database;
  services: Services;
  out: (line: string) => void;
  err: (line: string) => void;
}

type Command = { usage: string; run: (args: string[], ctx: CliContext) => Promise<number> };

/** `npm run crm -- <command> …`; add a command with one entry here. */
const commands: Record<string, Command> = {
  job: { usage: 'job <name>   run one scheduled job now and print what it did', run: jobCommand },
  migrate: { usage: 'migrate      apply pending database migrations', run: async (_a, ctx) => (ctx.out('database is up to date'), 0) },
  user: { usage: 'user add --username U --name "Full Name" --role sales|sales_manager|admin [--days 1,2,3,4,5,6] [--start 09:00] [--end 18:00] [--courses 1,2] [--telegram ID] [--language uz|ru|en] [--password P] | user list | user link <id>   (prints a one-time Telegram link, 24 h)', run: userCommand },
  demo: { usage: 'demo         fill an empty database with a believable center (courses, groups, staff, a month of leads)', run: demoCommand },
  import: { usage: importUsage, run: importCommand },
  export: { usage: exportUsage, run: exportCommand },
};

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split('=', 2);
      out[k] = inline ?? (args[i + 1] && !args[i + 1].startsWith('--') ? args[++i] : 'true');
    }
  }
  return out;
}

const numbers = (v: string | undefined) => (v ? v.split(',').map((x) => Number(x.trim())) : undefined);

async function userCommand(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    for (const u of await ctx.services.users.list()) {
      ctx.out(
        [u.id, u.username, u.role, u.full_name, `${u.work_start}-${u.work_end}`, `days ${JSON.parse(u.work_days).join(',')}`, u.telegram_user_id ? `tg ${u.telegram_user_id}` : 'tg -', u.is_active ? 'active' : 'inactive'].join('\t'),
      );
    }
    return 0;
  }
  if (sub === 'add') {
    const f = flags(rest);
    if (!f.username || f.username === 'true') {
      ctx.err('user add: --username is required (e.g. npm run crm -- user add --username aziza --name "Aziza K." --role sales)');
      return 1;
    }
    const { user, password } = await ctx.services.users.create({
      username: f.username,
      fullName: f.name ?? f.username,
      role: (f.role ?? 'sales') as 'sales',
      workDays: numbers(f.days),
      workStart: f.start,
      workEnd: f.end,
      courseIds: numbers(f.courses),
      telegramUserId: f.telegram,
      language: f.language as 'uz' | undefined,
      password: f.password,
      phone: f.phone,
    });
    ctx.out(`user ${user.id} ${user.username} (${user.role}) created`);
    if (password) ctx.out(`password: ${password}`);
    return 0;
  }
  if (sub === 'link') {
    const id = Number(rest[0]);
    if (!Number.isInteger(id) || id <= 0) {
      ctx.err('usage: user link <id>   (ids: npm run crm -- user list)');
      return 1;
    }
    const { resolveBotUsername } = await import('./bot/username.js');
    const username = await resolveBotUsername(ctx.config);
    if (!username) {
      ctx.err('the bot username is unknown: set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN so it can be asked from Telegram)');
      return 1;
    }
    const link = await ctx.services.telegramLinks.createLink(id, username);
    ctx.out(link.url);
    ctx.err(`one-time link for ${link.user.fullName} (${link.user.username}), valid until ${link.expiresAt}; opening it and pressing Start links that Telegram account`);
    return 0;
  }
  ctx.err('usage: user add … | user list | user link <id>');
  return 1;
}

async function demoCommand(_args: string[], ctx: CliContext): Promise<number> {
  const { seedDemo } = await import('./core/demo/demo.js');
  const started = Date.now();
  const r = await seedDemo(ctx.services.deps);
  ctx.out(`demo center created in ${((Date.now() - started) / 1000).toFixed(1)} s: ${r.leads} leads`);
  for (const u of r.users) ctx.out(`  ${u.role.padEnd(13)} ${u.username.padEnd(10)} ${u.password ? `password ${u.password}` : '(Telegram only: link with "user link <id>")'}`);
  return 0;
}

async function jobCommand(args: string[], ctx: CliContext): Promise<number> {
  const { config, log, database, services } = ctx;
  const jobs = buildJobs({ services, config });
  const scheduler = createScheduler({
    db: database.db,
    dialect: database.dialect,
    clock: systemClock,
    log,
    tz: config.CRM_TIMEZONE,
    jobs,
    owner: `cli:${process.pid}`,
  });
  const name = args[0];
  if (!name || !scheduler.names().includes(name)) {
    const why = name ? `unknown job "${name}"` : 'which job?';
    const sheets = name === 'sheets-sync' ? ' (Google Sheets sync needs GOOGLE_SHEETS_ID)' : '';
    ctx.err(`${why}${sheets}; jobs: ${scheduler.names().join(', ')}`);
    return 1;
  }
  const outcome = await scheduler.runNow(name);
  if (outcome.status === 'ok') {
    ctx.out(`${name} ok (slot ${outcome.slot}, ${outcome.durationMs} ms): ${JSON.stringify(outcome.result)}`);
    return 0;
  }
  if (outcome.status === 'failed') {
    ctx.out(`${name} failed (slot ${outcome.slot}, ${outcome.durationMs} ms): ${outcome.error}`);
    return 1;
  }
  ctx.out(`${name} not started: ${outcome.reason === 'busy' ? 'it is still running elsewhere' : 'this slot was already claimed'}`);
  return 1;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    err(`${name ? `unknown command "${name}"\n` : ''}usage: npm run crm -- <command>\n${Object.values(commands).map((c) => `  ${c.usage}`).join('\n')}`);
    return 1;
  }
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
  // logs go to stderr: stdout is the command's answer
  const log = createLogger(env.LOG_LEVEL ?? 'warn', 2);
  const database = openDatabase({ dialect: config.dialect, sqlitePath: config.sqlitePath, url: config.DATABASE_URL });
  try {
    await migrate(database);
    const services = createServices(
      { db: database.db, dialect: database.dialect, clock: systemClock, log, tz: config.CRM_TIMEZONE },
      { importMaxBytes: config.IMPORT_MAX_BYTES, sheets: sheetsConfigFrom(config) },
    );
    return await command.run(args, { config, log, database, services, out, err });
  } catch (e) {
    if (e instanceof AppError) {
      err(e.message);
      return 1;
    }
    throw e;
  } finally {
    await database.destroy();
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli.ts');
if (isMain) {
  process.exitCode = await runCli(process.argv.slice(2));
}
