import { BaseRecord, BaseResource, ValidationError, type ActionContext, type Filter, type ParamsType } from 'adminjs';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { KyselyProperty } from './property.js';
import type { AdapterDeps, AdminPrincipal, TableSpec, Values, WriteContext } from './spec.js';
import { whereOf, type FilterInput } from './filters.js';
import { describeDbError, FieldError, parseWrite, toParams } from './values.js';
import { AppError } from '../../core/errors.js';

/** Marker handed to AdminJS (or to KyselyDatabase) that this adapter recognises. */
export interface KyselyTable {
  readonly kind: 'kysely-table';
  spec: TableSpec;
  deps: AdapterDeps;
}

export const kyselyTable = (spec: TableSpec, deps: AdapterDeps): KyselyTable => ({ kind: 'kysely-table', spec, deps });

export const isKyselyTable = (v: unknown): v is KyselyTable =>
  !!v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'kysely-table';

type Sort = { sortBy?: string; direction?: 'asc' | 'desc' };

function principalOf(context?: ActionContext): AdminPrincipal | null {
  return (context?.currentAdmin as AdminPrincipal | undefined) ?? null;
}

/** Field errors as AdminJS's ValidationError: the form shows each message under its field. */
export function validationError(fields: Record<string, string>, base?: string): ValidationError {
  const propertyErrors = Object.fromEntries(Object.entries(fields).map(([k, message]) => [k, { message, type: 'validation' }]));
  return new ValidationError(propertyErrors, base ? { message: base, type: 'validation' } : undefined);
}

/**
 * One table through Kysely, on SQLite or PostgreSQL. Filters, sort, pagination and counts are
 * SQL; a list page is one bounded select plus one count, whatever the table size.
 */
export class KyselyResource extends BaseResource {
  readonly spec: TableSpec;
  private readonly deps: AdapterDeps;
  private readonly props: KyselyProperty[];
  private readonly key: string;

  static override isAdapterFor(raw: unknown): boolean {
    return isKyselyTable(raw);
  }

  constructor(raw: KyselyTable) {
    super(raw);
    this.spec = raw.spec;
    this.deps = raw.deps;
    this.key = raw.spec.key ?? 'id';
    const hasKey = raw.spec.columns.some((c) => c.name === this.key);
    const cols = hasKey ? raw.spec.columns : [{ name: this.key, kind: 'number' as const, readOnly: true }, ...raw.spec.columns];
    this.props = cols.map(
      (c, i) => new KyselyProperty(c, { isId: c.name === this.key, isTitle: c.name === raw.spec.title, position: i + 1 }),
    );
  }

  private get db(): Kysely<any> {
    return this.deps.db as unknown as Kysely<any>;
  }

  override databaseName(): string {
    return this.deps.dialect;
  }

  override databaseType(): string {
    return this.deps.dialect === 'postgres' ? 'postgresql' : 'sqlite';
  }

  override id(): string {
    return this.spec.id;
  }

  override properties(): KyselyProperty[] {
    return this.props;
  }

  override property(path: string): KyselyProperty | null {
    return this.props.find((p) => p.path() === path) ?? null;
  }

  /** the select list: listed columns only, computed ones as expressions */
  private selection(): RawBuilder<unknown>[] {
    const cols = this.spec.columns.filter((c) => c.kind !== 'password' && !c.virtual);
    const list = cols.map((c) => (c.computed ? sql`(${c.computed(this.deps.dialect)}) as ${sql.ref(c.name)}` : sql.ref(c.name)));
    if (!cols.some((c) => c.name === this.key)) list.unshift(sql.ref(this.key));
    return list;
  }

  private conditions(filter: Filter | FilterInput | null | undefined, admin: AdminPrincipal | null, scoped = true): RawBuilder<boolean>[] {
    const input = (filter && 'filters' in filter ? (filter as Filter).filters : filter) as FilterInput | undefined;
    const out = input ? whereOf(this.spec, input, this.deps.dialect, this.deps.tz) : [];
    const scope = scoped ? this.spec.scope?.(admin) : null;
    if (scope) out.push(scope);
    return out;
  }

  private whereSql(conds: RawBuilder<boolean>[]): RawBuilder<unknown> {
    return conds.length ? sql`where ${sql.join(conds, sql` and `)}` : sql``;
  }

  override async count(filter: Filter, context?: ActionContext): Promise<number> {
    const conds = this.conditions(filter, principalOf(context));
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(this.spec.table)} ${this.whereSql(conds)}`.execute(this.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  private orderOf(sort?: Sort): RawBuilder<unknown> {
    const by = sort?.sortBy ?? this.spec.defaultSort?.by ?? this.key;
    const prop = this.property(by);
    const sortable = prop && (prop.isSortable() || prop.isId());
    const column = sortable ? by : this.key;
    const dir = (sortable ? sort?.direction ?? this.spec.defaultSort?.direction : this.spec.defaultSort?.direction) === 'asc' ? sql`asc` : sql`desc`;
    const col = this.spec.columns.find((c) => c.name === column);
    const expr = col?.computed ? sql`(${col.computed(this.deps.dialect)})` : sql.ref(column);
    // the key breaks ties, so pages never repeat or skip rows that share a sort value
    return column === this.key ? sql`order by ${expr} ${dir}` : sql`order by ${expr} ${dir}, ${sql.ref(this.key)} ${dir}`;
  }

  override async find(
    filter: Filter,
    options: { limit?: number; offset?: number; sort?: Sort },
    context?: ActionContext,
  ): Promise<BaseRecord[]> {
    const limit = Math.min(Math.max(Math.trunc(Number(options.limit ?? 10)) || 10, 1), 500);
    // a page far past the end (page=1e30) is just empty: an offset beyond a safe integer would
    // reach the database as a float, which SQLite refuses and PostgreSQL finds out of range
    const offset = Math.min(Math.max(Math.trunc(Number(options.offset ?? 0)) || 0, 0), 2 ** 31 - 1);
    const conds = this.conditions(filter, principalOf(context));
    const r = await sql<Record<string, unknown>>`select ${sql.join(this.selection())} from ${sql.table(this.spec.table)} ${this.whereSql(conds)} ${this.orderOf(options.sort)} limit ${limit} offset ${offset}`.execute(
      this.db,
    );
    return r.rows.map((row) => new BaseRecord(toParams(this.spec, row), this));
  }

  private idOf(id: string | number): number | null {
    const n = Number(id);
    return Number.isSafeInteger(n) ? n : null;
  }

  private async readOne(id: number, admin: AdminPrincipal | null, scoped: boolean): Promise<Values | null> {
    const conds = [sql<boolean>`${sql.ref(this.key)} = ${id}`, ...this.conditions(null, admin, scoped)];
    const r = await sql<Record<string, unknown>>`select ${sql.join(this.selection())} from ${sql.table(this.spec.table)} ${this.whereSql(conds)} limit 1`.execute(this.db);
    return r.rows[0] ? toParams(this.spec, r.rows[0]) : null;
  }

  override async findOne(id: string, context?: ActionContext): Promise<BaseRecord | null> {
    const n = this.idOf(id);
    if (n === null) return null;
    const params = await this.readOne(n, principalOf(context), true);
    return params ? new BaseRecord(params, this) : null;
  }

  /** Names of related rows (references); not scoped, so a name shows even where the row cannot be opened. */
  override async findMany(ids: Array<string | number>, _context?: ActionContext): Promise<BaseRecord[]> {
    const list = [...new Set(ids.map((i) => this.idOf(i)).filter((i): i is number => i !== null))];
    if (!list.length) return [];
    const r = await sql<Record<string, unknown>>`select ${sql.join(this.selection())} from ${sql.table(this.spec.table)} where ${sql.ref(this.key)} in (${sql.join(list)})`.execute(
      this.db,
    );
    return r.rows.map((row) => new BaseRecord(toParams(this.spec, row), this));
  }

  private check(values: Values, errors: Record<string, string>, mode: 'create' | 'update', id?: number, current?: Values): void {
    const more = Object.keys(errors).length ? undefined : this.spec.validate?.(values, { mode, id, current });
    const all = { ...errors, ...(more ?? {}) };
    if (Object.keys(all).length) throw validationError(all);
  }

  /** Turns database refusals and core validation errors into field errors on the form. */
  private rethrow(err: unknown, op: 'create' | 'update' | 'delete'): never {
    if (err instanceof ValidationError) throw err;
    if (err instanceof AppError) {
      if (err.code === 'VALIDATION' && err.fields) throw validationError(err.fields);
      throw validationError({}, err.message);
    }
    const db = describeDbError(err);
    if (db?.kind === 'unique') throw validationError(db.column ? { [db.column]: FieldError.unique } : {}, FieldError.unique);
    if (db?.kind === 'foreign') {
      if (op === 'delete') throw validationError({}, 'recordInUse');
      throw validationError(db.column ? { [db.column]: FieldError.missingReference } : {}, FieldError.missingReference);
    }
    throw err;
  }

  private ctx(context?: ActionContext): WriteContext {
    return { currentAdmin: principalOf(context) };
  }

  override async create(params: Record<string, unknown>, context?: ActionContext): Promise<ParamsType> {
    const { values, errors } = parseWrite(this.spec, params, 'create', this.deps.tz);
    this.check(values, errors, 'create');
    const now = this.deps.now().toISOString();
    let id: number;
    try {
      if (this.spec.create) {
        id = await this.spec.create(values, this.ctx(context));
      } else {
        const row = { ...stripVirtual(this.spec, values), ...(this.spec.insertDefaults?.(now, this.ctx(context)) ?? {}) };
        const r = await this.db.insertInto(this.spec.table).values(row).returning(this.key).executeTakeFirstOrThrow();
        id = Number((r as Record<string, unknown>)[this.key]);
      }
    } catch (err) {
      this.rethrow(err, 'create');
    }
    return (await this.readOne(id, null, false)) ?? {};
  }

  override async update(id: string, params: Record<string, unknown>, context?: ActionContext): Promise<ParamsType> {
    const n = this.idOf(id);
    const current = n === null ? null : await this.readOne(n, principalOf(context), true);
    if (n === null || !current) throw validationError({}, 'recordNotFound');
    const { values, errors } = parseWrite(this.spec, params, 'update', this.deps.tz);
    this.check(values, errors, 'update', n, current);
    try {
      if (this.spec.update) {
        await this.spec.update(n, values, this.ctx(context));
      } else {
        const patch = { ...stripVirtual(this.spec, values), ...(this.spec.updateDefaults?.(this.deps.now().toISOString()) ?? {}) };
        if (Object.keys(patch).length) await this.db.updateTable(this.spec.table).set(patch).where(this.key, '=', n).execute();
      }
    } catch (err) {
      this.rethrow(err, 'update');
    }
    return (await this.readOne(n, null, false)) ?? {};
  }

  override async delete(id: string, context?: ActionContext): Promise<void> {
    const n = this.idOf(id);
    const current = n === null ? null : await this.readOne(n, principalOf(context), true);
    if (n === null || !current) throw validationError({}, 'recordNotFound');
    try {
      if (this.spec.delete) await this.spec.delete(n, this.ctx(context));
      else await this.db.deleteFrom(this.spec.table).where(this.key, '=', n).execute();
    } catch (err) {
      this.rethrow(err, 'delete');
    }
  }
}

function stripVirtual(spec: TableSpec, values: Values): Values {
  const out: Values = {};
  for (const [k, v] of Object.entries(values)) {
    const col = spec.columns.find((c) => c.name === k);
    if (col && !col.virtual && col.kind !== 'password') out[k] = v;
  }
  return out;
}
