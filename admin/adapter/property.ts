import { BaseProperty, type PropertyType } from 'adminjs';
import type { ColumnSpec } from './spec.js';

const typeOf: Record<ColumnSpec['kind'], PropertyType> = {
  string: 'string',
  textarea: 'textarea',
  number: 'number',
  boolean: 'boolean',
  datetime: 'datetime',
  date: 'date',
  reference: 'reference',
  enum: 'string',
  password: 'password',
};

/** One column of a table spec, as AdminJS sees it. */
export class KyselyProperty extends BaseProperty {
  constructor(
    readonly column: ColumnSpec,
    private readonly opts: { isId: boolean; isTitle: boolean; position: number },
  ) {
    super({
      path: column.name,
      type: typeOf[column.kind],
      isId: opts.isId,
      isSortable: column.sortable ?? !['textarea', 'password'].includes(column.kind),
      position: opts.position,
    });
  }

  override isTitle(): boolean {
    return this.opts.isTitle;
  }

  override isEditable(): boolean {
    return !this.opts.isId && !this.column.readOnly && !this.column.computed;
  }

  override isVisible(): boolean {
    return this.column.kind !== 'password';
  }

  override reference(): string | null {
    return this.column.kind === 'reference' ? (this.column.reference ?? null) : null;
  }

  override availableValues(): string[] | null {
    return this.column.kind === 'enum' ? [...(this.column.values ?? [])] : null;
  }

  override isRequired(): boolean {
    return !!this.column.required;
  }
}
