import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase } from '../support/db.js';

/** Starts `main.ts` as `npm start` does, in its own process, and collects its output. */
function startProcess(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts'], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', SCHEDULER: 'off', TELEGRAM_BOT_TOKEN: '', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = out.match(/"port":(\d+)/);
      if (m) {
        clearInterval(timer);
        resolve(Number(m[1]));
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited before listening:\n${out}`));
    });
  });
  // a process expected to fail never listens: that rejection is only an error when awaited
  port.catch(() => undefined);
  return { child, port, exited, output: () => out };
}

const running: ChildProcess[] = [];
afterEach(() => {
  for (const c of running.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe.each(dialects())('start-up on %s', (dialect) => {
  it('creates the data folder, migrates, prints the admin credentials once, serves /healthz and stops on SIGTERM within 10 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-start-'));
    const database = dialect === 'postgres' ? await freshDatabase('postgres', { migrate: false }) : null;
    try {
      const env = { DATA_DIR: join(dir, 'data'), ...(database ? { DATABASE_URL: database.location } : {}) };
      const p = startProcess(env);
      running.push(p.child);
      const port = await p.port;
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', db: dialect });
      expect(p.output()).toMatch(/username: admin\s+password: (\S{12,})/);
      if (dialect === 'sqlite') expect(existsSync(join(dir, 'data', 'crm.sqlite'))).toBe(true);
      const t0 = Date.now();
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);

      // a second start finds the admin: no new credentials are printed
      const again = startProcess(env);
      running.push(again.child);
      await again.port;
      expect(again.output()).not.toMatch(/password:/);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      await database?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('bad configuration', () => {
  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://nope'],
    ['CRM_TIMEZONE', 'Mars/Olympus'],
  ])('%s=%s stops start-up with one line naming the variable', async (name, value) => {
    const p = startProcess({ DATA_DIR: mkdtempSync(join(tmpdir(), 'crm-bad-')), [name]: value });
    running.push(p.child);
    expect(await p.exited).toBe(1);
    const lines = p.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(name);
  }, 30_000);
});
