import type { Tx } from '../../db/connection.js';

/**
 * Small JSON values kept in the database (table kv_state), so state such as a bot conversation
 * survives a restart and is shared by every process on the same database.
 */
export async function kvGet<T = unknown>(db: Tx, key: string): Promise<T | undefined> {
  const row = await db.selectFrom('kv_state').select('value').where('key', '=', key).executeTakeFirst();
  return row ? (JSON.parse(row.value) as T) : undefined;
}

export async function kvSet(db: Tx, key: string, value: unknown, now: Date): Promise<void> {
  const json = JSON.stringify(value);
  const at = now.toISOString();
  await db
    .insertInto('kv_state')
    .values({ key, value: json, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: at }))
    .execute();
}

export async function kvDelete(db: Tx, key: string): Promise<void> {
  await db.deleteFrom('kv_state').where('key', '=', key).execute();
}

/** Drops entries under `prefix` untouched since `before` (abandoned conversations). */
export async function kvPurge(db: Tx, prefix: string, before: Date): Promise<number> {
  const res = await db
    .deleteFrom('kv_state')
    .where('key', 'like', `${prefix}%`)
    .where('updated_at', '<', before.toISOString())
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}

/**
 * Takes the lock `key` for `holder` (one row of kv_state, so it holds across processes on one
 * database) unless another holder has it and took it at or after `staleBefore`: a holder that
 * died keeps it only that long. True when `holder` has it now.
 */
export async function kvTryLock(db: Tx, key: string, holder: string, now: Date, staleBefore: Date): Promise<boolean> {
  const value = JSON.stringify(holder);
  const at = now.toISOString();
  await db
    .insertInto('kv_state')
    .values({ key, value, updated_at: at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }).where('kv_state.updated_at', '<', staleBefore.toISOString()))
    .execute();
  const row = await db.selectFrom('kv_state').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value === value;
}

/** Gives the lock back, if `holder` still has it (a stale one taken over stays with its new holder). */
export async function kvUnlock(db: Tx, key: string, holder: string): Promise<void> {
  await db.deleteFrom('kv_state').where('key', '=', key).where('value', '=', JSON.stringify(holder)).execute();
}
