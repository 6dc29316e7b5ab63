import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql, type Transaction } from 'kysely';
import type { DB } from './types.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<DB>;
export type Tx = Kysely<DB> | Transaction<DB>;

export interface Database {
  db: Db;
  dialect: Dialect;
  /** closes the pool or the file handle */
  destroy(): Promise<void>;
}

export interface DatabaseOptions {
  dialect: Dialect;
  /** SQLite file path (created with its folder when missing) */
  sqlitePath?: string;
  /** postgres://… connection string */
  url?: string;
  poolSize?: number;
  /**
   * PostgreSQL: an idle pooled connection that failed (the server restarted, an admin or a proxy
   * closed it). The pool drops it and opens a new one when needed; without a listener pg would
   * raise it as an uncaught exception and end the process. Default: one line on stderr.
   */
  onIdleConnectionError?: (err: Error) => void;
}

// int8 (counts, sums) and numeric (averages) come back as strings from pg; they fit in a JS number here.
const pgTypes = {
  getTypeParser(oid: number, format?: any) {
    if (oid === 20 || oid === 1700) return (v: string) => (v === null ? null : Number(v));
    return pg.types.getTypeParser(oid, format);
  },
};

const pools = new WeakMap<Db, pg.Pool>();

/**
 * The pg pool behind a PostgreSQL Db, for a connection kept for a whole session (a session-level
 * advisory lock): Kysely hides its client, and a held client needs its own 'error' listener, since
 * pg throws an error nobody listens for (a dropped connection) as an uncaught exception.
 */
export function pgPoolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

export function openDatabase(opts: DatabaseOptions): Database {
  if (opts.dialect === 'postgres') {
    if (!opts.url) throw new Error('DATABASE_URL is required for PostgreSQL');
    const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10, types: pgTypes as any });
    pool.on('error', opts.onIdleConnectionError ?? ((err) => process.stderr.write(`database: an idle connection failed and was dropped: ${err.message}\n`)));
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    const destroy = async () => {
      await db.destroy();
      // Kysely ends the pool only if it ever ran a query; pgPoolOf users may have opened clients alone
      if (!pool.ending) await pool.end();
    };
    return { db, dialect: 'postgres', destroy };
  }
  const path = opts.sqlitePath ?? './data/crm.sqlite';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const file = new SQLite(path);
  file.pragma('journal_mode = WAL');
  file.pragma('foreign_keys = ON');
  file.pragma('busy_timeout = 10000');
  // WAL + NORMAL: durable across application crashes, fsync only at checkpoints
  file.pragma('synchronous = NORMAL');
  // SQLite's built-in lower() folds ASCII only; names here are often Cyrillic, and case-insensitive
  // search must behave as PostgreSQL's lower() does
  file.function('lower', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v) as string | null);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(file) }) });
  return { db, dialect: 'sqlite', destroy: () => db.destroy() };
}

/** The part of a better-sqlite3 statement Kysely's SQLite driver uses. */
interface DriverStatement {
  readonly reader: boolean;
  all(params: unknown[]): unknown[];
  run(params: unknown[]): SQLite.RunResult;
  iterate(params: unknown[]): IterableIterator<unknown>;
}

/**
 * A reading statement whose rows are built by us from better-sqlite3's raw arrays: its own row
 * objects cost about half of a 50-row list query (a salesperson's lead list: ~130 µs → ~75 µs),
 * while an object literal with fixed keys is cheap for V8. The column names are read again when a
 * row's width changes (a schema change recompiled a `select *`).
 */
function rowsAsObjects(stmt: SQLite.Statement): DriverStatement {
  const raw = stmt.raw(true);
  let width = -1;
  let rowOf: (r: unknown[]) => unknown = () => ({});
  const shape = () => {
    const names = raw.columns().map((c) => c.name);
    width = names.length;
    // `__proto__` in a literal would set the prototype: such a result keeps plain assignment
    rowOf = names.includes('__proto__')
      ? (r) => Object.fromEntries(names.map((n, i) => [n, r[i]]))
      : (new Function('r', `return {${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')}};`) as (r: unknown[]) => unknown);
  };
  const map = (rows: unknown[][]) => {
    if (rows.length && rows[0].length !== width) shape();
    return rows.map(rowOf);
  };
  shape();
  return {
    reader: true,
    all: (params) => map(raw.all(params) as unknown[][]),
    run: (params) => raw.run(params),
    *iterate(params) {
      for (const r of raw.iterate(params) as IterableIterator<unknown[]>) yield map([r])[0];
    },
  };
}

/**
 * Kysely's SQLite driver prepares every statement on every call; preparing costs more than
 * running most of our queries, so prepared statements are kept (bounded) per SQL text. A schema
 * change (migrations, a test's own table) empties the cache so no statement keeps an old shape.
 */
export function withStatementCache(file: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement | DriverStatement>();
  const prepare = file.prepare.bind(file);
  return new Proxy(file, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return (text: string) => {
        let stmt = cache.get(text);
        if (!stmt) {
          if (/^\s*(create|alter|drop)\b/i.test(text)) cache.clear();
          const prepared = prepare(text);
          stmt = prepared.reader ? rowsAsObjects(prepared) : prepared;
          if (cache.size >= max) cache.delete(cache.keys().next().value!);
          cache.set(text, stmt);
        }
        return stmt;
      };
    },
  });
}

const immediate = new WeakSet<Kysely<DB>>();

/**
 * Runs `fn` in one transaction. On SQLite it is BEGIN IMMEDIATE, so a transaction that reads and
 * then writes takes the write lock up front and waits (busy_timeout) instead of failing when
 * another process wrote in between. Nested calls join the outer transaction.
 */
export async function withTx<T>(db: Tx, dialect: Dialect, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction || immediate.has(db)) return fn(db);
  if (dialect === 'postgres') return db.transaction().execute((tx) => fn(tx));
  return db.connection().execute(async (conn) => {
    immediate.add(conn);
    await sql`begin immediate`.execute(conn);
    try {
      const result = await fn(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    } finally {
      immediate.delete(conn);
    }
  });
}
