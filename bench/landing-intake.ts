import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import { benchLine, note } from './format.js';
import { minimalFloorMicros } from './intake.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONNECTIONS = 64;
const SECONDS = 10;

/**
 * landing_intake: req/s of POST /api/public/leads on the real server (SQLite, distinct phones,
 * autocannon c=64, 10 s) against a bare Hono POST route parsing the same JSON, both served by one
 * child process so the load generator (this process) never shares their event loop.
 */
async function load(port: number, seconds: number, phoneStart: number) {
  let seq = phoneStart;
  const acknowledged: number[] = [];
  const statuses = new Map<number, number>();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    // a slow answer on a busy shared machine is still an answer: count it rather than time it out
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: '/api/public/leads',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        setupRequest: (req) => {
          const n = seq++;
          return { ...req, body: JSON.stringify({ name: `Bench Lead ${n}`, phone: `+99890${String(n).padStart(7, '0')}`, comment: 'bench', utm: { source: 'bench' } }) };
        },
        onResponse: (status, body) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (status === 201) acknowledged.push((JSON.parse(body) as { id: number }).id);
        },
      },
    ],
  });
  return { result, acknowledged, statuses };
}

async function startServers(file: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/landing-intake-server.ts', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ crm: number; ref: number; transport: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{"crm"'));
      if (line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code}): ${out}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { ports, stop };
}

export async function run(names: string[]): Promise<void> {
  if (!names.includes('landing_intake')) return;
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-landing-'));
  const file = join(dir, 'crm.sqlite');
  try {
    const servers = await startServers(file);
    let crm: Awaited<ReturnType<typeof load>>;
    let ref: Awaited<ReturnType<typeof load>>;
    let transport: Awaited<ReturnType<typeof load>>;
    try {
      // short warm-ups (JIT, SQLite page cache), then the measured runs
      await load(servers.ports.ref, 2, 9_000_000);
      ref = await load(servers.ports.ref, SECONDS, 9_100_000);
      transport = await load(servers.ports.transport, 5, 8_000_000);
      const warm = await load(servers.ports.crm, 2, 1_000_000);
      crm = await load(servers.ports.crm, SECONDS, 3_000_000);
      crm.acknowledged.push(...warm.acknowledged);
      for (const [s, n] of warm.statuses) crm.statuses.set(s, (crm.statuses.get(s) ?? 0) + n);
    } finally {
      await servers.stop();
    }
    const nonOk = crm.result.non2xx + crm.result.errors + crm.result.timeouts;
    note(
      `landing_intake: ${crm.result.requests.total} requests in ${SECONDS} s, statuses ${JSON.stringify(Object.fromEntries(crm.statuses))}, ` +
        `non-2xx ${crm.result.non2xx}, errors ${crm.result.errors}, timeouts ${crm.result.timeouts}, p99 ${crm.result.latency.p99} ms; ` +
        `ref ${ref.result.requests.total} requests, p99 ${ref.result.latency.p99} ms`,
    );
    note(
      `landing_intake: the same API with intake stubbed (transport, validation, rate limit, headers) ${Math.round(transport.result.requests.average)} req/s ` +
        `= ${(transport.result.requests.average / ref.result.requests.average).toFixed(2)} of ref; the rest of the gap is core intake`,
    );
    // what one event loop could serve if intake cost no more than the database work ANY intake must
    // do in a burst (bench/intake.ts minimal floor, 64 leads per commit) on top of the measured transport
    const floorUs = minimalFloorMicros(join(dir, 'floor.sqlite'), 6_400, 64);
    const ceiling = 1e6 / (1e6 / transport.result.requests.average + floorUs);
    note(
      `landing_intake: ceiling with a rule-free intake at the minimal floor (${floorUs.toFixed(0)} us/lead in a burst) on top of that transport: ` +
        `${Math.round(ceiling)} req/s = ${(ceiling / ref.result.requests.average).toFixed(2)} of ref`,
    );
    // every acknowledged lead must be in the database; beyond those, at most the requests still in
    // flight when each run's clock ran out (served, but their answers no longer read)
    const db = new SQLite(file, { readonly: true });
    const stored = new Set((db.prepare('select id from leads').all() as { id: number }[]).map((r) => r.id));
    db.close();
    const acked = new Set(crm.acknowledged);
    const missing = [...acked].filter((id) => !stored.has(id));
    const unanswered = stored.size - acked.size;
    note(`landing_intake: ${acked.size} leads acknowledged, ${stored.size} stored, ${missing.length} acknowledged but missing, ${unanswered} stored from requests in flight at the end`);
    if (missing.length || acked.size !== crm.acknowledged.length || unanswered < 0 || unanswered > 2 * CONNECTIONS || nonOk) {
      process.stderr.write(`landing_intake FAILED its checks: non-2xx/errors ${nonOk}, missing ${missing.length}, stored ${stored.size} vs acknowledged ${acked.size}\n`);
      process.exitCode = 1;
    }
    benchLine('landing_intake', crm.result.requests.average, 'req/s', ref.result.requests.average);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const figures = ['landing_intake'];
