import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiController, Filter, ValidationError } from 'adminjs';
import type AdminJS from 'adminjs';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { servicesFor } from '../support/fixtures.js';
import { loadConfig } from '../../config.js';
import type { Services } from '../../core/services.js';
import type { Db } from '../../db/connection.js';
import { createAdminJs } from '../../admin/admin.js';
import { KyselyResource, kyselyTable } from '../../admin/adapter/resource.js';
import type { AdapterDeps, AdminPrincipal, TableSpec } from '../../admin/adapter/spec.js';
import { adminResources } from '../../admin/admin.js';

/** Records every statement the adapter sends, compiled to SQL. */
class QueryLog implements KyselyPlugin {
  nodes: RootOperationNode[] = [];
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push(args.node);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
  sql(db: Db): string[] {
    return this.nodes.map((n) => db.getExecutor().compileQuery(n, { queryId: 'log' } as never).sql.replace(/\s+/g, ' ').trim());
  }
  clear(): void {
    this.nodes = [];
  }
}

const ADMIN: AdminPrincipal = { id: 1, role: 'admin', email: 'boss', title: 'Boss' };
const MANAGER: AdminPrincipal = { id: 2, role: 'sales_manager', email: 'mgr', title: 'Manager' };
const ctx = (a: AdminPrincipal) => ({ currentAdmin: a }) as never;

const STATUSES = ['new', 'contacted', 'interested', 'lost', 'enrolled'] as const;
const SOURCES = ['instagram', 'telegram', 'form', 'walk_in'] as const;

describe.each(dialects())('admin adapter on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let log: QueryLog;
  let adapter: AdapterDeps;
  let admin: AdminJS;
  let specs: Map<string, TableSpec>;
  let ids: { boss: number; manager: number; sellerA: number; sellerB: number; english: number; math: number };
  const resource = (id: string) => new KyselyResource(kyselyTable(specs.get(id)!, adapter));

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ({ services } = servicesFor(database, '2026-03-02T05:00:00.000Z'));
    log = new QueryLog();
    adapter = { db: database.db.withPlugin(log), dialect, tz: 'Asia/Tashkent', now: () => new Date('2026-03-02T05:00:00.000Z') };
    const config = loadConfig({});
    specs = new Map(adminResources({ services, adapter, config }).map((m) => [m.spec.id, m.spec]));
    admin = createAdminJs({ services, adapter, config });

    const boss = (await services.users.create({ username: 'boss', fullName: 'Bosh Admin', role: 'admin', password: 'secret-pass-1' })).user;
    const manager = (await services.users.create({ username: 'mgr', fullName: 'Malika Menejer', role: 'sales_manager', password: 'secret-pass-1' })).user;
    const sellerA = (await services.users.create({ username: 'aziza', fullName: 'Aziza Sotuvchi', role: 'sales' })).user;
    const sellerB = (await services.users.create({ username: 'bobur', fullName: 'Bobur Sotuvchi', role: 'sales' })).user;
    const course = (name: string, price: number) =>
      database.db
        .insertInto('courses')
        .values({ name, price, lesson_minutes: 90, lessons_per_week: 3, active: 1, created_at: '2026-01-01T00:00:00.000Z' })
        .returning('id')
        .executeTakeFirstOrThrow();
    const english = (await course('English B1', 600_000)).id;
    const math = (await course('Matematika', 450_000)).id;
    ids = { boss: boss.id, manager: manager.id, sellerA: sellerA.id, sellerB: sellerB.id, english, math };

    // 100k leads in batches: statuses, sources, assignees and creation days cycle, so every filter has a known answer
    const names = ['Азиз Каримов', 'Dilnoza Rahimova', 'Sardor 100% Aliyev', 'Jasur_Bek', 'Малика', 'Olim Toshev', 'Nodira'];
    const day0 = Date.parse('2026-01-01T00:00:00.000Z');
    const batch = 1000;
    for (let start = 0; start < 100_000; start += batch) {
      const rows = [];
      for (let i = start; i < start + batch; i++) {
        const created = new Date(day0 + (i % 60) * 86_400_000 + (i % 97) * 60_000).toISOString();
        rows.push({
          name: `${names[i % names.length]} ${i}`,
          phone: `+99890${String(i).padStart(7, '0')}`,
          source: SOURCES[i % SOURCES.length],
          status: STATUSES[i % STATUSES.length],
          assigned_to: i % 3 === 0 ? sellerA.id : i % 3 === 1 ? sellerB.id : null,
          course_id: i % 2 === 0 ? english : math,
          parked: i % 10 === 0 ? 1 : 0,
          created_at: created,
          updated_at: created,
          status_at: created,
          first_response_alerted: 0,
          no_answer_alerted: 0,
        });
      }
      await database.db.insertInto('leads').values(rows).execute();
    }
  }, 180_000);

  afterAll(async () => {
    await database?.cleanup();
  });

  /** how many i in [0, 100k) have i % m === k */
  const every = (m: number, k: number) => Math.floor((100_000 - 1 - k) / m) + 1;
  const count = async (where: (qb: any) => any) =>
    Number((await where(database.db.selectFrom('leads').select((eb) => eb.fn.countAll().as('n'))).executeTakeFirstOrThrow()).n);

  it('filters in SQL: text contains (any case, Cyrillic too, % taken literally), enum, reference, boolean, date range', async () => {
    const leads = resource('leads');
    const f = (filters: Record<string, unknown>) => new Filter(filters, leads);

    expect(await leads.count(f({ name: 'азиз' }), ctx(ADMIN))).toBe(every(7, 0));
    expect(await leads.count(f({ name: 'МАЛИКА' }), ctx(ADMIN))).toBe(every(7, 4));
    expect(await leads.count(f({ name: 'SARDOR 100%' }), ctx(ADMIN))).toBe(every(7, 2));
    // "100%" must not act as a wildcard: "10" followed by anything is not a match
    expect(await leads.count(f({ name: '10%' }), ctx(ADMIN))).toBe(0);
    expect(await leads.count(f({ name: 'jasur_' }), ctx(ADMIN))).toBe(every(7, 3));
    // '_' is a character here, not "any character"
    expect(await leads.count(f({ name: 'olim_' }), ctx(ADMIN))).toBe(0);
    expect(await leads.count(f({ status: 'lost' }), ctx(ADMIN))).toBe(20_000);
    expect(await leads.count(f({ status: 'lost', source: 'form' }), ctx(ADMIN))).toBe(await count((q) => q.where('status', '=', 'lost').where('source', '=', 'form')));
    expect(await leads.count(f({ assigned_to: String(ids.sellerA) }), ctx(ADMIN))).toBe(await count((q) => q.where('assigned_to', '=', ids.sellerA)));
    expect(await leads.count(f({ parked: 'true' }), ctx(ADMIN))).toBe(10_000);
    expect(await leads.count(f({ course_id: String(ids.math) }), ctx(ADMIN))).toBe(50_000);

    // created 2026-01-10 .. 2026-01-12 (whole local days in Tashkent, UTC+5)
    const range = { 'created_at~~from': '2026-01-10', 'created_at~~to': '2026-01-12' };
    const expected = await count((q) => q.where('created_at', '>=', '2026-01-09T19:00:00.000Z').where('created_at', '<', '2026-01-12T19:00:00.000Z'));
    expect(expected).toBeGreaterThan(0);
    expect(await leads.count(f(range), ctx(ADMIN))).toBe(expected);
    const page = await leads.find(f({ ...range, status: 'new' }), { limit: 50, sort: { sortBy: 'created_at', direction: 'asc' } }, ctx(ADMIN));
    expect(page.length).toBeGreaterThan(0);
    for (const r of page) {
      expect(r.param('status')).toBe('new');
      expect(String(r.param('created_at')) >= '2026-01-09T19:00:00.000Z' && String(r.param('created_at')) < '2026-01-12T19:00:00.000Z').toBe(true);
    }
    // a number range on a computed-free numeric column
    const courses = resource('courses');
    expect(await courses.count(new Filter({ 'price~~from': '500000', 'price~~to': '700000' }, courses), ctx(ADMIN))).toBe(1);
  });

  it('sorts and pages in SQL, with a stable order and the right count', async () => {
    const leads = resource('leads');
    const filter = new Filter({ status: 'contacted', source: 'telegram' }, leads);
    const total = await leads.count(filter, ctx(ADMIN));
    expect(total).toBe(await count((q) => q.where('status', '=', 'contacted').where('source', '=', 'telegram')));

    const pages = [];
    for (let p = 0; p < 3; p++) pages.push(await leads.find(filter, { limit: 10, offset: p * 10, sort: { sortBy: 'name', direction: 'desc' } }, ctx(ADMIN)));
    const all = pages.flat();
    expect(all).toHaveLength(30);
    expect(new Set(all.map((r) => r.id())).size).toBe(30);
    const names = all.map((r) => String(r.param('name')));
    expect([...names].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))).toEqual(names);

    const asc = await leads.find(filter, { limit: 5, offset: 0, sort: { sortBy: 'id', direction: 'asc' } }, ctx(ADMIN));
    const ids5 = asc.map((r) => Number(r.id()));
    expect(ids5).toEqual([...ids5].sort((a, b) => a - b));
    // an unknown sort column falls back to the key instead of reaching SQL
    const odd = await leads.find(filter, { limit: 3, sort: { sortBy: 'name; drop table leads', direction: 'asc' } }, ctx(ADMIN));
    expect(odd).toHaveLength(3);
  });

  it('creates, edits and deletes a plain row, and refuses a bad write naming the field', async () => {
    const courses = resource('courses');
    const created = await courses.create({ name: 'Python', price: '700000', lesson_minutes: '120', lessons_per_week: '2', active: 'true', created_at: '1999-01-01', bogus: 'x' }, ctx(ADMIN));
    expect(created).toMatchObject({ name: 'Python', price: 700_000, lesson_minutes: 120, active: true });
    // read-only columns are set by the table, not the form
    expect(created.created_at).toBe('2026-03-02T05:00:00.000Z');
    const id = String(created.id);

    const updated = await courses.update(id, { price: '750000', active: 'false' }, ctx(ADMIN));
    expect(updated).toMatchObject({ price: 750_000, active: false, name: 'Python' });
    const row = await database.db.selectFrom('courses').selectAll().where('id', '=', Number(id)).executeTakeFirstOrThrow();
    expect(row.active).toBe(0);

    const refusal = await courses.update(id, { price: 'abc', name: '' }, ctx(ADMIN)).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ValidationError);
    expect(Object.keys((refusal as ValidationError).propertyErrors).sort()).toEqual(['name', 'price']);
    expect((refusal as ValidationError).propertyErrors.price.message).toBe('fieldMustBeNumber');
    expect((await database.db.selectFrom('courses').select('price').where('id', '=', Number(id)).executeTakeFirstOrThrow()).price).toBe(750_000);

    const missing = await courses.create({ price: '1' }, ctx(ADMIN)).catch((e: unknown) => e);
    expect((missing as ValidationError).propertyErrors.name.message).toBe('fieldRequired');

    // the same holiday twice: the unique key is reported on its field
    const holidays = resource('holidays');
    await holidays.create({ date: '2026-03-21', name: 'Navro‘z' }, ctx(ADMIN));
    const dup = await holidays.create({ date: '2026-03-21', name: 'again' }, ctx(ADMIN)).catch((e: unknown) => e);
    expect((dup as ValidationError).propertyErrors.date.message).toBe('fieldMustBeUnique');

    // staff are written through core: its refusal lands on our column name; the password is hashed
    const users = resource('users');
    const badUser = await users.create({ username: 'x', full_name: 'X', role: 'sales' }, ctx(ADMIN)).catch((e: unknown) => e);
    expect(Object.keys((badUser as ValidationError).propertyErrors)).toContain('username');
    const made = await users.create({ username: 'newmgr', full_name: 'New Manager', role: 'sales_manager', password: 'long-enough-1', work_days: '1,2,3' }, ctx(ADMIN));
    expect(made).not.toHaveProperty('password_hash');
    expect(made).not.toHaveProperty('password');
    const stored = await database.db.selectFrom('users').select(['password_hash', 'work_days']).where('username', '=', 'newmgr').executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(stored.password_hash).not.toContain('long-enough-1');
    expect(JSON.parse(stored.work_days)).toEqual([1, 2, 3]);
    // a manager may add salespeople only
    const escalate = await users.create({ username: 'sneaky', full_name: 'S', role: 'admin', password: 'long-enough-1' }, ctx(MANAGER)).catch((e: unknown) => e);
    expect((escalate as ValidationError).propertyErrors.role.message).toBe('fieldRoleNotAllowed');

    await courses.delete(id, ctx(ADMIN));
    expect(await courses.findOne(id, ctx(ADMIN))).toBeNull();
    // a course that groups use cannot be deleted: a message, not a crash
    const group = await resource('study_groups').create({ name: 'E-1', course_id: String(ids.english), days: 'odd', start_time: '15:00', capacity: '10', current_students: '8' }, ctx(ADMIN));
    expect(group.occupancy).toBe(80);
    const inUse = await courses.delete(String(ids.english), ctx(ADMIN)).catch((e: unknown) => e);
    expect(inUse).toBeInstanceOf(ValidationError);
    expect((inUse as ValidationError).baseError?.message).toBe('recordInUse');
  });

  it('renders references by name, and keeps admin accounts from managers', async () => {
    const res = await new ApiController({ admin }, MANAGER).resourceAction(
      { params: { resourceId: 'leads', action: 'list' }, query: { 'filters.status': 'new', 'filters.assigned_to': String(ids.sellerA), perPage: '5' }, method: 'get' } as never,
      {},
    );
    const records = (res as { records: Array<{ params: Record<string, unknown>; populated: Record<string, { title: string } | null> }> }).records;
    expect(records).toHaveLength(5);
    for (const r of records) {
      expect(r.params.assigned_to).toBe(ids.sellerA);
      expect(r.populated.assigned_to?.title).toBe('Aziza Sotuvchi');
      expect(['English B1', 'Matematika']).toContain(r.populated.course_id?.title);
    }

    const users = resource('users');
    const seenByManager = await users.find(new Filter({}, users), { limit: 50 }, ctx(MANAGER));
    expect(seenByManager.map((r) => r.param('username'))).not.toContain('boss');
    expect(seenByManager.map((r) => r.param('username'))).toContain('aziza');
    expect(await users.findOne(String(ids.boss), ctx(MANAGER))).toBeNull();
    expect(await users.count(new Filter({ role: 'admin' }, users), ctx(MANAGER))).toBe(0);
    expect((await users.findOne(String(ids.boss), ctx(ADMIN)))?.param('full_name')).toBe('Bosh Admin');
    // the hash is never read into the back office
    expect((await users.findOne(String(ids.boss), ctx(ADMIN)))?.params).not.toHaveProperty('password_hash');
  });

  it('a filtered page of 100k leads is one bounded select plus one count (no table read into memory)', async () => {
    const controller = new ApiController({ admin }, MANAGER);
    const request = {
      params: { resourceId: 'leads', action: 'list' },
      query: { 'filters.status': 'interested', 'filters.name': 'dilnoza', page: '3', perPage: '20', sortBy: 'created_at', direction: 'desc' },
      method: 'get',
    } as never;
    await controller.resourceAction(request, {}); // warm-up (statement cache, pages in memory)
    log.clear();
    const started = performance.now();
    const res = (await controller.resourceAction(request, {})) as { records: Array<{ params: Record<string, unknown> }>; meta: { total: number } };
    let ms = performance.now() - started;

    const statements = log.sql(database.db);
    const onLeads = statements.filter((s) => /from "leads"/i.test(s));
    const selects = onLeads.filter((s) => !/count\(\*\)/i.test(s));
    const counts = onLeads.filter((s) => /count\(\*\)/i.test(s));
    expect(selects).toHaveLength(1);
    expect(counts).toHaveLength(1);
    expect(selects[0]).toMatch(/ where .*"status" = .* limit .* offset /i);
    expect(counts[0]).toMatch(/ where .*"status" = /i);
    // the only other statements fetch the names of the referenced rows on this page, by id
    for (const s of statements.filter((x) => !onLeads.includes(x))) expect(s).toMatch(/ where "id" in \(/i);

    expect(res.records).toHaveLength(20);
    expect(res.meta.total).toBe(every(35, 22)); // i % 5 === 2 (interested) and i % 7 === 1 (Dilnoza): i % 35 === 22
    for (const r of res.records) expect(r.params.status).toBe('interested');
    const created = res.records.map((r) => String(r.params.created_at));
    expect([...created].sort().reverse()).toEqual(created);
    // best of three more runs: the machine is shared with other test files
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await controller.resourceAction(request, {});
      ms = Math.min(ms, performance.now() - t0);
    }
    process.stdout.write(`admin leads list, 100k rows, filtered page 3 on ${dialect}: ${ms.toFixed(1)} ms, ${statements.length} statements\n`);
    expect(ms).toBeLessThan(1000);
  });
});
