import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addUser, servicesFor, tash } from '../support/fixtures.js';
import { readBack, tempDir } from '../support/xlsx-files.js';
import { exportLeads } from '../../core/export/leads-export.js';
import { exportKpi } from '../../core/export/kpi-export.js';
import { analyticsTables, writeTables } from '../../core/export/analytics-export.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';
import type { User } from '../../db/types.js';

const files = tempDir('crm-export-');
afterAll(() => files.cleanup());

const LEAD_HEADERS_EN = [
  'ID', 'Name', 'Phone', 'Phone 2', 'Course', 'Source', 'Status', 'Salesperson', 'Parked', 'Created', 'Student name', 'Student age',
  'Level', 'Lost reason', 'Agreed price', 'UTM source', 'UTM medium', 'UTM campaign', 'Notes',
];

describe.each(dialects())('Excel exports (%s)', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;
  let seller: User;
  let other: User;
  let english: number;

  beforeEach(async () => {
    database = await freshDatabase(dialect);
    ({ services, clock } = servicesFor(database, tash('2026-03-02T10:00')));
    english = (await addCourse(database, { name: 'English' })).id;
    seller = await addUser(services, { fullName: 'Dilnoza Karimova' });
    other = await addUser(services, { fullName: 'Jasur Aliyev', isActiveSales: false });
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('leads: exactly the filtered leads with localized headers, local times and labels', async () => {
    // Monday: two leads go to the only available salesperson; Tuesday: one more; Wednesday: one more
    const a = (await services.leads.intake({ name: 'Aziza', phone: '901000001', source: 'instagram', courseId: english, note: 'kechqurun' })).lead;
    clock.set(tash('2026-03-02T23:30'));
    const b = (await services.leads.intake({ name: 'Bekzod', phone: '901000002', phone2: '931000002', source: 'form', utm: { source: 'fb', campaign: 'spring' } })).lead;
    clock.set(tash('2026-03-03T11:00'));
    const c = (await services.leads.intake({ name: 'Санжар', phone: '901000003', source: 'excel', parked: true })).lead;
    clock.set(tash('2026-03-04T09:30'));
    await services.leads.intake({ name: 'Dilshod', phone: '901000004', source: 'walk_in' });

    const all = files.path(`leads-all-${dialect}.xlsx`);
    expect(await exportLeads(services.deps, all, {}, { lang: 'en' })).toBe(4);
    const sheet = (await readBack(all)).Leads;
    expect(sheet[0]).toEqual(LEAD_HEADERS_EN);
    expect(sheet.slice(1).map((r) => r.slice(0, 10))).toEqual([
      [a.id, 'Aziza', '+998901000001', null, 'English', 'Instagram', 'New', 'Dilnoza Karimova', 'No', new Date(Date.UTC(2026, 2, 2, 10, 0))],
      [b.id, 'Bekzod', '+998901000002', '+998931000002', null, 'Website form', 'New', null, 'No', new Date(Date.UTC(2026, 2, 2, 23, 30))],
      [c.id, 'Санжар', '+998901000003', null, null, 'Excel', 'New', null, 'Yes', new Date(Date.UTC(2026, 2, 3, 11, 0))],
      [c.id + 1, 'Dilshod', '+998901000004', null, null, 'Walk-in', 'New', 'Dilnoza Karimova', 'No', new Date(Date.UTC(2026, 2, 4, 9, 30))],
    ]);
    expect(sheet[2][15]).toBe('fb');
    expect(sheet[2][17]).toBe('spring');
    // note stamps are in the center's time zone
    expect(sheet[1][18]).toBe('[2026-03-02 10:00] kechqurun');

    // a local-day period: 23:30 on Monday belongs to Monday in Tashkent although it is Monday 18:30 UTC
    const monday = files.path(`leads-monday-${dialect}.xlsx`);
    expect(await exportLeads(services.deps, monday, { from: '2026-03-02', to: '2026-03-02' }, { lang: 'en' })).toBe(2);
    expect((await readBack(monday)).Leads.slice(1).map((r) => r[1])).toEqual(['Aziza', 'Bekzod']);

    const parked = files.path(`leads-parked-${dialect}.xlsx`);
    await exportLeads(services.deps, parked, { parked: true, source: ['excel'] }, { lang: 'uz' });
    const uz = (await readBack(parked)).Lidlar;
    expect(uz[0].slice(0, 3)).toEqual(['ID', 'Ism', 'Telefon']);
    expect(uz.slice(1).map((r) => r[1])).toEqual(['Санжар']);

    // a salesperson's export holds only their own leads, whatever the filter says
    const own = files.path(`leads-own-${dialect}.xlsx`);
    expect(await exportLeads(services.deps, own, { assignedTo: null }, { lang: 'en', actor: seller })).toBe(2);
    expect((await readBack(own)).Leads.slice(1).map((r) => r[1])).toEqual(['Aziza', 'Dilshod']);
  });

  it('kpi: the rows of the period, by date then salesperson, rates as percentages', async () => {
    const row = (user: number, date: string, over: Record<string, unknown> = {}) => ({
      user_id: user,
      date,
      daily_contacts: 4,
      daily_followups: 2,
      followup_completion_rate: 50,
      trials_registered: 1,
      trials_to_sales: 0,
      conversion_rate: 20,
      response_time: 33.3,
      overdue_count: 1,
      on_leave: 0,
      report_sent: 0,
      computed_at: new Date().toISOString(),
      ...over,
    });
    await database.db
      .insertInto('kpi_daily')
      .values([
        row(seller.id, '2026-03-03'),
        row(other.id, '2026-03-04', { daily_contacts: 0, daily_followups: 0, followup_completion_rate: null, conversion_rate: null, response_time: null, overdue_count: 0, trials_registered: 0, on_leave: 1 }),
        row(seller.id, '2026-03-04', { daily_contacts: 1, followup_completion_rate: 100, conversion_rate: 0 }),
        row(seller.id, '2026-03-05'),
      ])
      .execute();
    const out = files.path(`kpi-${dialect}.xlsx`);
    expect(await exportKpi(services.deps, out, { from: '2026-03-03', to: '2026-03-04' }, { lang: 'en' })).toBe(3);
    const sheet = (await readBack(out)).KPI;
    expect(sheet).toEqual([
      ['Date', 'Salesperson', 'Daily contacts', 'Follow-ups done', 'Follow-up completion', 'Trials registered', 'Trials to sales', 'Conversion rate', 'Response time (min)', 'Overdue', 'On leave / absent'],
      ['2026-03-03', 'Dilnoza Karimova', 4, 2, 0.5, 1, 0, 0.2, 33.3, 1, 'No'],
      ['2026-03-04', 'Dilnoza Karimova', 1, 2, 1, 1, 0, 0, 33.3, 1, 'No'],
      ['2026-03-04', 'Jasur Aliyev', 0, 0, null, 0, 0, null, null, 0, 'Yes'],
    ]);
    const own = files.path(`kpi-own-${dialect}.xlsx`);
    expect(await exportKpi(services.deps, own, { from: '2026-03-01', to: '2026-03-31', userId: other.id }, { actor: seller })).toBe(3);
    await expect(exportKpi(services.deps, own, { from: '2026-03-05', to: '2026-03-01' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('analytics: each table becomes a sheet holding exactly its rows', async () => {
    const out = files.path(`tables-${dialect}.xlsx`);
    async function* streamed() {
      yield { day: '2026-03-01', n: 3 };
      yield { day: '2026-03-02', n: 0 };
    }
    const counts = await writeTables(out, [
      { name: 'Funnel', columns: [{ key: 'status', header: 'Status' }, { key: 'count', header: 'Count' }], rows: [{ status: 'new', count: 7 }, { status: 'lost', count: 2 }] },
      { name: 'Per day', columns: [{ key: 'day', header: 'Day' }, { key: 'n', header: 'Leads' }], rows: streamed() },
      { name: 'Empty: [x]', columns: [{ key: 'a', header: 'A' }], rows: [] },
    ]);
    expect(counts).toEqual([2, 2, 0]);
    const book = await readBack(out);
    expect(Object.keys(book)).toEqual(['Funnel', 'Per day', 'Empty   x']);
    expect(book.Funnel).toEqual([['Status', 'Count'], ['new', 7], ['lost', 2]]);
    expect(book['Per day']).toEqual([['Day', 'Leads'], ['2026-03-01', 3], ['2026-03-02', 0]]);
    expect(book['Empty   x']).toEqual([['A']]);
  });

  it('analytics: the period analytics of the product export as its sheets', async () => {
    await services.leads.intake({ name: 'Aziza', phone: '901000001', source: 'instagram', courseId: english });
    await services.leads.intake({ name: 'Bekzod', phone: '901000002', source: 'form' });
    const result = await services.analytics.analytics({ from: '2026-03-01', to: '2026-03-03' });
    const out = files.path(`analytics-${dialect}.xlsx`);
    const counts = await writeTables(out, analyticsTables(result, 'en'));
    const book = await readBack(out);
    expect(Object.keys(book)).toEqual(['Totals', 'Days', 'Statuses', 'Sources', 'Lost reasons', 'Salespeople']);
    expect(book.Totals.slice(0, 2)).toEqual([['Metric', 'Value'], ['New leads', 2]]);
    expect(book.Days.slice(1).map((r) => [r[0], r[1]])).toEqual([['2026-03-01', 0], ['2026-03-02', 2], ['2026-03-03', 0]]);
    expect(book.Sources.slice(1).map((r) => [r[0], r[1]])).toEqual([['Website form', 1], ['Instagram', 1]]);
    expect(book.Statuses.find((r) => r[0] === 'New')).toEqual(['New', 2]);
    expect(counts[5]).toBe(book.Salespeople.length - 1);
  });
});
