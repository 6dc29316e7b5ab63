import { loadConfig, ConfigError, type Config } from './config.js';
import { createLogger, type Log } from './logger.js';
import { openDatabase, type Database } from './db/connection.js';
import { migrate } from './db/migrate.js';
import { systemClock } from './core/clock.js';
import { createServices, type Services } from './core/services.js';
import { AppError } from './core/errors.js';
import { createScheduler } from './scheduler/runner.js';
import { buildJobs } from './scheduler/jobs.js';

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
};

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
    const services = createServices({ db: database.db, dialect: database.dialect, clock: systemClock, log, tz: config.CRM_TIMEZONE });
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
