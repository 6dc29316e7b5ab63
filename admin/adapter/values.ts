import { DateTime } from 'luxon';
import type { ColumnSpec, TableSpec, Values } from './spec.js';

/**
 * Message keys of field errors; admin/locale.ts translates them (the form shows the translation
 * under the field, and the key itself names what is wrong when read in a test or a log).
 */
export const FieldError = {
  required: 'fieldRequired',
  number: 'fieldMustBeNumber',
  integer: 'fieldMustBeInteger',
  min: 'fieldTooSmall',
  max: 'fieldTooLarge',
  tooLong: 'fieldTooLong',
  value: 'fieldNotAllowedValue',
  date: 'fieldMustBeDate',
  datetime: 'fieldMustBeDateTime',
  reference: 'fieldMustBeReference',
  pattern: 'fieldBadFormat',
  unique: 'fieldMustBeUnique',
  missingReference: 'fieldReferenceMissing',
} as const;

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** 'YYYY-MM-DD' from a date string or an instant read in the center's zone. */
export function toLocalDate(v: unknown, tz: string): string | null {
  if (v instanceof Date) return DateTime.fromJSDate(v).setZone(tz).toISODate();
  const s = String(v).trim();
  if (DATE.test(s)) return DateTime.fromISO(s).isValid ? s : null;
  const d = DateTime.fromISO(s, { setZone: true });
  return d.isValid ? d.setZone(tz).toISODate() : null;
}

/** ISO-8601 UTC instant, the storage form of every timestamp. */
export function toInstant(v: unknown): string | null {
  const d = v instanceof Date ? v : new Date(String(v).trim());
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

function coerce(col: ColumnSpec, raw: unknown, tz: string): { value?: unknown; error?: string } {
  if (col.kind === 'boolean') {
    if (raw === true || raw === 'true' || raw === 1 || raw === '1') return { value: 1 };
    if (raw === false || raw === 'false' || raw === 0 || raw === '0' || isEmpty(raw)) return { value: 0 };
    return { error: FieldError.value };
  }
  if (isEmpty(raw)) return col.required ? { error: FieldError.required } : { value: null };
  switch (col.kind) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(String(raw).trim().replace(/\s/g, ''));
      if (!Number.isFinite(n)) return { error: FieldError.number };
      if (col.min !== undefined && n < col.min) return { error: FieldError.min };
      if (col.max !== undefined && n > col.max) return { error: FieldError.max };
      return { value: n };
    }
    case 'reference': {
      const n = Number(raw);
      return Number.isInteger(n) && n > 0 ? { value: n } : { error: FieldError.reference };
    }
    case 'date': {
      const d = toLocalDate(raw, tz);
      return d ? { value: d } : { error: FieldError.date };
    }
    case 'datetime': {
      const d = toInstant(raw);
      return d ? { value: d } : { error: FieldError.datetime };
    }
    case 'enum': {
      const s = String(raw);
      return col.values?.includes(s) ? { value: s } : { error: FieldError.value };
    }
    default: {
      const s = String(raw).trim();
      if (col.maxLength !== undefined && s.length > col.maxLength) return { error: FieldError.tooLong };
      if (col.pattern && !col.pattern.regex.test(s)) return { error: col.pattern.message };
      return { value: s };
    }
  }
}

/**
 * Turns AdminJS form params into column values. Unknown, read-only and computed keys are dropped,
 * so a crafted form cannot write a column the spec does not offer. On create every required column
 * must be present; on update only the submitted ones are checked.
 */
export function parseWrite(spec: TableSpec, params: Values, mode: 'create' | 'update', tz: string): { values: Values; errors: Record<string, string> } {
  const values: Values = {};
  const errors: Record<string, string> = {};
  for (const col of spec.columns) {
    if (col.readOnly || col.computed || col.name === (spec.key ?? 'id')) continue;
    const present = Object.prototype.hasOwnProperty.call(params, col.name);
    if (!present) {
      if (mode === 'create' && col.required) errors[col.name] = FieldError.required;
      continue;
    }
    const r = coerce(col, params[col.name], tz);
    if (r.error) errors[col.name] = r.error;
    else values[col.name] = r.value;
  }
  return { values, errors };
}

/** A row as AdminJS params: 0/1 become booleans, numbers stay numbers. */
export function toParams(spec: TableSpec, row: Record<string, unknown>): Values {
  const out: Values = {};
  for (const col of spec.columns) {
    if (col.kind === 'password' || col.virtual) continue;
    const v = row[col.name];
    if (v === undefined) continue;
    if (v === null) out[col.name] = null;
    else if (col.kind === 'boolean') out[col.name] = v === 1 || v === true || v === '1';
    else if (col.kind === 'number' || col.kind === 'reference') out[col.name] = Number(v);
    else out[col.name] = v;
  }
  const key = spec.key ?? 'id';
  if (out[key] === undefined && row[key] !== undefined) out[key] = Number(row[key]);
  return out;
}

/**
 * Names the column behind a unique or foreign-key violation, so the form can point at it.
 * SQLite: "UNIQUE constraint failed: holidays.date" / "FOREIGN KEY constraint failed";
 * PostgreSQL: code 23505/23503 with "Key (date)=(…)" in the detail.
 */
export function describeDbError(err: unknown): { kind: 'unique' | 'foreign'; column?: string } | null {
  const e = err as { code?: string; message?: string; detail?: string };
  const message = String(e?.message ?? '');
  const detail = String(e?.detail ?? '');
  if (e?.code === '23505' || /UNIQUE constraint failed/i.test(message)) {
    const m = /Key \(([^)]+)\)/.exec(detail) ?? /UNIQUE constraint failed: \w+\.(\w+)/i.exec(message);
    return { kind: 'unique', column: m?.[1]?.split(',')[0]?.trim() };
  }
  if (e?.code === '23503' || /FOREIGN KEY constraint failed/i.test(message)) {
    const m = /Key \(([^)]+)\)=.*is not present/.exec(detail);
    return { kind: 'foreign', column: m?.[1] };
  }
  return null;
}
