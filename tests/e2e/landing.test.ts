import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../config.js';
import { start } from '../../main.js';
import type { User } from '../../db/types.js';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const XSS_NAME = '<img src=x onerror=alert(1)>';
const PUBLIC_URL = 'https://kurs.example.uz';

let dir: string;
let app: Awaited<ReturnType<typeof start>>;
let base: string;
let browser: Browser;
let seller: User;
let courseId: number;
/** requests the browser tried to send anywhere but this machine */
const outside: string[] = [];
/** alert/confirm/prompt dialogs any page opened (an executed XSS payload would land here) */
const dialogs: string[] = [];
/** CSP violations and page errors reported by the browser */
const problems: string[] = [];

async function newPage(opts: { javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: opts.javaScriptEnabled ?? true, locale: 'uz-UZ' });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
    outside.push(url.toString());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { context, page };
}

const leadByPhone = (phone: string) => app.database.db.selectFrom('leads').selectAll().where('phone', '=', phone).executeTakeFirst();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'crm-e2e-landing-'));
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'crm.sqlite')}`,
    DATA_DIR: dir,
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL,
    SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    TELEGRAM_BOT_TOKEN: '',
    // every page here posts from 127.0.0.1: the default 5 a minute would refuse the later tests
    LANDING_RATE_LIMIT: '100',
  });
  app = await start(config);
  base = `http://127.0.0.1:${app.port}`;
  // on shift whatever the wall clock says: every day, 00:00–23:59
  seller = (await app.services.users.create({ username: 'seller', fullName: 'Sardor', role: 'sales', workDays: [1, 2, 3, 4, 5, 6, 7], workStart: '00:00', workEnd: '23:59' })).user;
  const course = await app.database.db
    .insertInto('courses')
    .values({ name: 'IELTS Intensive', price: 1_200_000, lesson_minutes: 90, lessons_per_week: 3, active: 1, created_at: new Date().toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
  courseId = course.id;
  await app.database.db.updateTable('center_settings').set({ center_name: 'Bilim Markazi', contact_phone: '+998 71 123 45 67' }).where('id', '=', 1).execute();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('landing page in Chromium', () => {
  it('renders with canonical from PUBLIC_URL and switches language', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${base}/`);
      expect(await page.getAttribute('html', 'lang')).toBe('uz');
      expect(await page.title()).toContain('Bilim Markazi');
      expect(await page.getAttribute('link[rel=canonical]', 'href')).toBe(`${PUBLIC_URL}/`);
      expect(await page.getAttribute('meta[property="og:url"]', 'content')).toBe(`${PUBLIC_URL}/`);
      await expect(page.locator('.price').first().textContent()).resolves.toMatch(/1\s200\s000 so'm/);

      await page.click('nav.langs a[hreflang=ru]');
      await page.waitForURL(/lang=ru/);
      expect(await page.getAttribute('html', 'lang')).toBe('ru');
      expect(await page.getAttribute('link[rel=canonical]', 'href')).toBe(`${PUBLIC_URL}/?lang=ru`);
      expect(await page.locator('h2').first().textContent()).toBe('Курсы');
    } finally {
      await context.close();
    }
  });

  it('with JavaScript: the form posts JSON, shows the success inline, the name stays text; the lead has its assignee, course and UTM', async () => {
    const { context, page } = await newPage();
    try {
      await page.goto(`${base}/?utm_source=e2e&utm_campaign=autumn`);
      const url = page.url();
      const phone = '+998901230001';
      await page.fill('#f-name', XSS_NAME);
      await page.fill('#f-phone', '90 123 00 01');
      await page.selectOption('#f-course', String(courseId));
      await page.fill('#f-comment', 'evening group please');
      const [request] = await Promise.all([page.waitForRequest((r) => r.url().endsWith('/api/public/leads') && r.method() === 'POST'), page.click('button[type=submit]')]);
      expect(request.headers()['content-type']).toMatch(/application\/json/);
      const success = page.locator('p.success');
      await success.waitFor();
      expect(await success.textContent()).toBe(`Rahmat, ${XSS_NAME}! Arizangiz qabul qilindi, tez orada qo'ng'iroq qilamiz.`);
      expect(await page.locator('p.success img').count()).toBe(0);
      expect(page.url()).toBe(url); // no navigation: the inline script handled it

      const lead = await leadByPhone(phone);
      expect(lead).toMatchObject({ name: XSS_NAME, source: 'form', assigned_to: seller.id, course_id: courseId, utm_source: 'e2e', utm_campaign: 'autumn', last_note: 'evening group please' });
    } finally {
      await context.close();
    }
  });

  it('without JavaScript: the form posts, the thank-you page shows the name as text; the lead has its assignee', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    try {
      await page.goto(`${base}/?lang=en&utm_source=nojs`);
      await page.fill('#f-name', XSS_NAME);
      await page.fill('#f-phone', '+998 90 123 00 02');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(page.url()).toBe(`${base}/api/public/leads`);
      expect(await page.locator('h1').textContent()).toBe('Thank you!');
      expect(await page.locator('p.success').textContent()).toBe(`Thank you, ${XSS_NAME}! We received your request and will call you soon.`);
      expect(await page.locator('main img').count()).toBe(0);
      const lead = await leadByPhone('+998901230002');
      expect(lead).toMatchObject({ name: XSS_NAME, source: 'form', assigned_to: seller.id, utm_source: 'nojs' });
    } finally {
      await context.close();
    }
  });

  it('without JavaScript: a bad phone comes back with the error beside the field and the typed name kept', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    try {
      await page.goto(`${base}/?lang=en`);
      await page.fill('#f-name', 'Kamola');
      await page.fill('#f-phone', '12');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      expect(await page.locator('[data-error-for=phone]').textContent()).toBe('Invalid phone number');
      expect(await page.inputValue('#f-name')).toBe('Kamola');
    } finally {
      await context.close();
    }
  });

  for (const javaScriptEnabled of [true, false]) {
    it(`keyboard only at 320 px (${javaScriptEnabled ? 'with' : 'without'} JavaScript): a bad phone is marked invalid, its error read with it and focused; then the lead is sent`, async () => {
      const context = await browser.newContext({ viewport: { width: 320, height: 640 }, javaScriptEnabled, locale: 'ru-RU' });
      const page = await context.newPage();
      try {
        await page.goto(`${base}/`);
        expect(await page.getAttribute('html', 'lang')).toBe('ru');
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
        await page.focus('#f-name');
        await page.keyboard.type('Клавиатура');
        await page.keyboard.press('Tab');
        await page.keyboard.type('12');
        await page.keyboard.press('Enter');
        await page.locator('[data-error-for=phone]:not(:empty)').waitFor();
        const phone = page.locator('#f-phone');
        expect(await phone.getAttribute('aria-invalid')).toBe('true');
        const described = await phone.getAttribute('aria-describedby');
        expect(await page.locator(`#${described}`).textContent()).toBe('Неверный номер телефона');
        expect(await page.getAttribute('#f-name', 'aria-invalid')).toBeNull();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('f-phone');
        await page.keyboard.press('ControlOrMeta+a');
        await page.keyboard.type(`90 124 00 0${javaScriptEnabled ? 3 : 4}`);
        await page.keyboard.press('Enter');
        await page.locator('.success').waitFor();
        expect(await leadByPhone(`+99890124000${javaScriptEnabled ? 3 : 4}`)).toMatchObject({ name: 'Клавиатура', assigned_to: seller.id });
      } finally {
        await context.close();
      }
    });
  }

  it('/api/docs renders Swagger UI with no request to another host', async () => {
    const { context, page } = await newPage();
    try {
      const before = outside.length;
      await page.goto(`${base}/api/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
      expect(await page.locator('.info .title').textContent()).toContain('Edu CRM API');
      expect(outside.slice(before)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('no page made a request to another host, opened a dialog or broke its CSP', () => {
    expect(outside).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
  });
});
