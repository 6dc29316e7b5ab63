import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addUser, servicesFor, tash } from '../support/fixtures.js';
import { startFakeSheets, type FakeSheets } from '../support/fake-sheets.js';
import { tempDir } from '../support/xlsx-files.js';
import { createImportService } from '../../core/import/import-service.js';
import { createSheetsFetcher } from '../../core/import/sheets-fetcher.js';
import { createSheetsSync, firstRowOf } from '../../core/import/sheets-sync.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';

const SHEET_ID = '1AbCdEfGhIjKlMnOpQrStUvWxYz';
const files = tempDir('crm-sheets-');
let fake: FakeSheets;
let keyFile: string;

beforeAll(async () => {
  fake = await startFakeSheets(SHEET_ID);
  keyFile = files.path('service-account.json');
  fake.writeKey(keyFile);
});
afterAll(async () => {
  await fake.close();
  files.cleanup();
});

const HEADER = ['Sana', 'Ism', 'Telefon', 'Kurs', 'Izoh'];

describe('range parsing', () => {
  it('knows the sheet row of the first value', () => {
    expect(firstRowOf('Leads!A1:E20')).toBe(1);
    expect(firstRowOf("'Лиды 2026'!B5:F")).toBe(5);
    expect(firstRowOf('Leads')).toBe(1);
  });
});

describe.each(dialects())('Google Sheets sync (%s)', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;

  /** a process's wiring: what main.ts builds at start-up (a restart builds it again) */
  const boot = () => {
    const imports = createImportService(services.deps, { maxBytes: 1_000_000, intake: services.leads.intake });
    const fetcher = createSheetsFetcher({ spreadsheetId: SHEET_ID, range: 'Leads', keyFile, apiRoot: fake.url });
    return createSheetsSync(services.deps, { spreadsheetId: SHEET_ID, range: 'Leads', fetcher, imports });
  };
  const sheetLeads = () => database.db.selectFrom('leads').selectAll().where('source', '=', 'google_sheets').orderBy('id').execute();

  beforeEach(async () => {
    database = await freshDatabase(dialect);
    ({ services, clock } = servicesFor(database, tash('2026-03-04T10:00')));
    await addCourse(database, { name: 'English' });
    fake.rows = [
      HEADER,
      [46085, 'Aziza Karimova', 998901110001, 'English', 'Instagram reklama'],
      [46085, 'Бахтиёр', '+998 93 111 00 02', '', ''],
      [46086, 'Noto‘g‘ri raqam', '12', '', ''],
    ];
    fake.queue = [];
    fake.requests = [];
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('the first sync parks every row already in the sheet; a later one imports only appended rows, distributed', async () => {
    const seller = await addUser(services, { fullName: 'Dilnoza' });
    const sync = boot();
    const first = await sync.run();
    expect(first).toMatchObject({ ok: true, first: true, rows: 3, created: 2, invalid: 1 });
    let leads = await sheetLeads();
    expect(leads.map((l) => [l.name, l.phone, l.parked, l.assigned_to, l.last_note])).toEqual([
      ['Aziza Karimova', '+998901110001', 1, null, 'Instagram reklama · Sana: 2026-03-04'],
      ['Бахтиёр', '+998931110002', 1, null, 'Sana: 2026-03-04'],
    ]);
    expect(await database.db.selectFrom('follow_ups').selectAll().execute()).toHaveLength(0);
    // the request went through the token endpoint with a signed JWT, then values.get with its token
    expect(fake.requests.map((r) => r.path)).toEqual(['/token', `/v4/spreadsheets/${SHEET_ID}/values/Leads`]);
    // the bad row is visible in the back office: the import of kind google_sheets with its reason
    const state = await sync.status();
    expect(state).toMatchObject({ lastRow: 4, lastError: null, failures: 0 });
    const invalid = await services.deps.db.selectFrom('import_rows').select(['row_no', 'reason']).where('import_id', '=', state.lastImportId!).where('outcome', '=', 'invalid').execute();
    expect(invalid).toEqual([{ row_no: 4, reason: 'phone_invalid' }]);

    fake.rows.push([46087, 'Jasur Toshmatov', '97 111 00 04', 'English', 'Telegram'], [46087, 'Aziza (qayta)', '998901110001', '', 'yana yozdi']);
    clock.set(tash('2026-03-04T10:05'));
    const second = await sync.run();
    expect(second).toMatchObject({ ok: true, first: false, rows: 2, created: 1, touched: 1, invalid: 0 });
    leads = await sheetLeads();
    expect(leads).toHaveLength(3);
    const jasur = leads[2];
    expect([jasur.name, jasur.parked, jasur.assigned_to]).toEqual(['Jasur Toshmatov', 0, seller.id]);
    // the parked row that came back through a live source is worked now (intake's rule); Бахтиёр stays parked
    const [aziza, bakhtiyor] = leads;
    expect([aziza.parked, aziza.assigned_to]).toEqual([0, seller.id]);
    expect([bakhtiyor.parked, bakhtiyor.assigned_to]).toEqual([1, null]);
    const planned = await database.db.selectFrom('follow_ups').select(['lead_id', 'state']).orderBy('lead_id').execute();
    expect(planned).toEqual([{ lead_id: aziza.id, state: 'open' }, { lead_id: jasur.id, state: 'open' }]);
    expect(await database.db.selectFrom('outbox').select('kind').where('kind', '=', 'lead_assigned').execute()).toHaveLength(2);
    expect((await sync.status()).lastRow).toBe(6);
  });

  it('a restart in between does not import the same rows again', async () => {
    expect(await boot().run()).toMatchObject({ ok: true, created: 2 });
    const again = await boot().run();
    expect(again).toMatchObject({ ok: true, first: false, rows: 0, created: 0 });
    expect(await sheetLeads()).toHaveLength(2);
    fake.rows.push([46087, 'Nodira', '90 222 33 44', '', '']);
    expect(await boot().run()).toMatchObject({ ok: true, rows: 1, created: 1 });
    expect(await sheetLeads()).toHaveLength(3);
    // someone deletes a handled row, then the form appends one: the appended row is still imported
    fake.rows.splice(2, 1);
    fake.rows.push([46088, 'Olim', '90 333 44 55', '', '']);
    expect(await boot().run()).toMatchObject({ ok: true, rows: 1, created: 1 });
    expect((await sheetLeads()).map((l) => l.name)).toEqual(['Aziza Karimova', 'Бахтиёр', 'Nodira', 'Olim']);
  });

  it('a 429 is recorded and shown, no request is made before Retry-After, then the sync catches up', async () => {
    const sync = boot();
    await sync.run();
    fake.rows.push([46087, 'Nodira', '90 222 33 44', '', '']);
    fake.queue.push({ status: 429, headers: { 'retry-after': '120' } });
    const limited = await sync.run();
    expect(limited).toMatchObject({ ok: false, error: { kind: 'quota', status: 429 }, retryAt: '2026-03-04T05:02:00.000Z' });
    const shown = await sync.status();
    expect(shown).toMatchObject({ failures: 1, lastRow: 4, lastError: { kind: 'quota', message: 'Sheets API quota exceeded (429)' } });

    const asked = fake.requests.length;
    clock.set(tash('2026-03-04T10:01'));
    expect(await sync.run()).toEqual({ ok: false, skipped: true, retryAt: '2026-03-04T05:02:00.000Z' });
    expect(fake.requests.length).toBe(asked);

    clock.set(tash('2026-03-04T10:05'));
    expect(await sync.run()).toMatchObject({ ok: true, rows: 1, created: 1 });
    expect(await sync.status()).toMatchObject({ failures: 0, lastError: null, retryAt: null, lastRow: 5 });
  });

  it('auth failures and a sheet without a phone column are recorded, never thrown, and write no lead', async () => {
    fake.queue.push({ status: 401, path: 'token' });
    const auth = await boot().run();
    expect(auth).toMatchObject({ ok: false, error: { kind: 'auth', status: 401 } });
    expect(await boot().status()).toMatchObject({ failures: 1, lastRow: 0, lastError: { kind: 'auth' } });

    fake.rows = [['Ism', 'Izoh'], ['Ali', 'salom']];
    const bad = await boot().run();
    expect(bad).toMatchObject({ ok: false, error: { kind: 'bad_sheet' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/Telefon ustuni topilmadi/);
    const state = await boot().status();
    expect(state).toMatchObject({ failures: 2, lastRow: 0 });
    // repeated failures back off: 5 minutes after the second
    expect(state.retryAt).toBe('2026-03-04T05:05:00.000Z');
    expect(await database.db.selectFrom('leads').selectAll().execute()).toHaveLength(0);
    expect(await database.db.selectFrom('imports').selectAll().execute()).toHaveLength(0);

    const broken = createSheetsSync(services.deps, {
      spreadsheetId: SHEET_ID,
      range: 'Leads',
      imports: createImportService(services.deps, { maxBytes: 1_000_000, intake: services.leads.intake }),
      fetcher: createSheetsFetcher({ spreadsheetId: SHEET_ID, range: 'Leads', keyFile: files.path('missing.json'), apiRoot: fake.url }),
    });
    clock.set(tash('2026-03-04T11:00'));
    expect(await broken.run()).toMatchObject({ ok: false, error: { kind: 'config' } });
  });
});
