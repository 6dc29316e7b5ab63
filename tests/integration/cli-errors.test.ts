import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli.js';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { servicesFor, tash } from '../support/fixtures.js';
import { writeXlsx } from '../support/xlsx-files.js';

/**
 * The command line as an operator meets it: every wrong input is one line naming the flag and
 * exit code 1 (never a stack trace, never a silent success); the right ones do what the README says.
 */
describe.each(dialects())('command line: wrong input answered in one line (%s)', (dialect) => {
  let dir: string;
  let database: TestDatabase | null = null;
  let stdout: string[];
  let stderr: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crm-cli-errors-'));
    // PostgreSQL: an empty database of its own, migrated by the CLI itself
    if (dialect === 'postgres') database = await freshDatabase('postgres', { migrate: false });
    await writeXlsx(join(dir, 'nophone.xlsx'), [['Ism', 'Kurs'], ['Ali', 'IELTS']]);
    await writeXlsx(join(dir, 'good.xlsx'), [['Ism', 'Telefon'], ['Ali Valiyev', '90 123 45 67'], ['Vali', 'yo‘q']]);
    writeFileSync(join(dir, 'notes.txt'), 'not a spreadsheet\n');
    writeFileSync(join(dir, 'fake.xlsx'), 'not a zip at all\n');
  });
  afterAll(async () => {
    await database?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    stdout = [];
    stderr = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => (stdout.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => (stderr.push(String(s)), true));
  });
  afterEach(() => vi.restoreAllMocks());

  const env = () => ({
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    TELEGRAM_BOT_USERNAME: 'crm_test_bot',
    ...(database ? { DATABASE_URL: database.location } : {}),
  });
  async function run(...argv: string[]) {
    stdout.length = 0;
    stderr.length = 0;
    const code = await runCli(argv, env());
    return { code, out: stdout.join(''), err: stderr.join('') };
  }
  /** exit 1, exactly one line on stderr, containing every given fragment, no stack frames */
  async function refused(argv: string[], ...fragments: Array<string | RegExp>) {
    const r = await run(...argv);
    expect(r.code, `${argv.join(' ')} → ${r.err}`).toBe(1);
    const lines = r.err.split('\n').filter(Boolean);
    expect(lines, `${argv.join(' ')}`).toHaveLength(1);
    expect(r.err).not.toMatch(/\n\s+at |Error:/);
    for (const f of fragments) expect(lines[0]).toMatch(f);
    return r;
  }

  it('migrate says what it applied, then that there is nothing left; --help prints usage and succeeds', async () => {
    const first = await run('migrate');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/applied 2026-11-24-0001-initial-schema/);
    const second = await run('migrate');
    expect(second).toMatchObject({ code: 0, out: 'database is up to date (nothing to apply)\n' });
    // before the first start nobody exists: say how to get the first user instead of printing nothing
    const empty = await run('user', 'list');
    expect(empty).toMatchObject({ code: 0, out: '' });
    expect(empty.err).toMatch(/no staff users yet.*user add/);

    for (const help of ['--help', '-h', 'help']) {
      const r = await run(help);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: npm run crm -- <command>/);
      expect(r.out).toMatch(/user add --username/);
    }
    const userHelp = await run('user', '--help');
    expect(userHelp.code).toBe(0);
    expect(userHelp.out).toMatch(/user add --username U/);
    const none = await run();
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^usage: npm run crm -- <command>/);
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^unknown command "frobnicate"/);
  });

  it('user add refuses each bad flag by name and creates nobody; a good one is stored as given', async () => {
    await refused(['user', 'add', '--username', 'u1', '--role', 'boss'], '--role', /sales, sales_manager, admin/);
    await refused(['user', 'add', '--username', 'u1', '--days', '0,8'], '--days', /"0"/);
    await refused(['user', 'add', '--username', 'u1', '--days', 'mon'], '--days', /"mon"/, /1 = Monday/);
    await refused(['user', 'add', '--username', 'u1', '--start', '25:00'], '--start', /25:00/);
    await refused(['user', 'add', '--username', 'u1', '--end', '9am'], '--end', /9am/);
    await refused(['user', 'add', '--username', 'u1', '--start', '18:00', '--end', '18:00'], /--end 18:00 must differ from --start 18:00/);
    await refused(['user', 'add', '--username', 'u1', '--end', '09:00'], '--end', /differ from the start time \(09:00\)/);
    await refused(['user', 'add', '--username', 'u1', '--courses', '999'], '--courses', /no course with id 999/);
    await refused(['user', 'add', '--username', 'u1', '--courses', '1,x'], '--courses', /"x"/);
    await refused(['user', 'add', '--username', 'u1', '--telegram', 'abc'], '--telegram', /"abc"/);
    await refused(['user', 'add', '--username', 'u1', '--language', 'de'], '--language', /uz, ru, en/);
    await refused(['user', 'add', '--username', 'u1', '--rol', 'sales_manager'], /unknown flag --rol/);
    await refused(['user', 'add', '--username', 'u1', '--role'], /--role needs a value/);
    await refused(['user', 'add', '--name', 'Nameless'], /--username is required/);
    await refused(['user', 'add', '--username', 'u1', '--password', 'short'], '--password');
    await refused(['user', 'link', '999'], /user not found \(no user has id 999/);
    await refused(['user', 'link', 'abc'], /"abc"/);
    expect((await run('user', 'list')).out).toBe('');

    const ok = await run('user', 'add', '--username', 'aziz', '--name', 'Aziz Karimov', '--days', '3,1,1,2', '--start', '9:30', '--end', '18:00', '--telegram', '5551');
    expect(ok).toMatchObject({ code: 0, out: 'user 1 aziz (sales) created\n' });
    await refused(['user', 'add', '--username', 'aziz', '--name', 'Again'], '--username', /already taken/);
    await refused(['user', 'add', '--username', 'other', '--telegram', '5551'], '--telegram', /already linked/);
    expect((await run('user', 'list')).out).toBe('1\taziz\tsales\tAziz Karimov\t09:30-18:00\tdays 1,2,3\ttg 5551\tactive\n');
    const link = await run('user', 'link', '1');
    expect(link.code).toBe(0);
    expect(link.out).toMatch(/^https:\/\/t\.me\/crm_test_bot\?start=[A-Za-z0-9_-]+\n$/);
  });

  it('job: an unknown name lists the real ones; every real one runs and reports', async () => {
    const unknown = await refused(['job', 'nope'], /unknown job "nope"/, /mark-overdue/);
    const names = unknown.err.split('jobs: ')[1].trim().split(', ');
    expect(names).toEqual(expect.arrayContaining(['mark-overdue', 'daily-kpi', 'reactivation', 'assign-queued']));
    for (const name of names) {
      const r = await run('job', name);
      expect(r.code, `${name}: ${r.out}${r.err}`).toBe(0);
      expect(r.out).toMatch(new RegExp(`^${name} ok \\(slot `));
    }
    await refused(['job'], /which job\?/);
  }, 60_000);

  it('import refuses a missing file, a non-xlsx file, a sheet without phones and bad flags, naming them', async () => {
    await refused(['import', join(dir, 'missing.xlsx')], 'missing.xlsx');
    await refused(['import', join(dir, 'notes.txt')], 'notes.txt', /Excel/);
    await refused(['import', join(dir, 'fake.xlsx')], 'fake.xlsx', /Excel/);
    await refused(['import', join(dir, 'nophone.xlsx')], 'nophone.xlsx', /Telefon ustuni topilmadi/);
    await refused(['import', join(dir, 'good.xlsx'), '--map', 'foo=bar'], '--map', /"foo=bar"/);
    await refused(['import', join(dir, 'good.xlsx'), '--errors', join(dir, 'no-such-folder', 'r.xlsx')], '--errors', /does not exist/);
    await refused(['import', join(dir, 'good.xlsx'), '--lang', 'de'], '--lang');
    await refused(['import', join(dir, 'good.xlsx'), '--dryrun'], /unknown flag --dryrun/);
    await refused(['import', '--commit', 'abc'], '--commit', /"abc"/);
    await refused(['import', '--commit', '999'], '--commit', /no import with id 999/);
    await refused(['import'], /which file/);

    const dry = await run('import', join(dir, 'good.xlsx'), '--dry-run', '--errors', join(dir, 'report.xlsx'));
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/1 new, 0 duplicate .*1 invalid/);
    const id = /import --commit (\d+)/.exec(dry.out)![1];
    const done = await run('import', '--commit', id);
    expect(done).toMatchObject({ code: 0 });
    expect(done.out).toMatch(/committed: 1 created/);
  });

  it('export refuses a bad kind, status, source, date, period, id or output folder, naming the flag', async () => {
    const out = join(dir, 'out.xlsx');
    await refused(['export', 'foo', '--out', out], /unknown export "foo"/);
    await refused(['export', 'leads'], /--out file\.xlsx is required/);
    await refused(['export', 'leads', '--out', out, '--status', 'bogus'], '--status', /"bogus"/);
    await refused(['export', 'leads', '--out', out, '--status', 'new,wrong'], '--status', /"wrong"/);
    await refused(['export', 'leads', '--out', out, '--source', 'fax'], '--source', /"fax"/);
    await refused(['export', 'leads', '--out', out, '--from', '2024-13-45'], '--from', /2024-13-45/);
    await refused(['export', 'leads', '--out', out, '--from', '2025-02-30'], '--from');
    await refused(['export', 'kpi', '--out', out, '--to', 'yesterday'], '--to');
    await refused(['export', 'leads', '--out', out, '--from', '2025-02-01', '--to', '2025-01-01'], /--to 2025-01-01 is before --from 2025-02-01/);
    await refused(['export', 'leads', '--out', out, '--assigned', 'abc'], '--assigned');
    await refused(['export', 'leads', '--out', out, '--parked', 'maybe'], '--parked');
    await refused(['export', 'kpi', '--out', out, '--user', 'abc'], '--user');
    await refused(['export', 'kpi', '--out', out, '--status', 'new'], /--status does not apply/);
    await refused(['export', 'analytics', '--out', out, '--source', 'bogus'], '--source');
    await refused(['export', 'leads', '--out', join(dir, 'no-such-folder', 'x.xlsx')], '--out', /does not exist/);
    await refused(['export', 'leads', '--out', out, '--lang', 'de'], '--lang');

    const leads = await run('export', 'leads', '--out', out, '--status', 'new', '--source', 'excel', '--parked', 'yes');
    expect(leads).toMatchObject({ code: 0, out: `1 leads written to ${out}\n` });
    const kpi = await run('export', 'kpi', '--out', out, '--from', '2025-01-01', '--to', '2025-01-31');
    expect(kpi).toMatchObject({ code: 0, out: `0 KPI rows (2025-01-01 … 2025-01-31) written to ${out}\n` });
  });

  it('demo and subcommands refuse stray arguments', async () => {
    mkdirSync(join(dir, 'x'), { recursive: true });
    await refused(['demo', 'now'], /demo takes no arguments/);
    await refused(['migrate', '--force'], /unknown flag --force/);
    await refused(['user', 'remove', '1'], /unknown subcommand "user remove"/);
    await refused(['job', 'mark-overdue', 'daily-kpi'], /one job at a time/);
  });
});

describe('command line: an unreachable database is one line, not a stack', () => {
  it('names the connection problem and exits 1', async () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => (err.push(String(s)), true));
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const code = await runCli(['user', 'list'], { LOG_LEVEL: 'silent', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
      expect(code).toBe(1);
      expect(err.join('')).toMatch(/^user: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe.each(dialects())('staff user rules behind every door (%s)', (dialect) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(dialect);
  });
  afterAll(async () => database.cleanup());

  it('refuses a non-numeric Telegram id, unknown courses and a shift ending before it starts; keeps days once, in order', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T10:00'));
    const base = { fullName: 'Test', role: 'sales' as const };
    await expect(services.users.create({ ...base, username: 't1', telegramUserId: 'abc' })).rejects.toMatchObject({ code: 'VALIDATION', fields: { telegramUserId: expect.any(String) } });
    await expect(services.users.create({ ...base, username: 't2', courseIds: [4242] })).rejects.toMatchObject({ code: 'VALIDATION', fields: { courseIds: expect.stringContaining('4242') } });
    await expect(services.users.create({ ...base, username: 't3', workStart: '18:00', workEnd: '18:00' })).rejects.toMatchObject({ code: 'VALIDATION', fields: { workEnd: expect.any(String) } });
    // an evening team's shift past midnight is a shift, not a mistake
    const night = await services.users.create({ ...base, username: 't5', workStart: '18:00', workEnd: '02:00' });
    expect([night.user.work_start, night.user.work_end]).toEqual(['18:00', '02:00']);
    const { user } = await services.users.create({ ...base, username: 't4', workDays: [5, 1, 1, 3], telegramUserId: '777' });
    expect(JSON.parse(user.work_days)).toEqual([1, 3, 5]);
    await expect(services.users.update(user.id, { workStart: user.work_end })).rejects.toMatchObject({ fields: { workEnd: expect.stringContaining(user.work_end) } });
    await expect(services.users.update(user.id, { courseIds: [4242] })).rejects.toMatchObject({ fields: { courseIds: expect.any(String) } });
    expect((await services.users.update(user.id, { workStart: '08:00' })).work_start).toBe('08:00');
  });
});
