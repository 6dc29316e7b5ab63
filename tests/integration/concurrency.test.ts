import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';
import { openDatabase } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';
import { sql } from 'kysely';

const run = promisify(execFile);
const AT = tash('2026-03-04T10:00');

function child(location: string, count: number) {
  return run(process.execPath, ['--import', 'tsx', 'tests/support/intake-child.ts', location, '1000', String(count), AT], { encoding: 'utf8' }).then(
    (r) => JSON.parse(r.stdout) as { created: number },
  );
}

describe.each(dialects())('concurrent intakes of the same phones on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('two processes racing over the same 40 phones create each lead exactly once', async () => {
    const { services } = servicesFor(database, AT);
    await addUser(services);
    await addUser(services);
    const [a, b] = await Promise.all([child(database.location, 40), child(database.location, 40)]);
    const leads = await database.db.selectFrom('leads').select(['id', 'phone']).execute();
    expect(leads).toHaveLength(40);
    expect(new Set(leads.map((l) => l.phone)).size).toBe(40);
    expect(a.created + b.created).toBe(40);
    // the two processes' touches are events on the one lead, not second leads
    const touches = await database.db.selectFrom('lead_events').select('id').where('type', '=', 'touched').execute();
    expect(touches).toHaveLength(40);
    // the open-lead counters add up to the leads assigned
    const users = await database.db.selectFrom('users').select('open_lead_count').where('role', '=', 'sales').execute();
    expect(users.reduce((s, u) => s + u.open_lead_count, 0)).toBe(40);
  }, 60_000);

  // better-sqlite3 is synchronous: in one process two SQLite connections would block each other's
  // thread, so SQLite is raced by the two processes above; PostgreSQL is also raced by two pools here.
  if (dialect === 'postgres') it('two connections in one process racing over one phone create one lead', async () => {
    const { services } = servicesFor(database, AT);
    await addUser(services);
    const second = servicesFor({ ...database, ...openDatabase(dialect === 'postgres' ? { dialect, url: database.location } : { dialect, sqlitePath: database.location }) } as TestDatabase, AT);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? services : second.services).leads.intake({ name: `Same ${i}`, phone: '+998977777777', source: 'form' })),
    );
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.lead.id)).size).toBe(1);
    await second.services.deps.db.destroy();
  });
});

// PostgreSQL only: SQLite has no connection to lose
describe.each(dialects().filter((d) => d === 'postgres'))('database connections on %s', (dialect) => {
  // PostgreSQL restarted, or an idle connection closed by an admin or a proxy: the process keeps
  // serving (pg raised the dropped connection as an uncaught exception before the pool had a listener)
  it('an idle pooled connection killed on the server is dropped and replaced, not a crash', async () => {
    const database = await freshDatabase(dialect);
    const seen: string[] = [];
    const opened = openDatabase({ dialect, url: database.location, onIdleConnectionError: (err) => seen.push(err.message) });
    try {
      const pid = (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(opened.db)).rows[0].pid;
      await sql`select pg_terminate_backend(${pid})`.execute(database.db);
      await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(1);
      expect(seen[0]).toMatch(/terminat/i);
      expect((await sql<{ one: number }>`select 1 as one`.execute(opened.db)).rows[0].one).toBe(1);
    } finally {
      await opened.destroy();
      await database.cleanup();
    }
  });
});

describe.each(dialects())('migrations on %s', (dialect) => {
  it('two processes migrating one fresh database at once both come up with one schema', async () => {
    const database = await freshDatabase(dialect, { migrate: false });
    try {
      const other = openDatabase(dialect === 'postgres' ? { dialect, url: database.location } : { dialect, sqlitePath: database.location });
      const script = `import { openDatabase } from './db/connection.js'; import { migrate } from './db/migrate.js';
        const loc = process.argv[1]; const d = openDatabase(loc.startsWith('postgres') ? { dialect: 'postgres', url: loc } : { dialect: 'sqlite', sqlitePath: loc });
        await migrate(d); await d.destroy(); console.log('ok');`;
      const [r1] = await Promise.all([
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, database.location], { encoding: 'utf8' }),
        migrate(other),
      ]);
      expect(r1.stdout.trim()).toBe('ok');
      const applied = await database.db.selectFrom('kysely_migration' as any).selectAll().execute();
      const names = applied.map((r: any) => r.name);
      expect(new Set(names).size).toBe(names.length);
      expect(names.length).toBeGreaterThan(0);
      expect(await database.db.selectFrom('center_settings').selectAll().execute()).toHaveLength(1);
      await other.destroy();
    } finally {
      await database.cleanup();
    }
  }, 60_000);
});
