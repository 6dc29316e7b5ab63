import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const SHOTS = 'test-output/admin-actions';
const PASSWORD = 'correct-horse-1';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ALL_DAYS = [1, 2, 3, 4, 5, 6, 7];

let dir: string;
let dbPath: string;
let server: RunningServer;
let browser: Browser;
let database: Database;
let services: Services;
let context: BrowserContext;
let page: Page;
/** every request the browser tried to send anywhere but this machine */
const outside: string[] = [];
const dialogs: string[] = [];

const seed: { aziza: User; bobur: User; manager: User; leadId: number; contactedId: number; leaveA: number; leaveB: number; failedRow: number } = {} as never;

async function seedData() {
  // salespeople on shift around the clock, so nothing waits for quiet hours in this test
  const sales = (username: string, fullName: string, tg: number) =>
    services.users.create({ username, fullName, role: 'sales', telegramUserId: tg, workStart: '00:00', workEnd: '23:59', workDays: ALL_DAYS }).then((r) => r.user);
  seed.manager = (await services.users.create({ username: 'manager', fullName: 'Malika Menejer', role: 'sales_manager', password: PASSWORD })).user;
  seed.aziza = await sales('aziza', 'Aziza Sotuvchi', 7001);
  seed.bobur = await sales('bobur', 'Bobur Sotuvchi', 7002);
  const a = await services.leads.intake({ name: 'Aziz Karimov', phone: '+998901110001', source: 'instagram', note: 'wants evening classes' }, seed.aziza);
  const b = await services.leads.intake({ name: 'Dilnoza Rahimova', phone: '+998901110002', source: 'telegram' }, seed.aziza);
  await services.leads.intake({ name: 'Olim Toshev', phone: '+998901110003', source: 'form' });
  await services.leads.move(b.lead.id, { to: 'contacted' }, seed.aziza);
  seed.leadId = a.lead.id;
  seed.contactedId = b.lead.id;
  seed.leaveA = (await services.leave.request({ startDate: '2030-01-14', reason: 'wedding' }, seed.aziza)).id;
  seed.leaveB = (await services.leave.request({ startDate: '2030-01-21', reason: 'trip' }, seed.bobur)).id;
  const now = new Date().toISOString();
  const failed = await database.db
    .insertInto('outbox')
    .values({
      chat_id: '7001',
      user_id: seed.aziza.id,
      kind: 'manager_message',
      payload: JSON.stringify({ fromName: 'Malika', text: 'hello' }),
      priority: 'normal',
      not_before: now,
      status: 'failed',
      attempts: 5,
      last_error: 'Forbidden: bot was blocked by the user',
      unknown_outcome: 0,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  seed.failedRow = failed.id;
}

async function signIn(username: string) {
  await page.goto(`${server.url}/admin/login`);
  await page.fill('input[name=email]', username);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForLoadState('load'), page.click('button')]);
}

const shot = (name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), 'crm-admin-actions-'));
  dbPath = join(dir, 'crm.sqlite');
  database = openDatabase({ dialect: 'sqlite', sqlitePath: dbPath });
  await migrate(database);
  services = createServices({ db: database.db, dialect: database.dialect, clock: systemClock, log: silentLogger, tz: 'Asia/Tashkent' });
  await seedData();
  server = await startServer({ DATABASE_URL: `sqlite:${dbPath}` });
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
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  await signIn('manager');
}, 240_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stop();
  await database?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('back-office business actions in Chromium (manager)', () => {
  it('filters leads by status, opens one and sees its timeline with names', async () => {
    await page.goto(`${server.url}/admin/resources/leads?filters.status=contacted`);
    await page.getByText('Dilnoza Rahimova').first().waitFor();
    expect(await page.getByText('Aziz Karimov').count()).toBe(0);
    await shot('leads-filtered');

    await page.goto(`${server.url}/admin/resources/leads`);
    await page.getByText('Aziz Karimov').first().click();
    await page.waitForURL(`**/admin/resources/leads/records/${seed.leadId}/show`);
    const timeline = page.getByTestId('lead-timeline');
    await timeline.getByText('Lid tarixi').waitFor();
    const rows = timeline.getByTestId('timeline-row');
    await rows.first().waitFor();
    const text = await timeline.innerText();
    expect(text).toContain('Lid yaratildi');
    expect(text).toContain('Aziza Sotuvchi');
    expect(text).toContain('Biriktirildi');
    await shot('lead-timeline');
  });

  it('reassigns the lead; the new assignee gets an outbox notification and the timeline says who did it', async () => {
    await page.goto(`${server.url}/admin/resources/leads/records/${seed.leadId}/show`);
    await page.getByText('Boshqa sotuvchiga berish').first().click();
    await page.getByTestId('crm-form-reassign').waitFor();
    // nothing chosen: the refusal names the field, under it and in the notice
    await page.getByTestId('crm-submit').click();
    await page.getByTestId('error-toUserId').waitFor();
    await page.getByText('«Sotuvchi»').first().waitFor();
    await shot('reassign-refused');

    await page.selectOption('#crm-toUserId', String(seed.bobur.id));
    await page.getByTestId('crm-submit').click();
    await page.waitForURL(`**/admin/resources/leads/records/${seed.leadId}/show**`);
    await page.getByText('1 ta lid Bobur Sotuvchiga berildi').first().waitFor();
    const timeline = page.getByTestId('lead-timeline');
    await timeline.getByText('Boshqa sotuvchiga berildi').waitFor();
    expect(await timeline.innerText()).toContain('Aziza Sotuvchi → Bobur Sotuvchi');
    expect(await timeline.innerText()).toContain('Malika Menejer');
    await shot('reassigned');

    const lead = await database.db.selectFrom('leads').select('assigned_to').where('id', '=', seed.leadId).executeTakeFirstOrThrow();
    expect(lead.assigned_to).toBe(seed.bobur.id);
    const told = (await database.db.selectFrom('outbox').selectAll().where('user_id', '=', seed.bobur.id).where('kind', '=', 'lead_assigned').execute()).filter(
      (r) => JSON.parse(r.payload).leadId === seed.leadId,
    );
    expect(told).toHaveLength(1);
    expect(JSON.parse(told[0].payload)).toMatchObject({ leadId: seed.leadId, leadName: 'Aziz Karimov' });
    expect(told[0].chat_id).toBe('7002');
  });

  it('approves one leave request and rejects another with a reason', async () => {
    await page.goto(`${server.url}/admin/resources/leave_requests/records/${seed.leaveA}/approve`);
    await page.getByTestId('crm-intro').getByText('Aziza Sotuvchi', { exact: false }).waitFor();
    await page.getByTestId('crm-submit').click();
    await page.waitForURL(`**/admin/resources/leave_requests/records/${seed.leaveA}/show**`);
    await page.getByText("Ta'til tasdiqlandi").first().waitFor();

    await page.goto(`${server.url}/admin/resources/leave_requests/records/${seed.leaveB}/reject`);
    await page.getByTestId('crm-form-reject').waitFor();
    await page.getByTestId('crm-submit').click();
    await page.getByTestId('error-reason').waitFor();
    await page.fill('#crm-reason', 'Two people are already away that week');
    await page.getByTestId('crm-submit').click();
    await page.waitForURL(`**/admin/resources/leave_requests/records/${seed.leaveB}/show**`);
    await page.getByText("Ta'til rad etildi").first().waitFor();
    await shot('leave-rejected');

    const rows = await database.db.selectFrom('leave_requests').select(['id', 'status', 'rejection_reason', 'decided_by']).where('id', 'in', [seed.leaveA, seed.leaveB]).orderBy('id').execute();
    expect(rows).toEqual([
      { id: seed.leaveA, status: 'approved', rejection_reason: null, decided_by: seed.manager.id },
      { id: seed.leaveB, status: 'rejected', rejection_reason: 'Two people are already away that week', decided_by: seed.manager.id },
    ]);
  });

  it('sends a message to two salespeople and sees the read status change after one reads it', async () => {
    await page.goto(`${server.url}/admin/resources/sales_messages/actions/compose`);
    await page.getByTestId('crm-form-compose').waitFor();
    await page.locator(`input[name=recipientIds][value="${seed.aziza.id}"]`).check();
    await page.locator(`input[name=recipientIds][value="${seed.bobur.id}"]`).check();
    await page.selectOption('#crm-priority', 'high');
    await page.fill('#crm-subject', 'Weekly plan');
    await page.fill('#crm-body', 'Call every new lead within 15 minutes.');
    await page.getByTestId('crm-submit').click();
    await page.waitForURL('**/admin/resources/sales_messages/records/*/show**');
    const messageId = Number(/records\/(\d+)\/show/.exec(page.url())![1]);
    const status = page.getByTestId('read-status');
    await status.getByText('0 / 2 o‘qidi').waitFor();
    expect(await page.getByTestId(`recipient-${seed.aziza.id}`).getAttribute('data-read')).toBe('no');
    const queued = await database.db.selectFrom('outbox').select(['user_id', 'priority']).where('kind', '=', 'manager_message').where('status', '=', 'pending').execute();
    expect(queued.map((r) => r.user_id).sort()).toEqual([seed.aziza.id, seed.bobur.id].sort());

    // Aziza reads it (what the Mini App's inbox does)
    await services.messages.markRead(messageId, seed.aziza);
    // the page refreshes the read status by itself
    await status.getByText('1 / 2 o‘qidi').waitFor({ timeout: 12_000 });
    expect(await page.getByTestId(`recipient-${seed.aziza.id}`).getAttribute('data-read')).toBe('yes');
    expect(await page.getByTestId(`recipient-${seed.bobur.id}`).getAttribute('data-read')).toBe('no');
    expect(await page.getByTestId(`recipient-${seed.aziza.id}`).innerText()).toContain("O'qildi");
    await shot('message-read-status');
  });

  it('retries a failed outbox row', async () => {
    await page.goto(`${server.url}/admin/resources/outbox?filters.status=failed`);
    await page.getByText('Forbidden: bot was blocked by the user').first().waitFor();
    await shot('outbox-failed');
    await page.goto(`${server.url}/admin/resources/outbox/records/${seed.failedRow}/retry`);
    await page.getByTestId('crm-form-retry').waitFor();
    await page.getByTestId('crm-submit').click();
    await page.waitForURL(`**/admin/resources/outbox/records/${seed.failedRow}/show**`);
    await page.getByText('1 ta xabar qayta navbatga qo‘yildi').first().waitFor();
    const row = await database.db.selectFrom('outbox').select(['status', 'attempts']).where('id', '=', seed.failedRow).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'pending', attempts: 0 });
  });

  it('runs a job now and a job_runs row appears', async () => {
    await page.goto(`${server.url}/admin/resources/job_runs/actions/jobs`);
    const job = page.getByTestId('job-expire-offers');
    await job.getByText('hali ishga tushmagan').waitFor();
    await page.getByTestId('run-expire-offers').click();
    await job.getByTestId('job-status').getByText('Muvaffaqiyatli').waitFor();
    await shot('jobs');
    const runs = await database.db.selectFrom('job_runs').selectAll().where('job', '=', 'expire-offers').execute();
    expect(runs).toHaveLength(1);
    expect(runs[0].status).toBe('ok');
    expect(runs[0].duration_ms).not.toBeNull();
  });

  it('opens the dashboard, and its Excel export holds the rows shown', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByTestId('section-funnel').waitFor();
    await page.getByTestId('chart-leadsBySource').waitFor();
    await page.getByTestId('section-groups').waitFor();
    await page.getByTestId('total-created').getByText('3').waitFor();
    await shot('dashboard');

    // the period filter: a month with no leads shows none, then back to the last 30 days
    const defaultFrom = await page.getByTestId('dash-from').inputValue();
    const defaultTo = await page.getByTestId('dash-to').inputValue();
    await page.getByTestId('dash-from').fill('2020-01-01');
    await page.getByTestId('dash-to').fill('2020-01-31');
    await page.getByTestId('dash-apply').click();
    await page.getByTestId('total-created').getByText('0').waitFor();
    await page.getByTestId('dash-from').fill(defaultFrom);
    await page.getByTestId('dash-to').fill(defaultTo);
    await page.getByTestId('dash-apply').click();
    await page.getByTestId('total-created').getByText('3').waitFor();

    // the tables the charts are drawn from open under each chart
    await page.getByTestId('details-funnel').locator('summary').click();
    await page.getByTestId('table-funnel').waitFor();

    const readTable = (key: string) =>
      page.getByTestId(`table-${key}`).evaluate((t) => [...t.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('th,td')].map((c) => (c.textContent ?? '').trim())));
    const shown = { funnel: await readTable('funnel'), bySource: await readTable('leadsBySource') };
    // three leads came in today: the funnel counts them by where they stand now
    const funnelCounts = Object.fromEntries(shown.funnel.slice(1).map(([s, n]) => [s, Number(n)]));
    expect(funnelCounts['Yangi']).toBe(2);
    expect(funnelCounts['Aloqa qilindi']).toBe(1);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('dash-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^dashboard-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const file = join(dir, 'dashboard.xlsx');
    await download.saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(file) as never);
    const sheetRows = (i: number) =>
      wb.worksheets[i]
        .getSheetValues()
        .slice(1)
        .map((r) => (r as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '—' : String(v))));
    const norm = (rows: string[][]) => rows.map((r) => r.map((c) => c.replace(/\s/g, '')));
    // sheet 0 holds the totals; then one sheet per chart, in the order shown
    expect(norm(sheetRows(2))).toEqual(norm(shown.funnel));
    expect(norm(sheetRows(1))).toEqual(norm(shown.bySource));
    await shot('dashboard-exported');
  });

  it('enters a new lead from the list page: a bad phone is named under its field, a good one lands with the chosen salesperson, the same phone again shows the existing lead', async () => {
    await page.goto(`${server.url}/admin/resources/leads`);
    await page.getByText('Yangi lid').first().click();
    await page.getByTestId('crm-form-createLead').waitFor();
    await page.fill('#crm-name', 'Shahzod Desk');
    await page.fill('#crm-phone', '90 12');
    await page.getByTestId('crm-submit').click();
    await page.getByTestId('error-phone').waitFor();
    await page.getByText('«Telefon»').first().waitFor();
    expect(await database.db.selectFrom('leads').select('id').where('name', '=', 'Shahzod Desk').execute()).toEqual([]);
    await shot('new-lead-refused');

    await page.fill('#crm-phone', '90 777 66 55');
    await page.selectOption('#crm-source', 'phone_call');
    await page.fill('#crm-note', 'called the front desk');
    await page.selectOption('#crm-assignTo', String(seed.bobur.id));
    await page.getByTestId('crm-submit').click();
    await page.waitForURL(/\/admin\/resources\/leads\/records\/\d+\/show/);
    const lead = await database.db.selectFrom('leads').selectAll().where('phone', '=', '+998907776655').executeTakeFirstOrThrow();
    expect(lead).toMatchObject({ name: 'Shahzod Desk', source: 'phone_call', assigned_to: seed.bobur.id, created_by: seed.manager.id });
    await page.getByTestId('lead-timeline').getByText('Bobur Sotuvchi').first().waitFor();
    await shot('new-lead-created');

    await page.goto(`${server.url}/admin/resources/leads/actions/createLead`);
    await page.getByTestId('crm-form-createLead').waitFor();
    await page.fill('#crm-name', 'Shahzod again');
    await page.fill('#crm-phone', '+998907776655');
    await page.getByTestId('crm-submit').click();
    await page.getByTestId('crm-result').waitFor();
    expect(await page.getByTestId('duplicate-owner').innerText()).toBe('Bobur Sotuvchi');
    expect(await page.getByTestId('duplicate-lead').innerText()).toContain(`#${lead.id}`);
    expect((await database.db.selectFrom('leads').select('id').where('phone', '=', '+998907776655').execute()).length).toBe(1);
    await shot('new-lead-duplicate');
  });

  it('the new actions read in Russian and English too', async () => {
    await page.goto(`${server.url}/admin/resources/leads/records/${seed.contactedId}/show?lang=ru`);
    await page.getByText('Передать другому продавцу').first().waitFor();
    await page.getByText('История лида').waitFor();
    await page.getByText('Исправить статус').first().waitFor();
    await shot('lead-ru');
    await page.goto(`${server.url}/admin/resources/leads/records/${seed.contactedId}/correctStatus?lang=en`);
    await page.getByText("A manager's correction").waitFor();
    await page.getByText('New status').waitFor();
    await page.goto(`${server.url}/admin?lang=uz`);
    await page.getByTestId('section-funnel').waitFor();
  });

  it('asked nothing from outside this server and opened no dialog', () => {
    expect(outside).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
