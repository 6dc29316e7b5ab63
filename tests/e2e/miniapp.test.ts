import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { sign } from '@telegram-apps/init-data-node';
import { loadConfig } from '../../config.js';
import { start } from '../../main.js';
import { ensureMiniAppBuilt } from '../../miniapp/build.js';
import type { User } from '../../db/types.js';
import { createBotApiRecorder, type BotApiRecorder } from '../support/bot-api-recorder.js';
import { addLocalDays, localDate } from '../../core/worktime/worktime.js';
import { DateTime } from 'luxon';
import { CHROMIUM_ARGS, DARK_THEME, LIGHT_THEME, WEBVIEW_SCRIPT, miniAppUrl } from '../support/telegram-webview.js';

/**
 * The Mini App in Debian Chromium against the real server (main.ts start(), SQLite, a bot token so
 * init data is validated for real). Telegram's webview is emulated in the page: a
 * TelegramWebviewProxy records every event the app posts and answers theme/viewport/safe-area
 * requests the way a Telegram client does.
 */

const BOT_TOKEN = '7000001:MINIAPP-e2e-test-bot-token';
const XSS_NAME = '<img src=x onerror=alert(1)>';
const SHOTS = join(process.cwd(), 'test-output', 'miniapp');
const LIGHT = LIGHT_THEME;
const DARK = DARK_THEME;

type TgEvent = { type: string; payload: Record<string, unknown> | null; hash: string; at: number };

let dir: string;
let recorder: BotApiRecorder;
let app: Awaited<ReturnType<typeof start>>;
let base: string;
let browser: Browser;
let salesA: User;
let salesB: User;
let salesC: User;
let manager: User;
let groupId: number;
const leads: Record<string, number> = {};
/** requests the browser tried to send anywhere but this machine */
const outside: string[] = [];
/** alert/confirm/prompt dialogs any page opened (an executed XSS payload would land here) */
const dialogs: string[] = [];
/** page errors and CSP violations */
const problems: string[] = [];

function initDataFor(user: User, lang: string): string {
  return sign(
    { user: { id: Number(user.telegram_user_id), first_name: user.full_name.split(' ')[0], username: user.username, language_code: lang }, signature: 'e2e' },
    BOT_TOKEN,
    new Date(),
  );
}

const launchUrl = (initData: string) => miniAppUrl(base, initData);

async function newContext(opts: { webview?: boolean; timezoneId?: string } = {}): Promise<BrowserContext> {
  // a phone in the center's time zone, as the staff's phones are (unless a test says otherwise)
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US', timezoneId: opts.timezoneId ?? 'Asia/Tashkent' });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.fallback();
    outside.push(url.toString());
    return route.abort();
  });
  if (opts.webview !== false) await context.addInitScript(WEBVIEW_SCRIPT);
  return context;
}

function watch(page: Page): Page {
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return page;
}

/** Opens the Mini App the way Telegram does: launch parameters in the hash, init data signed by the bot token. */
async function openAs(user: User, lang = 'en', context?: BrowserContext): Promise<{ context: BrowserContext; page: Page }> {
  const ctx = context ?? (await newContext());
  const page = watch(await ctx.newPage());
  await page.goto(launchUrl(initDataFor(user, lang)));
  return { context: ctx, page };
}

const events = (page: Page): Promise<TgEvent[]> => page.evaluate(() => (window as unknown as { __tgEvents: TgEvent[] }).__tgEvents);
const eventsOf = async (page: Page, type: string) => (await events(page)).filter((e) => e.type === type);

/** The Main Button as Telegram last drew it. */
async function mainButton(page: Page): Promise<Record<string, unknown> | null> {
  const setups = await eventsOf(page, 'web_app_setup_main_button');
  return setups.at(-1)?.payload ?? null;
}

async function pressMainButton(page: Page, text: string | RegExp): Promise<void> {
  await expect
    .poll(async () => {
      const b = await mainButton(page);
      return !!b && b.is_visible === true && b.is_active === true && (typeof text === 'string' ? b.text === text : text.test(String(b.text)));
    }, { timeout: 10_000 })
    .toBe(true);
  await page.evaluate(() => (window as unknown as { Telegram: { WebView: { receiveEvent(n: string, d?: unknown): void } } }).Telegram.WebView.receiveEvent('main_button_pressed'));
}

async function pressBackButton(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as { Telegram: { WebView: { receiveEvent(n: string, d?: unknown): void } } }).Telegram.WebView.receiveEvent('back_button_pressed'));
}

async function setTheme(page: Page, theme: typeof LIGHT): Promise<void> {
  await page.evaluate((t) => {
    const w = window as unknown as { __tgTheme: unknown; Telegram: { WebView: { receiveEvent(n: string, d?: unknown): void } } };
    w.__tgTheme = t;
    w.Telegram.WebView.receiveEvent('theme_changed', { theme_params: t });
  }, theme);
  await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme === DARK ? 'dark' : 'light');
}

const goHash = (page: Page, hash: string) => page.evaluate((h) => (window.location.hash = h), hash);

async function screenshots(page: Page, name: string): Promise<void> {
  await page.waitForSelector('[data-testid="skeleton"]', { state: 'detached', timeout: 10_000 }).catch(() => undefined);
  await setTheme(page, LIGHT);
  await page.screenshot({ path: join(SHOTS, `${name}-light.png`), fullPage: true });
  await setTheme(page, DARK);
  await page.screenshot({ path: join(SHOTS, `${name}-dark.png`), fullPage: true });
  await setTheme(page, LIGHT);
}

const db = () => app.database.db;

async function intakeFor(user: User | null, name: string, phone: string, extra: Record<string, unknown> = {}): Promise<number> {
  const r = await app.services.leads.intake({ name, phone, source: 'phone_call', ...extra } as never, user as never);
  leads[name] = Number(r.lead.id);
  return Number(r.lead.id);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await ensureMiniAppBuilt();
  dir = mkdtempSync(join(tmpdir(), 'crm-e2e-miniapp-'));
  recorder = await createBotApiRecorder({ token: BOT_TOKEN, maxPollMs: 300 });
  const config = loadConfig({
    DATABASE_URL: `sqlite:${join(dir, 'crm.sqlite')}`,
    DATA_DIR: dir,
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://crm.example.uz',
    SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    TELEGRAM_BOT_TOKEN: BOT_TOKEN,
    TELEGRAM_API_ROOT: recorder.apiRoot,
  });
  app = await start(config);
  base = `http://127.0.0.1:${app.port}`;
  const s = app.services;
  const allWeek = { workStart: '00:00', workEnd: '23:59', workDays: [1, 2, 3, 4, 5, 6, 7] };

  manager = (await s.users.create({ username: 'manager_m', fullName: 'Malika Managerova', role: 'sales_manager', telegramUserId: 3001, ...allWeek })).user;
  const course = await db()
    .insertInto('courses')
    .values({ name: 'English B1', price: 600_000, lesson_minutes: 90, lessons_per_week: 6, active: 1, created_at: new Date().toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
  // one free seat: two students of three
  const group = await db()
    .insertInto('study_groups')
    .values({ course_id: course.id, name: 'EN-Evening', days: 'daily', start_time: '21:00', capacity: 3, current_students: 2, created_at: new Date().toISOString(), active: 1 })
    .returningAll()
    .executeTakeFirstOrThrow();
  groupId = Number(group.id);
  await db()
    .insertInto('offers')
    .values({ title: 'Trial week −20%', description: 'For leads who came to a trial', type: 'discount', priority: 5, channel: 'all', audience: 'all', course_id: null, valid_from: null, valid_until: null, active: 1, created_by: null, created_at: new Date().toISOString() })
    .execute();

  // nobody sells yet: a landing lead waits in the unassigned queue; an import is parked
  await intakeFor(null, 'Queue Lead', '+998935550001', { source: 'form' });
  await intakeFor(null, 'Parked Lead', '+998935550002', { source: 'excel', parked: true });

  salesA = (await s.users.create({ username: 'sales_a', fullName: 'Anvar Sotuvchi', role: 'sales', telegramUserId: 1001, ...allWeek })).user;
  salesB = (await s.users.create({ username: 'sales_b', fullName: 'Bahrom Sotuvchi', role: 'sales', telegramUserId: 1002, ...allWeek })).user;

  await intakeFor(salesA, 'Aziz Karimov', '+998901110001', { courseId: course.id });
  await intakeFor(salesA, 'Dilnoza Rahimova', '+998901110002', { courseId: course.id });
  await intakeFor(salesA, 'Trial One', '+998901110003', { courseId: course.id });
  await intakeFor(salesA, 'Trial Two', '+998901110004', { courseId: course.id });
  await intakeFor(salesA, XSS_NAME, '+998901110005');
  await intakeFor(salesB, 'Boris Lead', '+998901110006');
  // a long list for infinite scrolling: 65 leads, pages of 30
  salesC = (await s.users.create({ username: 'sales_c', fullName: 'Chori Sotuvchi', role: 'sales', telegramUserId: 1003, ...allWeek })).user;
  for (let i = 1; i <= 65; i++) await intakeFor(salesC, `Scroll Lead ${String(i).padStart(2, '0')}`, `+99890222${String(i).padStart(4, '0')}`, { source: i % 2 ? 'instagram' : 'telegram' });
  for (const name of ['Trial One', 'Trial Two']) await s.leads.move(leads[name], { to: 'contacted' }, salesA);
  // time has passed: A's first calls are an hour overdue (they are due at +5 minutes otherwise)
  await db()
    .updateTable('follow_ups')
    .set({ due_at: new Date(Date.now() - 3_600_000).toISOString() })
    .where('sales_id', '=', salesA.id)
    .where('state', '=', 'open')
    .where('kind', '=', 'new:1')
    .execute();
  // twelve stored KPI days for A's 30-day chart (as the 23:59 job would have left them)
  const today = localDate(new Date(), 'Asia/Tashkent');
  for (let i = 1; i <= 12; i++) {
    await db()
      .insertInto('kpi_daily')
      .values({
        user_id: salesA.id,
        date: addLocalDays(today, -i),
        daily_contacts: 2 + ((i * 7) % 9),
        daily_followups: 1 + ((i * 5) % 6),
        followup_completion_rate: 60 + ((i * 3) % 40),
        trials_registered: i % 3,
        trials_to_sales: i % 2,
        conversion_rate: 10 + i,
        response_time: 5 + i,
        overdue_count: i % 4,
        on_leave: 0,
        report_sent: 1,
        computed_at: new Date().toISOString(),
      })
      .execute();
  }
  await s.messages.send({ recipientIds: [salesA.id], subject: 'Team meeting at 17:00', body: 'Please bring this week’s numbers.\n<b>not bold</b>', priority: 'urgent' }, manager);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await recorder?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Mini App in Chromium (390×844, Telegram webview emulated)', () => {
  it('Today: completing a follow-up rolls back on a failed call with an error, then succeeds with haptics', async () => {
    const { context, page } = await openAs(salesA);
    const item = page.locator('[data-testid="followup"]', { hasText: 'Dilnoza Rahimova' });
    await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('section-overdue').isVisible()).toBe(true);
    // the launch parameters left the address bar; the app talks to the server with them
    expect(await page.evaluate(() => window.location.hash)).toBe('#/');
    // Today's primary action is adding a lead
    expect(await mainButton(page)).toMatchObject({ is_visible: true, text: 'New lead' });

    let failed = 0;
    await page.route(
      '**/api/followups/*/complete',
      (route) => {
        failed++;
        return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } }) });
      },
      { times: 1 },
    );
    await item.getByTestId('complete').click();
    await expect.poll(() => page.locator('.toast-error').textContent(), { timeout: 10_000 }).toContain('Something went wrong');
    expect(failed).toBe(1);
    // rolled back: the follow-up is in the list again and still open on the server
    await expect.poll(() => item.count()).toBe(1);
    const fid = Number(await item.getAttribute('data-followup-id'));
    expect((await db().selectFrom('follow_ups').select('state').where('id', '=', fid).executeTakeFirstOrThrow()).state).toBe('open');
    const errorHaptics = (await eventsOf(page, 'web_app_trigger_haptic_feedback')).filter((e) => e.payload?.notification_type === 'error');
    expect(errorHaptics.length).toBe(1);

    const before = (await events(page)).length;
    await item.getByTestId('complete').click();
    await expect.poll(() => page.locator('.toast-ok').first().textContent(), { timeout: 10_000 }).toContain('Done: Dilnoza Rahimova');
    await expect.poll(() => item.count()).toBe(0);
    expect((await db().selectFrom('follow_ups').select('state').where('id', '=', fid).executeTakeFirstOrThrow()).state).toBe('done');
    const after = (await events(page)).slice(before);
    expect(after.some((e) => e.type === 'web_app_trigger_haptic_feedback' && e.payload?.type === 'notification' && e.payload?.notification_type === 'success')).toBe(true);
    await context.close();
  });

  it('Today in Uzbek: due dates use Uzbek day and month names, not the browser fallback ("M11 21, Sat")', async () => {
    const { context, page } = await openAs(salesA, 'uz');
    const due = page.locator('.fu-time-overdue').first();
    await expect.poll(() => due.count(), { timeout: 15_000 }).toBe(1);
    expect(await due.textContent()).toMatch(/^(Du|Se|Ch|Pa|Ju|Sh|Ya), \d{1,2}-(yan|fev|mar|apr|may|iyn|iyl|avg|sen|okt|noy|dek), \d{2}:\d{2}$/);
    await context.close();
  });

  it("a phone set to another time zone shows and takes times in the center's zone (Tashkent)", async () => {
    const { context, page } = await openAs(salesB, 'en', await newContext({ timezoneId: 'America/New_York' }));
    const open = await db().selectFrom('follow_ups').select(['due_at']).where('lead_id', '=', leads['Boris Lead']).where('state', '=', 'open').executeTakeFirstOrThrow();
    const item = page.locator('[data-testid="followup"]', { hasText: 'Boris Lead' });
    await expect.poll(() => item.count(), { timeout: 15_000 }).toBe(1);
    expect(await item.locator('.fu-time').textContent()).toContain(DateTime.fromISO(open.due_at).setZone('Asia/Tashkent').toFormat('HH:mm'));

    // "call back tomorrow at 15:30" picked on that phone means 15:30 in Tashkent
    const tomorrow = addLocalDays(localDate(new Date(), 'Asia/Tashkent'), 1);
    await page.evaluate((id) => (window.location.hash = `#/lead/${id}`), leads['Boris Lead']);
    await page.getByTestId('outcome-call_back').click();
    await page.getByTestId('callback-at').fill(`${tomorrow}T15:30`);
    await page.getByTestId('save-call').click();
    const expected = DateTime.fromISO(`${tomorrow}T15:30`, { zone: 'Asia/Tashkent' }).toUTC().toISO();
    await expect
      .poll(async () => (await db().selectFrom('follow_ups').select('due_at').where('lead_id', '=', leads['Boris Lead']).where('kind', '=', 'callback').executeTakeFirst())?.due_at, { timeout: 10_000 })
      .toBe(expected);
    await context.close();
  });

  it('Lead: offers only the allowed next statuses; a move shows the new follow-up; Back Button returns', async () => {
    const { context, page } = await openAs(salesA);
    await page.locator('[data-testid="followup"]', { hasText: 'Aziz Karimov' }).getByRole('button', { name: 'Aziz Karimov' }).click();
    await expect.poll(() => page.getByTestId('lead-name').textContent(), { timeout: 10_000 }).toBe('Aziz Karimov');
    // SPEC §3: from `new` only contacted or lost
    const chips = await page.getByTestId('next-statuses').locator('button').allTextContents();
    expect(chips).toEqual(['Contacted', 'Lost']);
    // an inner screen: Telegram's Back Button is shown; the Main Button calls the lead
    await expect.poll(async () => (await eventsOf(page, 'web_app_setup_back_button')).at(-1)?.payload?.is_visible).toBe(true);
    expect((await eventsOf(page, 'web_app_setup_back_button')).filter((e) => e.payload?.is_visible).every((e) => e.hash.startsWith('#/lead/'))).toBe(true);
    expect(await mainButton(page)).toMatchObject({ is_visible: true, text: 'Call' });
    expect(await page.getByTestId('call-link').first().getAttribute('href')).toBe('tel:+998901110001');

    // lost needs a reason before the Main Button becomes active
    await page.getByTestId('to-lost').click();
    await expect.poll(async () => (await mainButton(page))?.is_active).toBe(false);
    await page.getByTestId('to-contacted').click();
    // a dirty form asks Telegram to confirm closing
    await expect.poll(async () => (await eventsOf(page, 'web_app_setup_closing_behavior')).at(-1)?.payload?.need_confirmation).toBe(true);
    await pressMainButton(page, 'Save: Contacted');
    await expect.poll(() => page.locator('[data-testid="lead-followup"][data-kind="contacted:1"][data-state="open"]').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.locator('.lead-head .badge').first().textContent()).toBe('Contacted');
    expect((await db().selectFrom('leads').select('status').where('id', '=', leads['Aziz Karimov']).executeTakeFirstOrThrow()).status).toBe('contacted');
    expect(await page.getByTestId('next-statuses').locator('button').allTextContents()).toEqual(['Interested', '→ Trial booked', 'Offer sent', 'Lost']);
    await expect.poll(async () => (await eventsOf(page, 'web_app_setup_closing_behavior')).at(-1)?.payload?.need_confirmation).toBe(false);
    await expect.poll(() => page.getByTestId('event').first().getAttribute('data-type')).toBe('status_changed');
    // the matching offer is listed
    await expect.poll(() => page.getByTestId('offer').count()).toBe(1);

    await pressBackButton(page);
    await expect.poll(() => page.getByTestId('today').isVisible()).toBe(true);
    await expect.poll(async () => (await eventsOf(page, 'web_app_setup_back_button')).at(-1)?.payload?.is_visible).toBe(false);
    await context.close();
  });

  it('Trial booking: the last free seat is booked; a second booking of it shows the full-group message', async () => {
    const context = await newContext();
    const { page: second } = await openAs(salesA, 'en', context);
    const { page: first } = await openAs(salesA, 'en', context);
    for (const [page, name] of [
      [second, 'Trial Two'],
      [first, 'Trial One'],
    ] as const) {
      await page.getByTestId('today').waitFor();
      await goHash(page, `#/lead/${leads[name]}/book`);
      const option = page.locator(`[data-testid="group-option"][data-group-id="${groupId}"]`);
      await option.waitFor({ timeout: 10_000 });
      // 2 of 3 seats taken: yellow
      expect(await option.locator('.occ').getAttribute('data-band')).toBe('yellow');
      await option.locator('.row-btn').click();
      await expect.poll(() => option.locator('[data-testid="dates"] .chip-active').count()).toBe(1);
    }
    const date = (await first.locator('[data-testid="dates"] .chip-active').getAttribute('data-testid'))!.slice('date-'.length);
    expect(await second.locator(`[data-testid="date-${date}"]`).getAttribute('aria-pressed')).toBe('true');

    await pressMainButton(first, 'Book the trial');
    await expect.poll(() => first.getByTestId('lead').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => first.getByTestId('trial').count()).toBe(1);
    // the group's name comes with the course catalog, which may arrive after the trial itself
    await expect.poll(() => first.getByTestId('trial').textContent()).toContain('EN-Evening');

    // the other tab still shows the seat it saw a moment ago: the server refuses, the app explains
    await pressMainButton(second, 'Book the trial');
    await expect.poll(() => second.getByTestId('group-full').textContent(), { timeout: 10_000 }).toContain('no free spot left');
    const booked = await db().selectFrom('trials').selectAll().where('group_id', '=', groupId).where('date', '=', date).where('cancelled', '=', 0).execute();
    expect(booked.map((t) => t.lead_id)).toEqual([leads['Trial One']]);
    const errorHaptic = (await eventsOf(second, 'web_app_trigger_haptic_feedback')).at(-1);
    expect(errorHaptic?.payload?.notification_type).toBe('error');
    // the waitlist is offered right there
    await second.getByTestId('join-waitlist').click();
    await expect.poll(async () => (await db().selectFrom('waitlist').selectAll().where('lead_id', '=', leads['Trial Two']).execute()).length).toBe(1);
    await context.close();
  });

  it('Inbox: urgent message first and unread; opening it marks it read', async () => {
    const { context, page } = await openAs(salesA);
    // the tab bar shows the unread count before the inbox is opened
    await expect.poll(() => page.getByTestId('unread-badge').textContent(), { timeout: 10_000 }).toBe('1');
    await page.getByTestId('tab-inbox').click();
    const msg = page.getByTestId('message').first();
    await msg.waitFor({ timeout: 10_000 });
    expect(await msg.getAttribute('data-read')).toBe('false');
    expect(await msg.getAttribute('class')).toContain('prio-urgent');
    expect(await page.getByTestId('unread-count').textContent()).toBe('Unread: 1');
    await msg.locator('.row-btn').click();
    // a message body is text: markup in it is shown, never interpreted
    await expect.poll(() => page.getByTestId('message-body').textContent()).toContain('<b>not bold</b>');
    await expect.poll(() => msg.getAttribute('data-read')).toBe('true');
    expect(await page.getByTestId('unread-count').textContent()).toBe('Unread: 0');
    await page.getByTestId('tab-today').click();
    await expect.poll(() => page.getByTestId('unread-badge').count()).toBe(0);
    const receipts = await db().selectFrom('sales_message_reads').selectAll().where('user_id', '=', salesA.id).execute();
    expect(receipts).toHaveLength(1);
    await context.close();
  });

  it('Leave: a whole-day request through the Main Button, then withdrawn while pending', async () => {
    const { context, page } = await openAs(salesA);
    await page.getByTestId('tab-more').click();
    await page.getByTestId('open-leave').click();
    await page.getByTestId('leave').waitFor();
    await page.getByTestId('leave-reason').fill('Family wedding');
    await pressMainButton(page, 'Send the request');
    const row = page.getByTestId('leave-request').first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('pending');
    expect(await row.textContent()).toContain('Family wedding');
    const stored = await db().selectFrom('leave_requests').selectAll().where('user_id', '=', salesA.id).execute();
    expect(stored.map((l) => [l.status, l.reason])).toEqual([['pending', 'Family wedding']]);
    await row.getByTestId('leave-cancel').click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('cancelled');
    await context.close();
  });

  it('Language: Telegram language_code picks it (Uzbek by default); switching to Russian sticks across reloads', async () => {
    const { context, page } = await openAs(salesB, 'de');
    await expect.poll(() => page.locator('h1').first().textContent(), { timeout: 10_000 }).toBe('Bugungi vazifalar');
    await page.getByTestId('tab-more').click();
    await page.getByTestId('lang-ru').click();
    await expect.poll(() => page.getByTestId('tab-today').textContent()).toContain('Сегодня');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
    await page.reload();
    await expect.poll(() => page.getByTestId('tab-today').textContent(), { timeout: 10_000 }).toContain('Сегодня');
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('tab-today').textContent()).toContain('Today');
    await context.close();
  });

  it('a lead named <img src=x onerror=alert(1)> is shown as text, never as markup', async () => {
    const { context, page } = await openAs(salesA);
    await page.getByTestId('tab-leads').click();
    await page.getByTestId('lead-search').fill('onerror');
    const row = page.locator('[data-testid="lead-row"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('.lead-name').textContent()).toBe(XSS_NAME);
    await row.locator('.row-btn').click();
    await expect.poll(() => page.getByTestId('lead-name').textContent(), { timeout: 10_000 }).toBe(XSS_NAME);
    expect(await page.locator('img').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it("another salesperson's init data never shows the first one's leads", async () => {
    const { context, page } = await openAs(salesB);
    await page.getByTestId('tab-leads').click();
    await page.getByTestId('list-end').waitFor({ timeout: 10_000 });
    const names = await page.locator('[data-testid="lead-row"] .lead-name').allTextContents();
    expect(names).toEqual(['Boris Lead']);
    // not even by address: A's lead is "not found" for B
    await goHash(page, `#/lead/${leads['Aziz Karimov']}`);
    await expect.poll(() => page.getByTestId('error-state').textContent(), { timeout: 10_000 }).toContain('Not found');
    expect(await page.locator('body').textContent()).not.toContain('Aziz Karimov');
    // and the API itself refuses with B's init data
    const status = await page.evaluate(async ([id, init]) => (await fetch(`/api/leads/${id}`, { headers: { authorization: `tma ${init}` } })).status, [leads['Aziz Karimov'], initDataFor(salesB, 'en')] as const);
    expect(status).toBe(404);
    await context.close();
  });

  it('Leads: infinite scroll loads every page once (keyset cursor); filters by source and search', async () => {
    const { context, page } = await openAs(salesC);
    await page.getByTestId('tab-leads').click();
    const rows = page.getByTestId('lead-row');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(30);
    expect(await page.getByTestId('list-end').count()).toBe(0);
    /** scrolls like a thumb until the list says it has ended */
    const scrollToEnd = async () => {
      // each page loads over the network: keep scrolling (up to ~20 s on a loaded machine) until the end shows
      for (let i = 0; i < 80 && (await page.getByTestId('list-end').count()) === 0; i++) {
        await page.mouse.wheel(0, 4000);
        await page.waitForTimeout(250);
      }
      await page.getByTestId('list-end').waitFor({ timeout: 5_000 });
    };
    await scrollToEnd();
    const names = await page.locator('[data-testid="lead-row"] .lead-name').allTextContents();
    expect(names).toHaveLength(65);
    expect(new Set(names).size).toBe(65);
    // newest first
    expect(names[0]).toBe('Scroll Lead 65');
    expect(names.at(-1)).toBe('Scroll Lead 01');
    await page.getByTestId('filter-source').selectOption('telegram');
    // the list is scrolled to its end, so the second page of the new filter may follow the first at once
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toSatisfy((n: number) => n === 30 || n === 32);
    await scrollToEnd();
    expect(await rows.count()).toBe(32);
    expect(await page.getByTestId('list-end').textContent()).toContain('32');
    await page.getByTestId('lead-search').fill('Lead 4');
    await expect.poll(() => page.locator('[data-testid="lead-row"] .lead-name').allTextContents(), { timeout: 10_000 }).toEqual([
      'Scroll Lead 48',
      'Scroll Lead 46',
      'Scroll Lead 44',
      'Scroll Lead 42',
      'Scroll Lead 40',
    ]);
    await context.close();
  }, 60_000);

  it('a manager opens the team queue: unassigned and parked leads, and assigns one', async () => {
    const { context, page } = await openAs(manager);
    await page.getByTestId('team').waitFor({ timeout: 10_000 });
    const queued = page.getByTestId('queue-lead');
    await expect.poll(() => queued.allTextContents(), { timeout: 10_000 }).toEqual([expect.stringContaining('Queue Lead')]);
    await expect.poll(() => page.getByTestId('parked-lead').allTextContents()).toEqual([expect.stringContaining('Parked Lead')]);
    await expect.poll(() => page.getByTestId('person').count()).toBe(3);
    await queued.first().getByTestId('assign-to').selectOption(String(salesB.id));
    await queued.first().getByTestId('assign').click();
    await expect.poll(() => queued.count(), { timeout: 10_000 }).toBe(0);
    expect((await db().selectFrom('leads').select('assigned_to').where('id', '=', leads['Queue Lead']).executeTakeFirstOrThrow()).assigned_to).toBe(salesB.id);

    // SPEC §10: a sales manager sees a salesperson's trial and may correct its result, but booking,
    // moving and cancelling are the salesperson's: none of those controls is offered
    const s = app.services;
    await s.leads.move(leads['Boris Lead'], { to: 'contacted' }, salesB);
    const date = new Date(Date.now() + 5 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'Asia/Tashkent' });
    await s.leads.bookTrial(leads['Boris Lead'], { groupId, date }, salesB);
    await goHash(page, `#/lead/${leads['Boris Lead']}`);
    await page.getByTestId('trial').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId('trial').textContent()).toContain('EN-Evening');
    expect(await page.getByTestId('move-trial').count()).toBe(0);
    expect(await page.getByTestId('cancel-trial').count()).toBe(0);
    expect(await page.getByTestId('book-trial').count()).toBe(0);
    await context.close();
  });

  it('a trial still ahead offers no attendance (the server refuses it before the lesson); once started it does, and a stale card explains the refusal', async () => {
    const leadId = await intakeFor(salesB, 'Future Trial Lead', '+998901110077');
    await app.services.leads.move(leadId, { to: 'contacted' }, salesB);
    // a lesson day of the daily (Mon–Sat) group a week ahead, away from the other tests' seats
    let day = DateTime.now().setZone('Asia/Tashkent').plus({ days: 7 });
    if (day.weekday === 7) day = day.plus({ days: 1 });
    const { trial } = await app.services.leads.bookTrial(leadId, { groupId, date: day.toISODate()! }, salesB);
    const { context, page } = await openAs(salesB);
    await goHash(page, `#/lead/${leadId}`);
    await page.getByTestId('trial').waitFor({ timeout: 10_000 });
    // from trial_registered the table allows attended and offer sent, but not before the lesson
    await expect.poll(() => page.getByTestId('next-statuses').locator('button').allTextContents()).toEqual(['Trial missed', '→ Enrolled', 'Interested', 'Lost']);
    expect(await page.getByTestId('trial-attended').count()).toBe(0);
    expect(await page.getByTestId('trial').getByRole('button', { name: 'Did not come' }).count()).toBe(1);

    // the lesson has begun: attendance is offered
    const started = new Date(Date.now() - 60_000).toISOString();
    await db().updateTable('trials').set({ starts_at: started }).where('id', '=', Number(trial.id)).execute();
    await page.reload();
    await page.getByTestId('trial-attended').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('next-statuses').locator('button').allTextContents()).toContain('Trial attended');
    // …but the server still sees it ahead (this card is stale): the refusal says why, in words
    await db().updateTable('trials').set({ starts_at: trial.starts_at }).where('id', '=', Number(trial.id)).execute();
    await page.getByTestId('trial-attended').click();
    await expect.poll(() => page.locator('.toast-error').last().textContent(), { timeout: 10_000 }).toBe('The trial has not started yet: mark attendance once the lesson has begun.');
    expect((await db().selectFrom('leads').select('status').where('id', '=', leadId).executeTakeFirstOrThrow()).status).toBe('trial_registered');
    await context.close();
  });

  it('a screen whose code cannot load (a deploy renamed the chunks while the app was open) says so with Retry; the rest of the app still works', async () => {
    const { context, page } = await openAs(salesA);
    await page.getByTestId('today').waitFor({ timeout: 10_000 });
    // the old build's Groups chunk is gone from the server
    await page.route(/\/app\/assets\/Groups-[^/]+\.js$/, (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' }));
    await page.getByTestId('tab-more').click();
    await page.getByTestId('open-groups').click();
    await expect.poll(() => page.getByTestId('screen-failed').textContent(), { timeout: 10_000 }).toContain('This screen could not open');
    // not a blank page: Back leads to a screen that draws
    await pressBackButton(page);
    await page.getByTestId('more').waitFor({ timeout: 10_000 });
    await page.getByTestId('tab-today').click();
    await page.getByTestId('today').waitFor({ timeout: 10_000 });
    // the new build is there: Retry on the failed screen opens it
    await page.unroute(/\/app\/assets\/Groups-[^/]+\.js$/);
    await goHash(page, '#/groups');
    await page.getByTestId('screen-failed').getByRole('button', { name: 'Try again' }).click();
    await page.getByTestId('groups').waitFor({ timeout: 10_000 });
    await context.close();
  });

  it('every screen in light and dark theme (screenshots), Back Button on inner screens, Main Button where there is a primary action', async () => {
    const { context, page } = await openAs(salesA);
    await page.getByTestId('today').waitFor();
    const lastPayload = async (type: string) => (await eventsOf(page, type)).at(-1)?.payload ?? null;
    /** Telegram's buttons as the user sees them on this screen: Back on inner screens, Main where there is a primary action. */
    const buttons = async (back: boolean, main: string | null) => {
      await expect.poll(async () => (await lastPayload('web_app_setup_back_button'))?.is_visible ?? false).toBe(back);
      await expect.poll(async () => {
        const b = await lastPayload('web_app_setup_main_button');
        return b?.is_visible ? String(b.text) : null;
      }).toBe(main);
    };
    const visit = async (hash: string, testId: string, name: string, back: boolean, main: string | null) => {
      await goHash(page, hash);
      await page.getByTestId(testId).waitFor({ timeout: 10_000 });
      await buttons(back, main);
      await screenshots(page, name);
    };
    await buttons(false, 'New lead');
    await screenshots(page, 'today');
    await visit('#/leads', 'leads', 'leads', false, 'New lead');
    await visit(`#/lead/${leads['Trial One']}`, 'lead', 'lead', true, 'Call');
    await visit(`#/lead/${leads['Aziz Karimov']}/book`, 'book', 'trial-booking', true, 'Book the trial');
    await visit('#/groups', 'groups', 'groups', true, null);
    await page.locator('[data-testid="group"] .row-btn').first().click();
    await screenshots(page, 'groups-waitlist');
    await visit('#/inbox', 'inbox', 'inbox', false, null);
    await visit('#/leave', 'leave', 'leave', true, 'Send the request');
    await visit('#/kpi', 'kpi', 'kpi', false, null);
    await page.getByTestId('chart').waitFor();
    // the twelve stored days and today, one bar each; the eight metrics of today
    expect(await page.locator('[data-testid="chart"] rect.bar').count()).toBe(13);
    expect(await page.locator('[data-testid="metrics"] .metric').count()).toBe(8);
    await expect.poll(() => page.getByTestId('rank-row').count()).toBe(3);
    await screenshots(page, 'kpi');
    await visit('#/more', 'more', 'more', false, null);
    await visit('#/new-lead', 'new-lead', 'new-lead', true, 'Save');
    await visit(`#/lead/${leads['Trial Two']}/enroll`, 'enroll', 'enroll', true, 'Enroll');

    const log = await events(page);
    // the app told Telegram it is ready, asked for the viewport and the theme, and follows the safe area
    for (const type of ['web_app_ready', 'web_app_request_viewport', 'web_app_request_theme', 'web_app_expand']) expect(log.some((e) => e.type === type)).toBe(true);
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--tg-viewport-safe-area-inset-top').trim())).toBe('47px');
    expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--tg-theme-bg-color').trim())).toBe(LIGHT.bg_color);
    await context.close();

    const m = await openAs(manager);
    await m.page.getByTestId('team').waitFor();
    await screenshots(m.page, 'team');
    await m.context.close();
  });

  it("refusals read in the user's language (Uzbek): a bad phone names the field and writes nothing, a stale move refreshes the card, a 4th snooze says why", async () => {
    const allWeek = { workStart: '00:00', workEnd: '23:59', workDays: [1, 2, 3, 4, 5, 6, 7] };
    const salesD = (await app.services.users.create({ username: 'sales_d', fullName: 'Dono Sotuvchi', role: 'sales', telegramUserId: 1004, ...allWeek })).user;
    const leadId = await intakeFor(salesD, 'Refusal Lead', '+998901110099');
    // the salesperson has already put this call off three times (SPEC §5.1: at most 3)
    await db().updateTable('follow_ups').set({ snooze_count: 3 }).where('lead_id', '=', leadId).where('state', '=', 'open').execute();
    const english = /is not a valid|must be|cannot move|already|snoozed at most|undefined|NaN|Invalid Date|VALIDATION|CONFLICT|INVALID_TRANSITION/;
    const toast = (page: Page) => page.locator('.toast-error').last();

    const { context, page } = await openAs(salesD, 'uz');
    // the team view is a manager's: a salesperson's old link opens their own day, not three refusals
    await goHash(page, '#/team');
    await page.getByTestId('today').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('team').count()).toBe(0);
    const item = page.locator('[data-testid="followup"]', { hasText: 'Refusal Lead' });
    await item.getByTestId('snooze').click();
    await expect.poll(() => toast(page).textContent(), { timeout: 10_000 }).toContain("3 martadan ortiq keyinga qoldirib bo'lmaydi");
    expect(await page.locator('.snooze-menu').count()).toBe(0);
    expect((await db().selectFrom('follow_ups').select('snooze_count').where('lead_id', '=', leadId).where('state', '=', 'open').executeTakeFirstOrThrow()).snooze_count).toBe(3);

    // a phone that is no number: the field is named in Uzbek, and no lead is written
    await goHash(page, '#/new-lead');
    await page.getByTestId('new-name').fill('Bad Phone Lead');
    await page.getByTestId('new-phone').fill('12345');
    await pressMainButton(page, 'Saqlash');
    await expect.poll(() => toast(page).textContent(), { timeout: 10_000 }).toMatch(/^Telefon: raqam noto'g'ri/);
    expect(await page.getByTestId('new-phone-error').textContent()).toMatch(/^raqam noto'g'ri/);
    expect(await toast(page).textContent()).not.toMatch(english);
    expect(await db().selectFrom('leads').select('id').where('name', '=', 'Bad Phone Lead').execute()).toEqual([]);

    // the lead moves elsewhere (the bot, another tab) while the card is open: the refusal says so and the card shows the truth
    await goHash(page, `#/lead/${leadId}`);
    await expect.poll(() => page.getByTestId('lead-name').textContent(), { timeout: 10_000 }).toBe('Refusal Lead');
    await page.getByTestId('to-contacted').click();
    await app.services.leads.move(leadId, { to: 'contacted' }, salesD);
    await pressMainButton(page, "Saqlash: Aloqa qilindi");
    await expect.poll(() => toast(page).textContent(), { timeout: 10_000 }).toBe('Lid allaqachon «Aloqa qilindi» holatida. Karta yangilandi.');
    await expect.poll(() => page.locator('.lead-head .badge').first().textContent(), { timeout: 10_000 }).toBe('Aloqa qilindi');
    expect(await page.getByTestId('next-statuses').locator('button').allTextContents()).toContain('Qiziqmoqda');
    await expect.poll(async () => (await mainButton(page))?.text).toBe("Qo'ng'iroq qilish");

    // a call-back time in the past: the field is named, in Uzbek
    await page.getByTestId('outcome-call_back').click();
    await page.getByTestId('callback-at').fill('2020-01-01T10:00');
    await page.getByTestId('save-call').click();
    await expect.poll(() => toast(page).textContent(), { timeout: 10_000 }).toBe("Qachon qayta qo'ng'iroq qilish: kelajakdagi vaqt bo'lishi kerak");
    await context.close();
  });

  it('outside Telegram (no launch parameters) the app explains how to open it', async () => {
    const context = await newContext({ webview: false });
    const page = watch(await context.newPage());
    const res = await page.goto(`${base}/app/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByTestId('outside').waitFor({ timeout: 10_000 });
    // the browser's language (en-US here) picks the words; Uzbek otherwise
    expect(await page.locator('h1').textContent()).toBe('Open the app from Telegram');
    await page.screenshot({ path: join(SHOTS, 'outside-light.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SHOTS, 'outside-dark.png'), fullPage: true });
    // launch parameters without a Telegram client and without demo mode: still refused
    await page.goto(launchUrl(initDataFor(salesA, 'en')));
    await page.reload();
    await page.getByTestId('outside').waitFor({ timeout: 10_000 });
    await context.close();
  });

  it('Enroll: the agreed price is shown and taken as people write sums ("550 000"), stored as a number', async () => {
    const s = app.services;
    await intakeFor(salesA, 'Price Pulat', '+998977770123', { courseId: (await db().selectFrom('study_groups').select('course_id').where('id', '=', groupId).executeTakeFirstOrThrow()).course_id });
    await s.leads.move(leads['Price Pulat'], { to: 'contacted' }, salesA);
    await s.leads.move(leads['Price Pulat'], { to: 'interested' }, salesA);
    const seats = (await db().selectFrom('study_groups').select('current_students').where('id', '=', groupId).executeTakeFirstOrThrow()).current_students;
    const { context, page } = await openAs(salesA, 'en');
    try {
      await page.getByTestId('today').waitFor({ timeout: 10_000 });
      await goHash(page, `#/lead/${leads['Price Pulat']}/enroll`);
      await page.getByTestId('enroll').locator('.row-btn').first().click();
      const price = page.getByTestId('enroll').locator('input.input').first();
      await expect.poll(() => price.inputValue(), { timeout: 10_000 }).toBe('600 000');
      await price.fill('550 000');
      await pressMainButton(page, 'Enroll');
      await expect
        .poll(async () => (await db().selectFrom('leads').select(['status', 'agreed_price']).where('id', '=', leads['Price Pulat']).executeTakeFirstOrThrow()), { timeout: 10_000 })
        .toEqual({ status: 'enrolled', agreed_price: 550_000 });
    } finally {
      await context.close();
      await db().updateTable('study_groups').set({ current_students: seats }).where('id', '=', groupId).execute();
    }
  });

  it('nothing was fetched from outside this machine, no page errors, no dialogs', () => {
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
