import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type Dialect } from '../../db/connection.js';
import { migrate } from '../../db/migrate.js';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (one suite, two dialects). */
export function dialects(): Dialect[] {
  return process.env.TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

export interface TestDatabase extends Database {
  /** the URL or file path, for a second process or connection on the same database */
  location: string;
  cleanup(): Promise<void>;
}

/** A new, empty, migrated database: a temp SQLite file or a throw-away PostgreSQL database. */
export async function freshDatabase(dialect: Dialect, opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'crm-test-'));
    const path = join(dir, 'crm.sqlite');
    const database = openDatabase({ dialect, sqlitePath: path });
    if (opts.migrate !== false) await migrate(database);
    return {
      ...database,
      location: path,
      cleanup: async () => {
        await database.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const name = `crm_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const database = openDatabase({ dialect, url: url.toString() });
  if (opts.migrate !== false) await migrate(database);
  return {
    ...database,
    location: url.toString(),
    cleanup: async () => {
      await database.destroy();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      // pool.end() resolves before its clients have closed; dropping "with (force)" under them makes
      // the pool emit an unhandled error, so wait (briefly) for them to go first
      for (let i = 0; i < 50; i++) {
        const { rows } = await c.query('select count(*)::int as n from pg_stat_activity where datname = $1', [name]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
