import { sql, type RawBuilder } from 'kysely';
import { DateTime } from 'luxon';
import type { Dialect } from '../../db/connection.js';
import type { ColumnSpec, TableSpec } from './spec.js';
import { toInstant, toLocalDate } from './values.js';

export type FilterValue = string | { from?: string; to?: string };
/** AdminJS Filter#filters: path → { value } (the other fields are not needed here) */
export type FilterInput = Record<string, { value: unknown }>;

const never = sql<boolean>`1 = 0`;

/** `like` pattern for "contains", with the user's % and _ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function columnExpr(col: ColumnSpec, dialect: Dialect): RawBuilder<unknown> {
  return col.computed ? sql`(${col.computed(dialect)})` : sql.ref(col.name);
}

function rangeOf(v: unknown): { from?: string; to?: string } | null {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const r = v as { from?: unknown; to?: unknown };
    const from = typeof r.from === 'string' && r.from.trim() ? r.from.trim() : undefined;
    const to = typeof r.to === 'string' && r.to.trim() ? r.to.trim() : undefined;
    return from || to ? { from, to } : null;
  }
  return null;
}

function condition(col: ColumnSpec, raw: unknown, dialect: Dialect, tz: string): RawBuilder<boolean> | null {
  const c = columnExpr(col, dialect);
  const range = rangeOf(raw);
  if (range) {
    const parts: RawBuilder<boolean>[] = [];
    if (col.kind === 'date') {
      const from = range.from && toLocalDate(range.from, tz);
      const to = range.to && toLocalDate(range.to, tz);
      if (range.from && !from) return never;
      if (range.to && !to) return never;
      if (from) parts.push(sql<boolean>`${c} >= ${from}`);
      if (to) parts.push(sql<boolean>`${c} <= ${to}`);
    } else if (col.kind === 'datetime') {
      const from = range.from && toInstant(range.from);
      if (range.from && !from) return never;
      if (from) parts.push(sql<boolean>`${c} >= ${from}`);
      if (range.to) {
        // a bare date as the upper bound means "through that whole local day"
        const to = /^\d{4}-\d{2}-\d{2}$/.test(range.to)
          ? DateTime.fromISO(range.to, { zone: tz }).plus({ days: 1 }).toUTC().toISO()
          : toInstant(range.to);
        if (!to) return never;
        parts.push(/^\d{4}-\d{2}-\d{2}$/.test(range.to) ? sql<boolean>`${c} < ${to}` : sql<boolean>`${c} <= ${to}`);
      }
    } else if (col.kind === 'number') {
      const from = range.from !== undefined ? Number(range.from) : undefined;
      const to = range.to !== undefined ? Number(range.to) : undefined;
      if ((from !== undefined && !Number.isFinite(from)) || (to !== undefined && !Number.isFinite(to))) return never;
      if (from !== undefined) parts.push(sql<boolean>`${c} >= ${from}`);
      if (to !== undefined) parts.push(sql<boolean>`${c} <= ${to}`);
    } else {
      return null;
    }
    return parts.length ? sql<boolean>`(${sql.join(parts, sql` and `)})` : null;
  }
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return null;
  const value = String(raw).trim();
  switch (col.kind) {
    case 'string':
    case 'textarea':
      // SQLite's own LIKE ignores ASCII case natively; other text goes through lower(), which
      // db/connection.ts makes Unicode-aware (Cyrillic names), as PostgreSQL's lower() is
      if (dialect === 'sqlite' && /^[\x00-\x7f]*$/.test(value)) return sql<boolean>`${c} like ${containsPattern(value)} escape '\\'`;
      return sql<boolean>`lower(${c}) like lower(${containsPattern(value)}) escape '\\'`;
    case 'enum':
      return sql<boolean>`${c} = ${value}`;
    case 'boolean':
      if (value === 'true' || value === '1') return sql<boolean>`${c} = 1`;
      if (value === 'false' || value === '0') return sql<boolean>`${c} = 0`;
      return never;
    case 'number':
    case 'reference': {
      const n = Number(value);
      return Number.isFinite(n) ? sql<boolean>`${c} = ${n}` : never;
    }
    case 'date': {
      const d = toLocalDate(value, tz);
      return d ? sql<boolean>`${c} = ${d}` : never;
    }
    case 'datetime': {
      // one day picked: that whole local day
      const d = DateTime.fromISO(value, { setZone: true });
      if (!d.isValid) return never;
      const day = d.setZone(tz).startOf('day');
      return sql<boolean>`(${c} >= ${day.toUTC().toISO()} and ${c} < ${day.plus({ days: 1 }).toUTC().toISO()})`;
    }
    default:
      return null;
  }
}

/**
 * AdminJS filters → SQL conditions, never evaluated in JavaScript. Paths that are not columns of
 * the spec (or are write-only) are ignored rather than trusted.
 */
export function whereOf(spec: TableSpec, filters: FilterInput, dialect: Dialect, tz: string): RawBuilder<boolean>[] {
  const out: RawBuilder<boolean>[] = [];
  const key = spec.key ?? 'id';
  for (const [path, el] of Object.entries(filters)) {
    const col: ColumnSpec | undefined =
      spec.columns.find((c) => c.name === path) ?? (path === key ? { name: key, kind: 'number' } : undefined);
    if (!col || col.kind === 'password' || col.virtual) continue;
    const cond = condition(col, el?.value, dialect, tz);
    if (cond) out.push(cond);
  }
  return out;
}
