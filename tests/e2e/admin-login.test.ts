import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { openDatabase, type Database } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { createServices } from '../../core/services.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';
import { startServer, type RunningServer } from '../support/server.js';

const SHOTS = 'test-output/admin';
const XSS_NAME = '<img src=x onerror=alert(1)>';
const PASSWORD = 'correct-horse-1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let dir: string;
let dbPath: string;
let server: RunningServer;
let browser: Browser;
/** every request the browser tried to send anywhere but this machine */
const outside: string[] = [];
/** every alert/confirm/prompt a page opened */
const dialogs: string[] = [];

async function seed(database: Database) {
  const services = createServices({ db: database.db, dialect: database.dialect, clock: systemClock, log: silentLogger, tz: 'Asia/Tashkent' });
  const boss = await services.users.create({ username: 'boss', fullName: 'Bosh Admin', role: 'admin', password: PASSWORD });
  await services.users.create({ username: 'manager', fullName: 'Malika Menejer', role: 'sales_manager', password: PASSWORD });
  await services.users.create({ username: 'lockme', fullName: 'Lola Menejer', role: 'sales_manager', password: PASSWORD });
  const { user: seller } = await services.users.create({ username: 'seller', fullName: 'Sardor Sotuvchi', role: 'sales', password: PASSWORD });
  const now = new Date().toISOString();
  const lead = (name: string, phone: string, status: 'new' | 'contacted' | 'lost') => ({
    name,
    phone,
    source: 'instagram' as const,
    status,
    assigned_to: seller.id,
    parked: 0,
    created_at: now,
    updated_at: now,
    status_at: now,
    first_response_alerted: 0,
    no_answer_alerted: 0,
  });
  await database.db
    .insertInto('leads')
    .values([lead(XSS_NAME, '+998901110001', 'new'), lead('Aziz Karimov', '+998901110002', 'contacted'), lead('Dilnoza Rahimova', '+998901110003', 'lost')])
    .execute();
  return { bossId: boss.user.id };
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
    outside.push(url.toString());
    return route.abort();
  });
  const page = await context.newPage();
  // a step that hangs fails with its own message, well within the test's time
  page.setDefaultTimeout(10_000);
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return { context, page };
}

async function signIn(page: Page, username: string, password: string) {
  await page.goto(`${server.url}/admin/login`);
  await page.fill('input[name=email]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForLoadState('load'), page.click('button')]);
}

let bossId = 0;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'crm-admin-e2e-'));
  dbPath = join(dir, 'crm.sqlite');
  const database = openDatabase({ dialect: 'sqlite', sqlitePath: dbPath });
  await migrate(database);
  ({ bossId } = await seed(database));
  await database.destroy();
  server = await startServer({ DATABASE_URL: `sqlite:${dbPath}` });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('back office in Chromium', () => {
  it('a manager signs in and sees the leads list, and no page asks for anything outside this server', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'manager', PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/admin');
    await page.getByText('Sotuv boshqaruvi').waitFor();
    await page.screenshot({ path: `${SHOTS}/dashboard-uz.png` });

    await page.goto(`${server.url}/admin/resources/leads`);
    await page.getByText('Aziz Karimov').waitFor();
    // Uzbek by default: the resource and the status read in Uzbek
    await page.getByText('Aloqa qilindi').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/leads-list-uz.png`, fullPage: true });
    // list columns are never squeezed until a name or phone breaks inside a word
    const cell = page.locator('td[data-css="leads-name-table-cell"]', { hasText: 'Aziz Karimov' }).first();
    const phone = page.locator('td[data-css="leads-phone-table-cell"]').first();
    const longestWord = await cell.evaluate((td) => {
      const probe = document.createElement('span');
      probe.style.whiteSpace = 'nowrap';
      probe.textContent = 'Karimov';
      td.appendChild(probe);
      const w = probe.getBoundingClientRect().width;
      probe.remove();
      return w;
    });
    expect(await cell.evaluate((td) => td.clientWidth)).toBeGreaterThanOrEqual(longestWord);
    expect(await phone.evaluate((td) => td.scrollWidth <= td.clientWidth && getComputedStyle(td).whiteSpace === 'nowrap')).toBe(true);
    // filtered by status through the URL the filter drawer writes
    await page.goto(`${server.url}/admin/resources/leads?filters.status=lost`);
    await page.getByText('Dilnoza Rahimova').waitFor();
    expect(await page.getByText('Aziz Karimov').count()).toBe(0);
    expect(outside).toEqual([]);
    await context.close();
  });

  it('a sales user cannot sign in', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'seller', PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByText('faqat administrator va sotuv menejeri').waitFor();
    await page.screenshot({ path: `${SHOTS}/login-sales-refused.png` });
    const r = await page.goto(`${server.url}/admin/resources/leads`);
    expect(new URL(r!.url()).pathname).toBe('/admin/login');
    await context.close();
  });

  it('five wrong passwords lock the account, and then even the right one is refused', async () => {
    const { context, page } = await newPage();
    for (let i = 0; i < 4; i++) {
      await signIn(page, 'lockme', 'wrong-password');
      await page.getByText("Foydalanuvchi nomi yoki parol noto'g'ri").waitFor();
    }
    await signIn(page, 'lockme', 'wrong-password');
    await page.getByText('15 daqiqaga bloklandi').waitFor();
    await signIn(page, 'lockme', PASSWORD);
    await page.getByText('15 daqiqaga bloklandi').waitFor();
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.screenshot({ path: `${SHOTS}/login-locked.png` });

    const database = openDatabase({ dialect: 'sqlite', sqlitePath: dbPath });
    const row = await database.db.selectFrom('users').select(['locked_until']).where('username', '=', 'lockme').executeTakeFirstOrThrow();
    await database.destroy();
    expect(new Date(row.locked_until!).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    await context.close();
  });

  it('a manager cannot open admin accounts', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'manager', PASSWORD);
    await page.goto(`${server.url}/admin/resources/users`);
    await page.getByText('Sardor Sotuvchi').waitFor();
    expect(await page.getByText('Bosh Admin').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/users-as-manager.png`, fullPage: true });

    // the record's page and its API both refuse: no record comes back, only an error notice
    const api = await page.request.get(`${server.url}/admin/api/resources/users/records/${bossId}/show`);
    const body = (await api.json()) as { record?: { params?: Record<string, unknown> }; notice?: { type: string } };
    expect(body.record?.params?.full_name).toBeUndefined();
    expect(body.notice?.type).toBe('error');
    expect(JSON.stringify(body)).not.toContain('Bosh Admin');
    await page.goto(`${server.url}/admin/resources/users/records/${bossId}/show`);
    await page.waitForTimeout(500);
    expect(await page.getByText('Bosh Admin').count()).toBe(0);
    // nor may a manager create courses (SPEC §10: view only)
    const create = await page.request.post(`${server.url}/admin/api/resources/courses/actions/new`, {
      multipart: { name: 'Hack', price: '1', lesson_minutes: '90', lessons_per_week: '3' },
    });
    expect(((await create.json()) as { notice?: { type: string } }).notice?.type).toBe('error');
    const database = openDatabase({ dialect: 'sqlite', sqlitePath: dbPath });
    const hacked = await database.db.selectFrom('courses').select('id').where('name', '=', 'Hack').execute();
    await database.destroy();
    expect(hacked).toEqual([]);
    await context.close();
  });

  it('a lead named like HTML renders as text on the list and show pages, and no script runs', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'manager', PASSWORD);
    await page.goto(`${server.url}/admin/resources/leads`);
    await page.getByText(XSS_NAME, { exact: true }).filter({ visible: true }).first().waitFor();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/xss-lead-list.png`, fullPage: true });

    await page.getByText(XSS_NAME, { exact: true }).filter({ visible: true }).first().click();
    await page.waitForFunction(() => /\/records\/\d+\/show$/.test(location.pathname));
    // the show page prints the value as a text node beside its label
    const field = page.locator('section', { hasText: XSS_NAME }).filter({ visible: true }).last();
    await field.waitFor();
    expect(await field.innerText()).toContain(XSS_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}/xss-lead-show.png`, fullPage: true });
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('the Russian locale shows Russian labels, and the choice sticks', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'manager', PASSWORD);
    await page.goto(`${server.url}/admin/resources/leads?lang=ru`);
    await page.getByText('Aziz Karimov').waitFor();
    await page.getByText('Связались').first().waitFor();
    await page.getByRole('link', { name: 'Лиды' }).first().waitFor();
    await page.getByText('Статус').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/leads-list-ru.png`, fullPage: true });

    await page.goto(`${server.url}/admin/resources/users`);
    await page.getByText('Сотрудники').first().waitFor();
    await page.goto(`${server.url}/admin/logout`);
    await page.getByText('Имя пользователя').first().waitFor();
    await page.screenshot({ path: `${SHOTS}/login-ru.png` });
    await context.close();
  });

  it('a session survives a server restart', async () => {
    const { context, page } = await newPage();
    await signIn(page, 'manager', PASSWORD);
    await page.goto(`${server.url}/admin/resources/leads`);
    await page.getByText('Aziz Karimov').waitFor();

    await server.stop();
    server = await startServer({ DATABASE_URL: `sqlite:${dbPath}` }, { port: server.port });

    const r = await page.goto(`${server.url}/admin/resources/leads`);
    expect(new URL(r!.url()).pathname).toBe('/admin/resources/leads');
    await page.getByText('Aziz Karimov').waitFor();

    // and signing out ends it
    await page.goto(`${server.url}/admin/logout`);
    const after = await page.goto(`${server.url}/admin/resources/leads`);
    expect(new URL(after!.url()).pathname).toBe('/admin/login');
    await context.close();
  });

  it('nothing was requested from outside this server, and no dialog opened', () => {
    expect(outside).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
