import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../db/connection.js';

// SQLite rows are built from better-sqlite3's raw arrays (db/connection.ts rowsAsObjects) and
// statements are cached per SQL text: what a query returns must be exactly what it asked for,
// also after the schema changed under a cached `select *`.
describe('SQLite rows through the statement cache', () => {
  let dir: string;
  let database: Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-rows-'));
    database = openDatabase({ dialect: 'sqlite', sqlitePath: join(dir, 'rows.sqlite') });
  });
  afterEach(async () => {
    await database.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rows carry every selected column under its name, in order, with its value and type', async () => {
    const { db } = database;
    await sql`create table t (id integer primary key, name text, n real, b blob)`.execute(db);
    await sql`insert into t (name, n, b) values ('Ali', 1.5, x'0102'), (null, null, null)`.execute(db);
    const rows = (await sql`select id, name, n, b, name as "alias" from t order by id`.execute(db)).rows;
    expect(rows).toEqual([
      { id: 1, name: 'Ali', n: 1.5, b: Buffer.from([1, 2]), alias: 'Ali' },
      { id: 2, name: null, n: null, b: null, alias: null },
    ]);
    expect(Object.keys(rows[0] as object)).toEqual(['id', 'name', 'n', 'b', 'alias']);
    // the same name twice: the last one wins, as better-sqlite3's own objects do
    expect((await sql`select 1 as x, 2 as x`.execute(db)).rows).toEqual([{ x: 2 }]);
    // a column named __proto__ is a column, not the row's prototype
    const proto = (await sql`select 5 as "__proto__", 6 as y`.execute(db)).rows[0] as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value).toBe(5);
    expect(proto.y).toBe(6);
    // RETURNING rows go through the same path
    expect((await sql`insert into t (name) values ('Vali') returning id, name`.execute(db)).rows).toEqual([{ id: 3, name: 'Vali' }]);
    expect((await sql`select id from t where id > 99`.execute(db)).rows).toEqual([]);
  });

  it('a cached select * follows a column added later', async () => {
    const { db } = database;
    await sql`create table t (id integer primary key, name text)`.execute(db);
    await sql`insert into t (name) values ('Ali')`.execute(db);
    const all = () => db.selectFrom('t' as never).selectAll().execute();
    expect(await all()).toEqual([{ id: 1, name: 'Ali' }]);
    await sql`alter table t add column phone text`.execute(db);
    await sql`update t set phone = '+998901234567'`.execute(db);
    expect(await all()).toEqual([{ id: 1, name: 'Ali', phone: '+998901234567' }]);
  });

  it('a streamed select yields the same row objects', async () => {
    const { db } = database;
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (const name of ['A', 'B', 'C']) await sql`insert into t (name) values (${name})`.execute(db);
    const seen: unknown[] = [];
    for await (const row of db.selectFrom('t' as never).select(['id' as never, 'name' as never]).orderBy('id' as never).stream()) seen.push(row);
    expect(seen).toEqual([
      { id: 1, name: 'A' },
      { id: 2, name: 'B' },
      { id: 3, name: 'C' },
    ]);
  });
});
