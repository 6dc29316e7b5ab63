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
import { LANGS } from './core/i18n/i18n.js';
import { CliUsageError, clockTime, idList, oneOf, parseFlags, positiveInt, weekdays } from './cli-args.js';

/** What every command gets: built the same way main.ts builds it (config → db, migrated → services). */
export interface CliContext {
  config: Config;
  log: Log;
  database: Database;
  services: Services;
  out: (line: string) => void;
  err: (line: string) => void;
  /** migrations this run applied (every command migrates first) */
  applied: string[];
}

type Command = { usage: string; run: (args: string[], ctx: CliContext) => Promise<number> };

/** `npm run crm -- <command> …`; add a command with one entry here. */
const commands: Record<string, Command> = {
  job: { usage: 'job <name>   run one scheduled job now and print what it did', run: jobCommand },
  migrate: { usage: 'migrate      apply pending database migrations', run: migrateCommand },
  user: { usage: 'user add --username U --name "Full Name" --role sales|sales_manager|admin [--days 1,2,3,4,5,6] [--start 09:00] [--end 18:00] [--courses 1,2] [--telegram ID] [--language uz|ru|en] [--password P] [--phone P] | user list | user link <id>   (prints a one-time Telegram link, 24 h)', run: userCommand },
  demo: { usage: 'demo         fill an empty database with a believable center (courses, groups, staff, a month of leads)', run: demoCommand },
  import: { usage: importUsage, run: importCommand },
  export: { usage: exportUsage, run: exportCommand },
};

const USER_ADD_FLAGS = ['username', 'name', 'role', 'days', 'start', 'end', 'courses', 'telegram', 'language', 'password', 'phone'] as const;

/** Core field → the flag that sets it, so a refusal names what the operator typed. */
const USER_FIELD_FLAGS: Record<string, string> = {
  username: '--username',
  fullName: '--name',
  role: '--role',
  workDays: '--days',
  workStart: '--start',
  workEnd: '--end',
  courseIds: '--courses',
  telegramUserId: '--telegram',
  language: '--language',
  password: '--password',
  phone: '--phone',
};

function withFlagNames(e: AppError, command: string): AppError {
  const [field, problem] = Object.entries(e.fields ?? {})[0] ?? [];
  if (!field) return e;
  const flag = USER_FIELD_FLAGS[field.split('.')[0]];
  return flag ? new AppError(e.code, `${command}: ${flag}: ${problem}`, e.fields, e.details) : e;
}

async function userCommand(args: string[], ctx: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') {
    parseFlags(rest, {}, 'user list');
    const users = await ctx.services.users.list();
    // the first admin is created when the server first starts; a list run before that is empty
    if (!users.length) ctx.err('no staff users yet: start the server once (it creates the first admin) or add one with user add');
    for (const u of users) {
      ctx.out(
        [u.id, u.username, u.role, u.full_name, `${u.work_start}-${u.work_end}`, `days ${JSON.parse(u.work_days).join(',')}`, u.telegram_user_id ? `tg ${u.telegram_user_id}` : 'tg -', u.is_active ? 'active' : 'inactive'].join('\t'),
      );
    }
    return 0;
  }
  if (sub === 'add') {
    const { positional, f } = parseFlags(rest, { values: USER_ADD_FLAGS }, 'user add');
    if (positional.length) throw new CliUsageError(`user add: unexpected "${positional[0]}" (values go after their flag, e.g. --name "Aziza K.")`);
    if (!f.username) {
      ctx.err('user add: --username is required (e.g. npm run crm -- user add --username aziza --name "Aziza K." --role sales)');
      return 1;
    }
    const start = f.start === undefined ? undefined : clockTime('--start', f.start);
    const end = f.end === undefined ? undefined : clockTime('--end', f.end);
    if (start && end && end === start) throw new CliUsageError(`user add: --end ${end} must differ from --start ${start} (an end before the start runs past midnight)`);
    const input = {
      username: f.username,
      fullName: f.name ?? f.username,
      role: oneOf('--role', f.role ?? 'sales', ROLES),
      workDays: f.days === undefined ? undefined : weekdays('--days', f.days),
      workStart: start,
      workEnd: end,
      courseIds: f.courses === undefined ? undefined : idList('--courses', f.courses),
      telegramUserId: f.telegram === undefined ? undefined : telegramId(f.telegram),
      language: f.language === undefined ? undefined : oneOf('--language', f.language, LANGS),
      password: f.password,
      phone: f.phone,
    };
    let created: Awaited<ReturnType<Services['users']['create']>>;
    try {
      created = await ctx.services.users.create(input);
    } catch (e) {
      throw e instanceof AppError ? withFlagNames(e, 'user add') : e;
    }
    const { user, password } = created;
    ctx.out(`user ${user.id} ${user.username} (${user.role}) created`);
    if (password) ctx.out(`password: ${password}`);
    return 0;
  }
  if (sub === 'link') {
    const { positional } = parseFlags(rest, {}, 'user link');
    if (positional.length !== 1) throw new CliUsageError('usage: user link <id>   (ids: npm run crm -- user list)');
    const id = positiveInt('user link', positional[0]);
    const target = (await ctx.services.users.list()).find((u) => u.id === id);
    if (!target) throw new CliUsageError(`user link: user not found (no user has id ${id}; ids: npm run crm -- user list)`);
    if (!target.is_active) throw new CliUsageError(`user link: user ${id} (${target.username}) is deactivated`);
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
  ctx.err(`${sub ? `unknown subcommand "user ${sub}"; ` : ''}usage: user add … | user list | user link <id>`);
  return 1;
}

const ROLES = ['sales', 'sales_manager', 'admin'] as const;

function telegramId(v: string): string {
  const s = v.trim();
  if (!/^\d{1,20}$/.test(s) || /^0+$/.test(s)) throw new CliUsageError(`--telegram: "${v}" is not a Telegram user id (digits only, e.g. 123456789)`);
  return s;
}

async function migrateCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positional } = parseFlags(args, {}, 'migrate');
  if (positional.length) throw new CliUsageError(`migrate: unexpected "${positional[0]}" (migrate takes no arguments)`);
  for (const name of ctx.applied) ctx.out(`applied ${name}`);
  ctx.out(ctx.applied.length ? `database is up to date (${ctx.applied.length} migrations applied)` : 'database is up to date (nothing to apply)');
  return 0;
}

async function demoCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positional } = parseFlags(args, {}, 'demo');
  if (positional.length) throw new CliUsageError(`demo: unexpected "${positional[0]}" (demo takes no arguments)`);
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
  const { positional } = parseFlags(args, {}, 'job');
  if (positional.length > 1) throw new CliUsageError(`job: one job at a time (got ${positional.join(', ')})`);
  const name = positional[0];
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

const HELP = new Set(['--help', '-h', 'help']);

function usage(): string {
  return `usage: npm run crm -- <command>\n${Object.values(commands).map((c) => `  ${c.usage}`).join('\n')}`;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  const [name, ...args] = argv;
  if (name && HELP.has(name)) {
    out(usage());
    return 0;
  }
  const command = name ? Object.hasOwn(commands, name) ? commands[name] : undefined : undefined;
  if (!command) {
    err(`${name ? `unknown command "${name}"\n` : ''}${usage()}`);
    return 1;
  }
  if (args.some((a) => HELP.has(a))) {
    out(`usage: npm run crm -- ${command.usage}`);
    return 0;
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
  let database: Database | null = null;
  try {
    database = openDatabase({ dialect: config.dialect, sqlitePath: config.sqlitePath, url: config.DATABASE_URL });
    const applied = await migrate(database);
    const services = createServices(
      { db: database.db, dialect: database.dialect, clock: systemClock, log, tz: config.CRM_TIMEZONE },
      { importMaxBytes: config.IMPORT_MAX_BYTES, sheets: sheetsConfigFrom(config) },
    );
    return await command.run(args, { config, log, database, services, out, err, applied });
  } catch (e) {
    if (e instanceof AppError || e instanceof CliUsageError) {
      err(e.message);
      return 1;
    }
    // an operator reads one line (a missing folder, a refused database connection), not a stack
    log.debug({ err: e }, 'command failed');
    err(`${name}: ${oneLine(e)}`);
    return 1;
  } finally {
    await database?.destroy();
  }
}

function oneLine(e: unknown): string {
  // pg's refused connection is an AggregateError with an empty message of its own
  if (e instanceof AggregateError && !e.message && e.errors.length) return oneLine(e.errors[0]);
  const text = e instanceof Error ? e.message || e.name : String(e);
  return (text.split('\n').find((l) => l.trim()) ?? 'failed').trim();
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli.ts');
if (isMain) {
  process.exitCode = await runCli(process.argv.slice(2));
}
