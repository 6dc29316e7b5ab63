import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Database } from './connection.js';

const dir = fileURLToPath(new URL('../migrations/', import.meta.url));

class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await readdir(dir)).filter((f) => /^\d{4}-\d{2}-\d{2}-.*\.(ts|js)$/.test(f) && !f.endsWith('.d.ts')).sort();
    const out: Record<string, Migration> = {};
    for (const f of files) out[f.replace(/\.(ts|js)$/, '')] = await import(pathToFileURL(join(dir, f)).href);
    return out;
  }
}

/**
 * Applies pending migrations. PostgreSQL: Kysely's migrator holds an advisory lock, so a second
 * process waits and then finds nothing to do. SQLite: a second process may hit SQLITE_BUSY while
 * the first holds the write lock; it retries and then finds nothing to do.
 */
export async function migrate(database: Database): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new FolderProvider() });
  for (let attempt = 0; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    const busy = /SQLITE_BUSY|database is locked|already exists|duplicate key|UNIQUE constraint/i.test(String((error as Error)?.message ?? error));
    if (!busy || attempt >= 20) throw error;
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
  }
}
