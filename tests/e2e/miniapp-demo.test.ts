import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { freshDatabase, type TestDatabase } from '../support/db.js';
import { servicesFor } from '../support/fixtures.js';
import { startServer, type RunningServer } from '../support/server.js';
import { CHROMIUM_ARGS } from '../support/telegram-webview.js';
import { ensureMiniAppBuilt } from '../../miniapp/build.js';

/**
 * Demo mode (no bot token): the /demo page signs init data with a throw-away secret and opens the
 * Mini App in a plain browser. With no Telegram around it, the app mocks Telegram's environment
 * (only because the server marked the page as demo) and draws the Main and Back buttons itself.
 */
let database: TestDatabase;
let server: RunningServer;
let browser: Browser;
const outside: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  await ensureMiniAppBuilt();
  database = await freshDatabase('sqlite');
  const { services } = servicesFor(database, new Date().toISOString());
  const { user } = await services.users.create({ username: 'demo_sales', fullName: 'Demo Sotuvchi', role: 'sales', workStart: '00:00', workEnd: '23:59', workDays: [1, 2, 3, 4, 5, 6, 7], language: 'en' });
  await services.leads.intake({ name: 'Demo Lead', phone: '+998907770001', source: 'walk_in' }, user);
  await database.destroy();
  server = await startServer({ DATABASE_URL: `sqlite:${database.location}`, TELEGRAM_BOT_TOKEN: '', LOG_LEVEL: 'warn' });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await database?.cleanup().catch(() => undefined);
});

describe('Mini App in demo mode (a plain browser, no Telegram)', () => {
  it('opens from /demo, mocks Telegram, and draws the Main and Back buttons in the page', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'en-US', colorScheme: 'dark' });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.fallback();
      outside.push(url.toString());
      return route.abort();
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${server.url}/demo`);
    await page.getByRole('button', { name: 'Open Mini App as Demo Sotuvchi' }).click();
    await page.getByTestId('today').waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => typeof (window as unknown as { TelegramWebviewProxy?: unknown }).TelegramWebviewProxy)).toBe('object');
    // the mock answers like Telegram: the browser's dark scheme becomes Telegram's dark theme
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    // the user's language (en) came with the demo init data
    expect(await page.locator('h1').first().textContent()).toBe("Today's follow-ups");
    const main = page.getByTestId('mock-main-button');
    expect(await main.textContent()).toBe('New lead');
    await main.click();
    await page.getByTestId('new-lead').waitFor();
    expect(await page.getByTestId('mock-main-button').isDisabled()).toBe(true);
    await page.getByTestId('new-name').fill('Walk-in Parent');
    await page.getByTestId('new-phone').fill('+998 90 777 00 02');
    await page.getByTestId('mock-main-button').click();
    await expect.poll(() => page.getByTestId('lead-name').textContent(), { timeout: 10_000 }).toBe('Walk-in Parent');
    await page.getByRole('button', { name: 'Back', exact: true }).click();
    await page.getByTestId('today').waitFor();
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
