import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import ExcelJS from 'exceljs';
import { openDatabase, type Database } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { createServices, type Services } from '../../core/services.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';
import type { User } from '../../db/types.js';
import { startServer, type RunningServer } from '../support/server.js';

const SHOTS = 'test-output/admin-import';
const PASSWORD = 'correct-horse-1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];
const MAX_BYTES = 200_000;

let dir: string;
let dbPath: string;
let server: RunningServer;
let browser: Browser;
let database: Database;
let services: Services;
let context: BrowserContext;
let page: Page;
const outside: string[] = [];
const seed: { manager: User; aziza: User; bobur: User; existingId: number } = {} as never;

async function signIn(p: Page, username: string) {
  await p.goto(`${server.url}/admin/login`);
  await p.fill('input[name=email]', username);
  await p.fill('input[name=password]', PASSWORD);
  await Promise.all([p.waitForLoadState('load'), p.click('button')]);
}

async function readXlsx(file: string): Promise<string[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(readFileSync(file) as never);
  return wb.worksheets[0]
    .getSheetValues()
    .slice(1)
    .map((r) => ((r as unknown[]) ?? []).slice(1).map((v) => (v == null ? '' : v instanceof Date ? v.toISOString() : String(v))));
}

/** 3 new rows, 1 duplicate of a lead already in the database, 1 row with a phone that is not one. */
async function writeUpload(path: string) {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Lidlar');
  ws.addRow(['Ism', 'Telefon', 'Izoh']);
  ws.addRow(['Sardor Qodirov', '+998 90 555 00 01', 'IELTS']);
  ws.addRow(['Нигора Азимова', 998905550002, '']);
  ws.addRow(['Jasur Olimov', '(90) 555-00-03', 'kechki guruh']);
  ws.addRow(['Aziz Karimov', '+998901110001', 'again']);
  ws.addRow(['Bad Phone', '12345', '']);
  await wb.xlsx.writeFile(path);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'crm-admin-import-'));
  dbPath = join(dir, 'crm.sqlite');
  database = openDatabase({ dialect: 'sqlite', sqlitePath: dbPath });
  await migrate(database);
  services = createServices({ db: database.db, dialect: database.dialect, clock: systemClock, log: silentLogger, tz: 'Asia/Tashkent' });
  const sales = (username: string, fullName: string, tg: number) =>
    services.users.create({ username, fullName, role: 'sales', telegramUserId: tg, password: PASSWORD, workStart: '00:00', workEnd: '23:59', workDays: ALL_DAYS }).then((r) => r.user);
  seed.manager = (await services.users.create({ username: 'manager', fullName: 'Malika Menejer', role: 'sales_manager', password: PASSWORD })).user;
  seed.aziza = await sales('aziza', 'Aziza Sotuvchi', 7001);
  seed.bobur = await sales('bobur', 'Bobur Sotuvchi', 7002);
  const a = await services.leads.intake({ name: 'Aziz Karimov', phone: '+998901110001', source: 'instagram' }, seed.aziza);
  seed.existingId = a.lead.id;
  await services.leads.intake({ name: 'Dilnoza Rahimova', phone: '+998901110002', source: 'telegram' }, seed.bobur);
  await services.leads.intake({ name: 'Olim Toshev', phone: '+998901110003', source: 'instagram' }, seed.bobur);
  await services.leads.intake({ name: 'Kamola Yusupova', phone: '+998901110004', source: 'form' }, seed.aziza);
  server = await startServer({ DATABASE_URL: `sqlite:${dbPath}`, IMPORT_MAX_BYTES: String(MAX_BYTES) });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
    outside.push(url.toString());
    return route.abort();
  });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await signIn(page, 'manager');
}, 240_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  await database?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('back-office Import / Export page in Chromium', () => {
  it('a manager uploads an xlsx, sees 3/1/1, downloads the error report, commits to 100% and finds 3 parked leads', async () => {
    const file = join(dir, 'leads.xlsx');
    await writeUpload(file);
    const leadsBefore = await database.db.selectFrom('leads').select('id').execute();

    await page.goto(`${server.url}/admin/pages/imports`);
    await page.getByText('Lidlarni Exceldan import qilish').waitFor();
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-upload').click();
    await page.getByTestId('dry-run').waitFor();
    expect(await page.getByTestId('count-new').textContent()).toBe('3');
    expect(await page.getByTestId('count-duplicate').textContent()).toBe('1');
    expect(await page.getByTestId('count-invalid').textContent()).toBe('1');
    // the invalid row is named on the page with its reason
    const invalidRows = await page.getByTestId('invalid-rows').locator('tbody tr').allTextContents();
    expect(invalidRows).toHaveLength(1);
    expect(invalidRows[0]).toContain('6');
    expect(invalidRows[0]).toContain('12345');
    // the dry run wrote no lead
    expect(await database.db.selectFrom('leads').select('id').execute()).toHaveLength(leadsBefore.length);
    await page.screenshot({ path: `${SHOTS}/dry-run.png`, fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('error-report').click()]);
    const report = join(dir, 'errors.xlsx');
    await download.saveAs(report);
    const rows = await readXlsx(report);
    expect(rows[0].slice(0, 2)).toEqual(['Qator', 'Sabab']);
    expect(rows.slice(1)).toHaveLength(1);
    expect(rows[1][0]).toBe('6');
    expect(rows[1][1]).toContain('telefon raqami emas');
    expect(rows[1][2]).toBe('Bad Phone');

    await page.getByTestId('import-commit').click();
    await page.getByTestId('progress-percent').getByText('100%').waitFor();
    await page.getByTestId('commit-done').waitFor();
    await page.screenshot({ path: `${SHOTS}/committed.png`, fullPage: true });

    const imported = await database.db.selectFrom('leads').select(['name', 'phone', 'parked', 'source', 'assigned_to']).where('source', '=', 'excel').orderBy('id').execute();
    expect(imported.map((l) => [l.name, l.phone, l.parked, l.assigned_to])).toEqual([
      ['Sardor Qodirov', '+998905550001', 1, null],
      ['Нигора Азимова', '+998905550002', 1, null],
      ['Jasur Olimov', '+998905550003', 1, null],
    ]);
    const existing = await database.db.selectFrom('leads').select(['source']).where('id', '=', seed.existingId).executeTakeFirstOrThrow();
    expect(existing.source).toBe('instagram');
    // the finished import is listed with its counts
    await page.reload();
    const listed = await page.getByTestId('imports-history').locator('tbody tr').first().textContent();
    expect(listed).toContain('leads.xlsx');
    expect(listed).toContain('3 / 1 / 1');
    expect(listed).toContain('Tugadi');
  });

  it('a file over IMPORT_MAX_BYTES is refused with a clear message and writes nothing', async () => {
    const big = join(dir, 'big.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('x');
    ws.addRow(['Ism', 'Telefon', 'Izoh']);
    // random text does not compress, so the file passes the 200 kB limit
    for (let i = 0; i < 4000; i++) ws.addRow([`Name ${i}`, `+99890${String(1000000 + i)}`, randomBytes(40).toString('base64')]);
    await wb.xlsx.writeFile(big);
    expect(statSync(big).size).toBeGreaterThan(MAX_BYTES);
    const importsBefore = await database.db.selectFrom('imports').select('id').execute();
    await page.goto(`${server.url}/admin/pages/imports`);
    await page.getByTestId('import-file').setInputFiles(big);
    await page.getByTestId('import-upload').click();
    await page.getByTestId('import-error').getByText('Fayl juda katta').waitFor();
    expect(await database.db.selectFrom('imports').select('id').execute()).toHaveLength(importsBefore.length);
  });

  it('a salesperson cannot reach the upload route', async () => {
    const other = await browser.newContext();
    const p = await other.newPage();
    await signIn(p, 'aziza');
    // sign-in is refused for sales, so there is no back-office session to upload with
    const upload = await p.request.post(`${server.url}/admin/imports/upload`, {
      multipart: { file: { name: 'x.xlsx', mimeType: 'application/octet-stream', buffer: readFileSync(join(dir, 'leads.xlsx')) } },
    });
    expect([401, 403]).toContain(upload.status());
    const exported = await p.request.get(`${server.url}/admin/exports/leads.xlsx`);
    expect([401, 403]).toContain(exported.status());
    await other.close();
    expect(await database.db.selectFrom('imports').select('id').execute()).toHaveLength(1);
  });

  it('the leads export downloads exactly the leads of the chosen status, source and salesperson', async () => {
    await page.goto(`${server.url}/admin/pages/imports`);
    await page.getByTestId('exp-source').selectOption('instagram');
    await page.getByTestId('exp-assigned').selectOption(String(seed.bobur.id));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-leads').click()]);
    expect(download.suggestedFilename()).toMatch(/^leads-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const file = join(dir, 'leads-export.xlsx');
    await download.saveAs(file);
    const rows = await readXlsx(file);
    expect(rows[0].slice(0, 3)).toEqual(['ID', 'Ism', 'Telefon']);
    const expected = await database.db
      .selectFrom('leads')
      .select(['id', 'name'])
      .where('source', '=', 'instagram')
      .where('assigned_to', '=', seed.bobur.id)
      .orderBy('id')
      .execute();
    expect(expected.map((l) => l.name)).toEqual(['Olim Toshev']);
    expect(rows.slice(1).map((r) => [Number(r[0]), r[1]])).toEqual(expected.map((l) => [l.id, l.name]));

    // a status filter: every lead is still new, the excel leads are parked and new too
    await page.getByTestId('exp-source').selectOption('excel');
    await page.getByTestId('exp-assigned').selectOption('none');
    await page.getByTestId('exp-status').selectOption('new');
    const [d2] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-leads').click()]);
    await d2.saveAs(file);
    const rows2 = await readXlsx(file);
    expect(rows2.slice(1).map((r) => r[1])).toEqual(['Sardor Qodirov', 'Нигора Азимова', 'Jasur Olimov']);
  });

  it('the KPI export of a period downloads an xlsx with its headers', async () => {
    await page.goto(`${server.url}/admin/pages/imports?lang=en`);
    await page.getByText('Import leads from Excel').waitFor();
    await page.getByTestId('kpi-from').fill('2030-01-01');
    await page.getByTestId('kpi-to').fill('2030-01-31');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-kpi').click()]);
    expect(download.suggestedFilename()).toBe('kpi-2030-01-01-2030-01-31.xlsx');
    const file = join(dir, 'kpi.xlsx');
    await download.saveAs(file);
    const rows = await readXlsx(file);
    expect(rows).toHaveLength(1);
    expect(rows[0].length).toBeGreaterThan(5);
    await page.goto(`${server.url}/admin/pages/imports?lang=ru`);
    await page.getByText('Импорт лидов из Excel').waitFor();
    await page.goto(`${server.url}/admin/pages/imports?lang=uz`);
    await page.getByText('Lidlarni Exceldan import qilish').waitFor();
  });

  it('asked nothing from outside this server', () => {
    expect(outside).toEqual([]);
  });
});
