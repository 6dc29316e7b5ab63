import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../cli.js';
import { openDatabase } from '../../db/connection.js';

describe('command line (SQLite file)', () => {
  let dir: string;
  let lines: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-cli-'));
    lines = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s: any) => (lines.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: any) => (lines.push(String(s)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ DATA_DIR: dir, LOG_LEVEL: 'silent' });

  it('adds and lists users; a taken username is refused with the field named', async () => {
    expect(await runCli(['user', 'add', '--username', 'aziz', '--name', 'Aziz Karimov', '--role', 'sales', '--days', '1,2,3', '--start', '10:00', '--end', '19:00', '--telegram', '777'], env())).toBe(0);
    expect(await runCli(['user', 'add', '--username', 'boss', '--name', 'Boss', '--role', 'sales_manager'], env())).toBe(0);
    expect(lines.join('')).toMatch(/password: \S{12,}/);
    lines.length = 0;
    expect(await runCli(['user', 'list'], env())).toBe(0);
    const out = lines.join('');
    expect(out).toMatch(/aziz\tsales\tAziz Karimov\t10:00-19:00\tdays 1,2,3\ttg 777/);
    expect(out).toMatch(/boss\tsales_manager/);
    lines.length = 0;
    expect(await runCli(['user', 'add', '--username', 'aziz', '--name', 'Again'], env())).toBe(1);
    expect(lines.join('')).toMatch(/username: is already taken/);
    lines.length = 0;
    expect(await runCli(['user', 'add', '--name', 'Nameless'], env())).toBe(1);
    expect(lines.join('')).toMatch(/--username is required/);
    lines.length = 0;
    expect(await runCli(['user', 'add', '--username', 'odd', '--role', 'boss'], env())).toBe(1);
    expect(lines.join('')).toMatch(/role/);
  });

  it('demo fills an empty database with a believable center once, and refuses a second time', async () => {
    expect(await runCli(['demo'], env())).toBe(0);
    const database = openDatabase({ dialect: 'sqlite', sqlitePath: join(dir, 'crm.sqlite') });
    const statuses = await database.db.selectFrom('leads').select('status').distinct().execute();
    expect(statuses.map((s) => s.status).sort()).toEqual(
      ['contacted', 'enrolled', 'interested', 'lost', 'new', 'offer_sent', 'reactivation', 'trial_attended', 'trial_not_attended', 'trial_registered'].sort(),
    );
    const sales = await database.db.selectFrom('users').select('id').where('role', '=', 'sales').execute();
    expect(sales).toHaveLength(5);
    expect((await database.db.selectFrom('leads').select('id').execute()).length).toBeGreaterThanOrEqual(200);
    expect((await database.db.selectFrom('follow_ups').select('id').where('state', '=', 'open').execute()).length).toBeGreaterThan(0);
    expect(await database.db.selectFrom('leave_requests').select('id').execute()).toHaveLength(1);
    await database.destroy();
    expect(await runCli(['demo'], env())).toBe(1);
    expect(lines.join('')).toMatch(/empty database only/);
  }, 60_000);
});
