// Mini App figures (shared/BENCH.md):
// - miniapp_js_gzip: KB of the JavaScript index.html loads before anything renders (its entry
//   script and modulepreloads), gzip -9 as the server sends it; ref = the 150 KB budget.
// - miniapp_first_render: ms from navigation to Today's follow-ups on screen, in Debian Chromium
//   against the real server on localhost with a fresh browser context each time (nothing cached)
//   and Telegram's webview emulated; ref = ms to load a blank page the same way in the same run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { sign } from '@telegram-apps/init-data-node';
import { loadConfig } from '../config.js';
import { start } from '../main.js';
import { MINIAPP_DIST, ensureMiniAppBuilt } from '../miniapp/build.js';
import { createBotApiRecorder } from '../tests/support/bot-api-recorder.js';
import { CHROMIUM_ARGS, WEBVIEW_SCRIPT, miniAppUrl } from '../tests/support/telegram-webview.js';
import { benchLine, note } from './format.js';

export const figures = ['miniapp_js_gzip', 'miniapp_first_render'];

const RUNS = 7;
const BOT_TOKEN = '7000002:MINIAPP-bench-bot-token';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The initial JavaScript: what index.html references directly (lazy screens are not counted). */
export function initialJs(dist = MINIAPP_DIST): { files: string[]; gzipBytes: number; rawBytes: number } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const files = [
    ...[...html.matchAll(/<script[^>]+src="\/app\/([^"]+\.js)"/g)].map((m) => m[1]),
    ...[...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/app\/([^"]+\.js)"/g)].map((m) => m[1]),
  ];
  let gzipBytes = 0;
  let rawBytes = 0;
  for (const f of files) {
    const body = readFileSync(join(dist, f));
    rawBytes += body.length;
    gzipBytes += gzipSync(body, { level: 9 }).length;
  }
  return { files, gzipBytes, rawBytes };
}

async function firstRender(): Promise<{ app: number; blank: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-miniapp-'));
  const recorder = await createBotApiRecorder({ token: BOT_TOKEN, maxPollMs: 300 });
  const server = await start(
    loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'crm.sqlite')}`,
      DATA_DIR: dir,
      PORT: '0',
      HOST: '127.0.0.1',
      SCHEDULER: 'off',
      LOG_LEVEL: 'silent',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: recorder.apiRoot,
    }),
  );
  // the reference: the smallest page there is, from the same machine over the same loopback
  const blankServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>');
  });
  await new Promise<void>((r) => blankServer.listen(0, '127.0.0.1', r));
  const blankPort = (blankServer.address() as { port: number }).port;
  let browser: Browser | null = null;
  try {
    const s = server.services;
    const { user } = await s.users.create({ username: 'bench_sales', fullName: 'Bench Sotuvchi', role: 'sales', telegramUserId: 5001, workStart: '00:00', workEnd: '23:59', workDays: [1, 2, 3, 4, 5, 6, 7] });
    // a realistic morning: twenty leads, their first calls due
    for (let i = 0; i < 20; i++) await s.leads.intake({ name: `Lead ${i + 1}`, phone: `+99890700${String(1000 + i)}`, source: 'instagram' }, user);
    await server.database.db.updateTable('follow_ups').set({ due_at: new Date(Date.now() - 600_000).toISOString() }).where('state', '=', 'open').execute();
    const base = `http://127.0.0.1:${server.port}`;

    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const measure = async (url: string, app: boolean): Promise<number> => {
      const context = await browser!.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await context.route('**/*', (route) => (/^(127\.0\.0\.1|localhost)$/.test(new URL(route.request().url()).hostname) ? route.fallback() : route.abort()));
      if (app) {
        await context.addInitScript(WEBVIEW_SCRIPT);
        // the moment the first follow-up is in the DOM, on the page's own clock (ms since navigation start)
        await context.addInitScript(`new MutationObserver((_, o) => { if (document.querySelector('[data-testid="followup"]')) { window.__firstContent = performance.now(); o.disconnect(); } }).observe(document, { childList: true, subtree: true });`);
      }
      const page = await context.newPage();
      await page.goto(url, { waitUntil: 'load' });
      let ms: number;
      if (app) {
        await page.waitForFunction(() => (window as unknown as { __firstContent?: number }).__firstContent !== undefined, null, { timeout: 20_000 });
        ms = await page.evaluate(() => (window as unknown as { __firstContent: number }).__firstContent);
      } else {
        ms = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd);
      }
      await context.close();
      return ms;
    };
    const initData = () => sign({ user: { id: 5001, first_name: 'Bench', language_code: 'uz' }, signature: 'bench' }, BOT_TOKEN, new Date());
    // one warm-up of each (the browser's own start-up), then alternate so noise hits both alike
    await measure(`http://127.0.0.1:${blankPort}/`, false);
    await measure(miniAppUrl(base, initData()), true);
    const apps: number[] = [];
    const blanks: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      blanks.push(await measure(`http://127.0.0.1:${blankPort}/`, false));
      apps.push(await measure(miniAppUrl(base, initData()), true));
    }
    note(`first render runs (ms): ${apps.map((x) => x.toFixed(0)).join(' ')}; blank: ${blanks.map((x) => x.toFixed(1)).join(' ')}`);
    return { app: median(apps), blank: median(blanks) };
  } finally {
    await browser?.close();
    await new Promise<void>((r) => blankServer.close(() => r()));
    await server.stop();
    await recorder.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(names: string[]): Promise<void> {
  const built = await ensureMiniAppBuilt();
  if (built === 'unavailable') throw new Error('the Mini App is not built and Vite is not installed');
  if (names.includes('miniapp_js_gzip')) {
    const js = initialJs();
    note(`initial JS: ${js.files.join(', ')} (${(js.rawBytes / 1024).toFixed(1)} KB raw)`);
    benchLine('miniapp_js_gzip', js.gzipBytes / 1024, 'KB', 150);
  }
  if (names.includes('miniapp_first_render')) {
    const r = await firstRender();
    benchLine('miniapp_first_render', r.app, 'ms', r.blank);
  }
}
