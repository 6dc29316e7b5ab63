import type { ActionContext, ResourceOptions } from 'adminjs';
import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import type { Role } from '../db/types.js';
import type { AdapterDeps, AdminPrincipal, ColumnSpec, TableSpec } from './adapter/spec.js';
import type { ResourceLocale } from './locale.js';

/** What every resource module is built from. */
export interface ResourceDeps {
  services: Services;
  adapter: AdapterDeps;
  config: Config;
  /** runs jobs for "run now" (the process's scheduler, or one the back office makes for itself) */
  scheduler?: { names(): string[]; runNow(name: string): Promise<import('../scheduler/runner.js').RunOutcome> };
}

/**
 * One back-office resource: its table spec (what the adapter reads and writes), its AdminJS
 * options (menu, columns, who may do what) and its words in each language. Business-rule actions
 * (reassign, approve, retry…) are added to `options.actions` by the resource's own file, calling core.
 */
export interface AdminResource {
  spec: TableSpec;
  options: ResourceOptions;
  locale: Omit<ResourceLocale, 'id'>;
}

export const ADMIN_ROLES: readonly Role[] = ['admin', 'sales_manager'];

export const roleOf = (ctx: Pick<ActionContext, 'currentAdmin'> | undefined): Role | null =>
  ((ctx?.currentAdmin as AdminPrincipal | undefined)?.role as Role | undefined) ?? null;

/** admins only */
export const isAdmin = (ctx: ActionContext): boolean => roleOf(ctx) === 'admin';
/** admins and sales managers (everyone who can sign in) */
export const isStaff = (ctx: ActionContext): boolean => ADMIN_ROLES.includes(roleOf(ctx) as Role);
const nobody = (): boolean => false;

/** SPEC §10 "view" for managers: list/show for both, writes for admins only. */
export function adminWritesManagerViews(): ResourceOptions['actions'] {
  return {
    list: { isAccessible: isStaff },
    show: { isAccessible: isStaff },
    search: { isAccessible: isStaff },
    new: { isAccessible: isAdmin },
    edit: { isAccessible: isAdmin },
    delete: { isAccessible: isAdmin },
    bulkDelete: { isAccessible: isAdmin },
  };
}

/** Rows written only by core use cases (events, follow-ups, outbox…): nobody edits them here. */
export function viewOnly(): ResourceOptions['actions'] {
  return {
    list: { isAccessible: isStaff },
    show: { isAccessible: isStaff },
    search: { isAccessible: isStaff },
    new: { isAccessible: nobody, isVisible: false },
    edit: { isAccessible: nobody, isVisible: false },
    delete: { isAccessible: nobody, isVisible: false },
    bulkDelete: { isAccessible: nobody, isVisible: false },
  };
}

export const NAV = {
  sales: { name: 'nav_sales', icon: 'Users' },
  team: { name: 'nav_team', icon: 'Briefcase' },
  center: { name: 'nav_center', icon: 'Home' },
  system: { name: 'nav_system', icon: 'Settings' },
} as const;

// column builders, so specs read as a list of what each table holds
export const col = {
  id: (): ColumnSpec => ({ name: 'id', kind: 'number', readOnly: true }),
  text: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'string', maxLength: 500, ...extra }),
  long: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'textarea', maxLength: 20_000, ...extra }),
  int: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'number', ...extra }),
  bool: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'boolean', ...extra }),
  instant: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'datetime', ...extra }),
  date: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'date', ...extra }),
  ref: (name: string, reference: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'reference', reference, ...extra }),
  oneOf: (name: string, values: readonly string[], extra: Partial<ColumnSpec> = {}): ColumnSpec => ({ name, kind: 'enum', values, ...extra }),
  time: (name: string, extra: Partial<ColumnSpec> = {}): ColumnSpec => ({
    name,
    kind: 'string',
    pattern: { regex: /^([01]\d|2[0-3]):[0-5]\d$/, message: 'fieldTime' },
    ...extra,
  }),
};

/** Marks every column read-only (tables written only by core). */
export const readOnly = (cols: ColumnSpec[]): ColumnSpec[] => cols.map((c) => ({ ...c, readOnly: true }));
