import { CompiledQuery } from 'kysely';
import type { Dialect, Tx } from '../../db/connection.js';

/**
 * Multi-row INSERT built as plain SQL text with placeholders, for the import's hot paths (100k
 * rows). Kysely's builder creates a node per value, and at this size compiling the query and
 * collecting its garbage cost more than SQLite's own work. Values are always bound parameters.
 */

const sqlCache = new Map<string, string>();

function insertSql(dialect: Dialect, table: string, columns: string[], rowCount: number, returning: string[]): string {
  const key = `${dialect}|${table}|${columns.join(',')}|${rowCount}|${returning.join(',')}`;
  let text = sqlCache.get(key);
  if (text) return text;
  const width = columns.length;
  const tuples: string[] = [];
  for (let r = 0; r < rowCount; r++) {
    const ph: string[] = [];
    for (let c = 1; c <= width; c++) ph.push(dialect === 'postgres' ? `$${r * width + c}` : '?');
    tuples.push(`(${ph.join(',')})`);
  }
  const q = (id: string) => `"${id}"`;
  text = `insert into ${q(table)} (${columns.map(q).join(',')}) values ${tuples.join(',')}`;
  if (returning.length) text += ` returning ${returning.map(q).join(',')}`;
  if (sqlCache.size > 200) sqlCache.clear();
  sqlCache.set(key, text);
  return text;
}

/** Inserts `rowCount` rows whose values are laid out row after row in `params` (no per-row arrays to build). */
export async function insertFlat<R = Record<string, unknown>>(
  db: Tx,
  dialect: Dialect,
  table: string,
  columns: string[],
  params: unknown[],
  rowCount: number,
  returning: string[] = [],
): Promise<R[]> {
  if (!rowCount) return [];
  for (let i = 0; i < params.length; i++) if (params[i] === undefined) params[i] = null;
  const result = await db.executeQuery<R>(CompiledQuery.raw(insertSql(dialect, table, columns, rowCount, returning), params));
  return result.rows as R[];
}

/**
 * `select … where <column> in (<values>)` with the whole list as ONE bound parameter: a JSON array
 * read through json_each on SQLite, an array compared with = any on PostgreSQL. The statement text
 * is the same for any number of values, so it is prepared once; a placeholder per value made a new,
 * large statement for every list length (and Kysely a node per value).
 */
export async function selectIn<R>(db: Tx, dialect: Dialect, selectWhere: string, column: string, values: (string | number)[]): Promise<R[]> {
  if (!values.length) return [];
  const text = dialect === 'postgres' ? `${selectWhere} ${column} = any($1)` : `${selectWhere} ${column} in (select value from json_each(?))`;
  const result = await db.executeQuery<R>(CompiledQuery.raw(text, [dialect === 'postgres' ? values : JSON.stringify(values)]));
  return result.rows as R[];
}
