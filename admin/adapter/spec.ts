import type { RawBuilder } from 'kysely';
import type { Db, Dialect, Tx } from '../../db/connection.js';
import type { Role } from '../../db/types.js';

/**
 * How one table is shown and written by the back office. The adapter reads ONLY the columns listed
 * here (so a column such as `users.password_hash` that is not listed is never selected) and writes
 * only the writable ones (so a form cannot set `failed_logins` or `open_lead_count`).
 */
export type ColumnKind =
  | 'string'
  | 'textarea'
  | 'number'
  /** integer 0/1 in the database, true/false in AdminJS */
  | 'boolean'
  /** ISO-8601 UTC text */
  | 'datetime'
  /** local 'YYYY-MM-DD' */
  | 'date'
  /** integer id of a row of another resource */
  | 'reference'
  /** text restricted to `values` */
  | 'enum'
  /** write-only; never read from the table (handled by the table's hooks) */
  | 'password';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  /** resource id of the referenced table (kind 'reference') */
  reference?: string;
  /** allowed values (kind 'enum') */
  values?: readonly string[];
  /** a create or update that leaves it empty is refused, naming the column */
  required?: boolean;
  /** shown but never written through the adapter (ids, counters, timestamps, business-rule fields) */
  readOnly?: boolean;
  /** not a column: a read-only SQL expression selected under this name (e.g. occupancy percent) */
  computed?: (dialect: Dialect) => RawBuilder<unknown>;
  /** not a column at all: accepted on writes and handed to the table's hooks (e.g. a new password) */
  virtual?: boolean;
  min?: number;
  max?: number;
  maxLength?: number;
  pattern?: { regex: RegExp; message: string };
  /** default true, except textarea/password */
  sortable?: boolean;
}

/** The signed-in back-office user, as stored in the session. */
export interface AdminPrincipal {
  id: number;
  role: Role;
  email: string;
  title: string;
  [key: string]: unknown;
}

export interface WriteContext {
  currentAdmin: AdminPrincipal | null;
}

export type Values = Record<string, unknown>;

export interface TableSpec {
  /** AdminJS resource id (used in URLs and translations) */
  id: string;
  table: string;
  /** the primary key column (default 'id'); its value is an integer */
  key?: string;
  columns: ColumnSpec[];
  /** the column whose value names a row wherever it is referenced */
  title: string;
  defaultSort?: { by: string; direction: 'asc' | 'desc' };
  /**
   * Rows the current user may see at all (list, count, show, edit, delete). Returns a SQL
   * condition or null for "everything". Reference lookups (names of related rows) are not scoped.
   */
  scope?: (admin: AdminPrincipal | null) => RawBuilder<boolean> | null;
  /** cross-field checks after per-column validation; field → message key */
  validate?: (values: Values, ctx: { mode: 'create' | 'update'; id?: number; current?: Values }) => Record<string, string> | void;
  /** columns set on insert (timestamps, author) */
  insertDefaults?: (now: string, ctx: WriteContext) => Values;
  /** columns set on every update (updated_at) */
  updateDefaults?: (now: string) => Values;
  /** replace the plain insert (e.g. users are created through core): returns the new id */
  create?: (values: Values, ctx: WriteContext) => Promise<number>;
  /** replace the plain update */
  update?: (id: number, values: Values, ctx: WriteContext) => Promise<void>;
  /** replace the plain delete */
  delete?: (id: number, ctx: WriteContext) => Promise<void>;
}

export interface AdapterDeps {
  db: Db | Tx;
  dialect: Dialect;
  /** the center's time zone, to read date filters */
  tz: string;
  now: () => Date;
}
