import { BaseDatabase } from 'adminjs';
import type { AdapterDeps, TableSpec } from './spec.js';
import { KyselyResource, kyselyTable } from './resource.js';

/** A set of table specs over one Kysely database, the form AdminJS's `databases` option accepts. */
export interface KyselySchema {
  readonly kind: 'kysely-schema';
  deps: AdapterDeps;
  tables: TableSpec[];
}

export const kyselySchema = (deps: AdapterDeps, tables: TableSpec[]): KyselySchema => ({ kind: 'kysely-schema', deps, tables });

export class KyselyDatabase extends BaseDatabase {
  private readonly schema: KyselySchema;

  static override isAdapterFor(raw: unknown): boolean {
    return !!raw && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'kysely-schema';
  }

  constructor(raw: KyselySchema) {
    super(raw);
    this.schema = raw;
  }

  override resources(): KyselyResource[] {
    return this.schema.tables.map((spec) => new KyselyResource(kyselyTable(spec, this.schema.deps)));
  }
}
