import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { sign } from '@telegram-apps/init-data-node';
import { benchLine, note } from './format.js';
import { seededDatabase } from './seed.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = '1000001:bench-token';
const TELEGRAM_ID = 777_001;
const CONNECTIONS = 16;
const SECONDS = 10;

/**
 * my_leads_p95: p95 latency of the Mini App's my-leads list (GET /api/leads, first page of 50,
 * signed in as one salesperson) at 1M leads / 100 salespeople (40% open), autocannon c=16, against
 * the p95 of a bare GET route at c=16, both served by a child process.
 */
async function p95(port: number, path: string, headers: Record<string, string>, seconds: number) {
  const times: number[] = [];
  const statuses = new Map<number, number>();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: seconds, headers }, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, status, _bytes, responseTime) => {
      times.push(responseTime);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    });
  });
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN;
  return { p95: at(0.95), p50: at(0.5), requests: times.length, statuses, result };
}

export async function run(names: string[]): Promise<void> {
  if (!names.includes('my_leads_p95')) return;
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-myleads-'));
  const file = join(dir, 'crm.sqlite');
  try {
    const seeded = await seededDatabase(file, { leads: 1_000_000, salespeople: 100, onShift: 20 });
    await seeded.database.destroy();
    note(`my_leads_p95: seeded 1,000,000 leads (40% open, 100 salespeople) in ${seeded.seconds.toFixed(1)} s`);
    const seller = seeded.salesIds[0];
    const db = new SQLite(file);
    db.prepare('update users set telegram_user_id = ? where id = ?').run(String(TELEGRAM_ID), seller);
    const owned = (db.prepare('select count(*) as n from leads where assigned_to = ?').get(seller) as { n: number }).n;
    db.close();

    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/my-leads-server.ts', file, TOKEN], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const ports = await new Promise<{ api: number; ref: number }>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{"api"'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`bench server exited (${code}): ${out}`)));
    });
    try {
      const initData = sign({ user: { id: TELEGRAM_ID, first_name: 'Bench' }, signature: 'bench' }, TOKEN, new Date());
      const auth = { authorization: `tma ${initData}` };
      await p95(ports.ref, '/api/leads', {}, 2);
      const ref = await p95(ports.ref, '/api/leads', {}, SECONDS);
      await p95(ports.api, '/api/leads?limit=50', auth, 2);
      const mine = await p95(ports.api, '/api/leads?limit=50', auth, SECONDS);
      const bad = [...mine.statuses].filter(([s]) => s !== 200);
      note(
        `my_leads_p95: ${mine.requests} requests (${owned} leads owned by the salesperson), p50 ${mine.p50} ms, p95 ${mine.p95} ms, statuses ${JSON.stringify(Object.fromEntries(mine.statuses))}; ` +
          `ref ${ref.requests} requests, p50 ${ref.p50} ms, p95 ${ref.p95} ms`,
      );
      if (bad.length) {
        process.stderr.write(`my_leads_p95 FAILED: non-200 answers ${JSON.stringify(bad)}\n`);
        process.exitCode = 1;
      }
      benchLine('my_leads_p95', mine.p95, 'ms', ref.p95);
    } finally {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const figures = ['my_leads_p95'];
