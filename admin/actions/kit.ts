import type { Action, ActionContext, ActionRequest, ActionResponse, BaseRecord } from 'adminjs';
import { DateTime } from 'luxon';
import { AppError, validation } from '../../core/errors.js';
import { hasKey, t, type Lang } from '../../core/i18n/i18n.js';
import type { PolicyUser } from '../../core/policy/policy.js';
import type { Actor } from '../../core/leads/lead-ops.js';
import type { AdminPrincipal } from '../adapter/spec.js';
import { requestLang } from '../locale.js';
import { COMPONENTS } from '../component-files.js';
import type { CoreLogger as Log } from '../../core/deps.js';

/**
 * Business actions of the back office. Each one is a form the server describes (fields, options
 * and words in the reader's language), shown by one browser component (CrmActionForm), and a
 * submit that calls ONE core use case. Access is decided on the server twice: AdminJS's
 * isAccessible (through core/policy) and the core use case itself. Refusals from core come back
 * as an error notice naming the field, and as a message under that field in the form.
 */

export type FieldType = 'select' | 'multiselect' | 'text' | 'textarea' | 'number' | 'datetime' | 'date' | 'password';

export interface Option {
  value: string;
  label: string;
}

export interface FormField {
  name: string;
  type: FieldType;
  label: string;
  required?: boolean;
  options?: Option[];
  /** offered while typing (a datalist), e.g. likely duplicates for a merge */
  suggestions?: Option[];
  value?: string | string[];
  hint?: string;
}

export interface FormSpec {
  intro?: string;
  fields: FormField[];
  submit: string;
  /** a destructive action: the button is red */
  danger?: boolean;
}

/** Something to show after success (a one-time link, a new password), as labelled text lines. */
export interface ResultSpec {
  lines: Array<{ label: string; value: string; href?: string; testId?: string }>;
  hint?: string;
}

export interface Done {
  message: string;
  redirectUrl?: string;
  result?: ResultSpec;
}

export type Payload = Record<string, string | undefined>;

export interface ActionEnv {
  ctx: ActionContext;
  lang: Lang;
  principal: AdminPrincipal;
  /** the principal as core's policy sees it */
  user: PolicyUser & { full_name: string };
  /** the principal as core's lead use cases see it */
  actor: NonNullable<Actor>;
  tr: (key: string, params?: Record<string, string | number | null | undefined>) => string;
}

export interface FormActionDef {
  name: string;
  actionType: 'record' | 'bulk' | 'resource';
  icon?: string;
  /** may this person use it (on this record, when there is one); asked through core/policy */
  allowed: (p: AdminPrincipal, ctx: ActionContext) => boolean;
  /** shown only where it makes sense (e.g. pending requests); never a security check */
  visible?: (ctx: ActionContext) => boolean;
  form: (env: ActionEnv) => Promise<FormSpec> | FormSpec;
  submit: (input: Payload, env: ActionEnv) => Promise<Done>;
  /** core's field names → this form's field names, so a refusal lands under the right field */
  fieldMap?: Record<string, string>;
  /** the browser component (default: the generic form) */
  component?: string;
  /** shown in a drawer over the list/record instead of a page */
  showInDrawer?: boolean;
}

export const currentLang = (): Lang => requestLang.getStore()?.lang ?? 'uz';

export const principalOf = (ctx: Pick<ActionContext, 'currentAdmin'> | undefined): AdminPrincipal | null =>
  (ctx?.currentAdmin as AdminPrincipal | undefined) ?? null;

export function envOf(ctx: ActionContext): ActionEnv {
  const p = principalOf(ctx);
  if (!p) throw new AppError('UNAUTHORIZED', 'sign in first');
  const lang = currentLang();
  return {
    ctx,
    lang,
    principal: p,
    user: { id: Number(p.id), role: p.role, is_active: 1, full_name: String(p.title ?? '') },
    actor: { id: Number(p.id), role: p.role },
    tr: (key, params) => t(lang, key, params),
  };
}

/** The label of a form field in the reader's language (falls back to the name itself). */
export function fieldLabel(lang: Lang, name: string): string {
  return hasKey(`adm.field.${name}`) ? t(lang, `adm.field.${name}`) : name;
}

/**
 * An error as the back office shows it: a notice that says what kind of refusal it is and names
 * the field, and per-field messages for the form. Unexpected errors are logged, never shown.
 */
export function describeError(err: unknown, lang: Lang, fieldMap: Record<string, string> = {}, log?: Log) {
  if (err instanceof AppError) {
    const fields: Record<string, string> = {};
    for (const [k, m] of Object.entries(err.fields ?? {})) fields[fieldMap[k.split('.')[0]] ?? k.split('.')[0]] = m;
    const first = Object.entries(fields)[0];
    const head = t(lang, `adm.err.${err.code}`);
    // a field-less refusal still says what happened, in core's words
    const detail = first ? t(lang, 'adm.err.field', { field: fieldLabel(lang, first[0]), message: first[1] }) : err.message;
    return { message: `${head} — ${detail}`, fields };
  }
  log?.error({ err }, 'admin action failed');
  return { message: t(lang, 'adm.err.internal'), fields: {} as Record<string, string> };
}

// input helpers: each refusal names its field, in the reader's language

export function text(input: Payload, name: string, lang: Lang, opts: { required?: boolean; max?: number } = {}): string | null {
  const v = (input[name] ?? '').trim();
  if (!v) {
    if (opts.required) throw validation(name, t(lang, 'adm.err.required'));
    return null;
  }
  return opts.max ? v.slice(0, opts.max) : v;
}

export function int(input: Payload, name: string, lang: Lang, opts: { required?: boolean } = {}): number | null {
  const raw = (input[name] ?? '').trim();
  if (!raw) {
    if (opts.required) throw validation(name, t(lang, 'adm.err.required'));
    return null;
  }
  // "123 — Aziz Karimov" (a picked suggestion) reads as 123
  const m = /^#?(\d{1,15})\b/.exec(raw);
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw validation(name, t(lang, 'adm.err.number'));
  return n;
}

export function ints(input: Payload, name: string, lang: Lang, opts: { required?: boolean } = {}): number[] {
  const parts = String(input[name] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const out = parts.map(Number);
  if (out.some((n) => !Number.isSafeInteger(n) || n < 1)) throw validation(name, t(lang, 'adm.err.number'));
  if (opts.required && !out.length) throw validation(name, t(lang, 'adm.err.required'));
  return [...new Set(out)];
}

/** A 'YYYY-MM-DDTHH:mm' typed in the center's zone → ISO instant (UTC). */
export function localDateTime(input: Payload, name: string, lang: Lang, tz: string): string {
  const raw = (input[name] ?? '').trim();
  if (!raw) throw validation(name, t(lang, 'adm.err.required'));
  const dt = DateTime.fromISO(raw, { zone: tz });
  if (!dt.isValid) throw validation(name, t(lang, 'adm.err.datetime'));
  return dt.toUTC().toISO()!;
}

export function localDay(input: Payload, name: string, lang: Lang): string {
  const raw = (input[name] ?? '').trim();
  if (!raw) throw validation(name, t(lang, 'adm.err.required'));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(raw) || !DateTime.fromISO(raw).isValid) throw validation(name, t(lang, 'adm.err.date'));
  return raw;
}

/** Flattened multipart/JSON payload → plain strings (a multi-select arrives as "1,2,3"). */
function payloadOf(request: ActionRequest): Payload {
  const out: Payload = {};
  for (const [k, v] of Object.entries(request.payload ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

async function fresh(ctx: ActionContext, record: BaseRecord): Promise<BaseRecord> {
  try {
    return (await ctx.resource.findOne(String(record.id()), ctx)) ?? record;
  } catch {
    return record;
  }
}

/** The record(s) the action ran on, as AdminJS's frontend expects them back. */
async function subject(ctx: ActionContext, reload: boolean): Promise<Record<string, unknown>> {
  if (ctx.record) return { record: (reload ? await fresh(ctx, ctx.record) : ctx.record).toJSON(ctx.currentAdmin) };
  if (ctx.records) return { records: ctx.records.map((r) => r.toJSON(ctx.currentAdmin)) };
  return {};
}

/** Builds the AdminJS action from a definition. */
export function formAction(def: FormActionDef, log?: Log): Partial<Action<ActionResponse>> {
  const accessible = (ctx: ActionContext) => {
    const p = principalOf(ctx);
    return !!p && def.allowed(p, ctx);
  };
  return {
    name: def.name,
    actionType: def.actionType,
    icon: def.icon,
    component: def.component ?? COMPONENTS.actionForm,
    showInDrawer: def.showInDrawer ?? false,
    isAccessible: accessible,
    isVisible: (ctx: ActionContext) => accessible(ctx) && (def.visible ? def.visible(ctx) : true),
    handler: async (request: ActionRequest, _response: unknown, ctx: ActionContext) => {
      const lang = currentLang();
      if (!accessible(ctx)) {
        return { ...(await subject(ctx, false)), notice: { type: 'error', message: t(lang, 'adm.err.FORBIDDEN') }, crm: { ok: false, fields: {} } };
      }
      const env = envOf(ctx);
      if (request.method !== 'post') {
        try {
          return { ...(await subject(ctx, false)), crm: { form: await def.form(env) } };
        } catch (err) {
          const e = describeError(err, lang, def.fieldMap, log);
          return { ...(await subject(ctx, false)), notice: { type: 'error', message: e.message }, crm: { ok: false, fields: e.fields } };
        }
      }
      try {
        const done = await def.submit(payloadOf(request), env);
        return {
          ...(await subject(ctx, true)),
          notice: { type: 'success', message: done.message },
          ...(done.redirectUrl ? { redirectUrl: done.redirectUrl } : {}),
          crm: { ok: true, result: done.result ?? null },
        };
      } catch (err) {
        const e = describeError(err, lang, def.fieldMap, log);
        return { ...(await subject(ctx, false)), notice: { type: 'error', message: e.message }, crm: { ok: false, fields: e.fields } };
      }
    },
  } as Partial<Action<ActionResponse>>;
}

/** Actions that only read (timeline, read status): no form, a JSON answer for a component. */
export function readAction(
  name: string,
  allowed: (p: AdminPrincipal, ctx: ActionContext) => boolean,
  read: (env: ActionEnv) => Promise<unknown>,
  log?: Log,
): Partial<Action<ActionResponse>> {
  const accessible = (ctx: ActionContext) => {
    const p = principalOf(ctx);
    return !!p && allowed(p, ctx);
  };
  return {
    name,
    actionType: 'record',
    component: false,
    isVisible: false,
    isAccessible: accessible,
    handler: async (_request: ActionRequest, _response: unknown, ctx: ActionContext) => {
      const lang = currentLang();
      try {
        return { record: ctx.record!.toJSON(ctx.currentAdmin), crm: { data: await read(envOf(ctx)) } };
      } catch (err) {
        const e = describeError(err, lang, {}, log);
        return { record: ctx.record!.toJSON(ctx.currentAdmin), notice: { type: 'error', message: e.message }, crm: { ok: false } };
      }
    },
  } as Partial<Action<ActionResponse>>;
}

/** The URL of a record's show page (where a successful record action returns to). */
export const showUrl = (resourceId: string, id: number | string) => `/admin/resources/${resourceId}/records/${id}/show`;
export const listUrl = (resourceId: string) => `/admin/resources/${resourceId}`;

/** Active salespeople, by name: the choices wherever a lead or task is handed to someone. */
export async function salespeopleOptions(db: import('../../db/connection.js').Db, exceptId?: number): Promise<Option[]> {
  const rows = await db
    .selectFrom('users')
    .select(['id', 'full_name', 'username'])
    .where('role', '=', 'sales')
    .where('is_active', '=', 1)
    .orderBy('full_name')
    .execute();
  return rows.filter((r) => r.id !== exceptId).map((r) => ({ value: String(r.id), label: `${r.full_name} (${r.username})` }));
}

/**
 * The salesperson a lead or task is handed to, checked here so the refusal names the field in the
 * reader's language (core checks it again): an active `sales` user, and not `exceptId` when given.
 */
export async function salespersonId(
  db: import('../../db/connection.js').Db,
  input: Payload,
  name: string,
  lang: Lang,
  opts: { required?: boolean; exceptId?: number } = {},
): Promise<number | null> {
  const id = int(input, name, lang, { required: opts.required });
  if (id === null) return null;
  const u = await db.selectFrom('users').select(['role', 'is_active']).where('id', '=', id).executeTakeFirst();
  if (!u || u.role !== 'sales' || !u.is_active) throw validation(name, t(lang, opts.exceptId !== undefined ? 'adm.err.otherSalesperson' : 'adm.err.notSalesperson'));
  if (id === opts.exceptId) throw validation(name, t(lang, 'adm.err.otherSalesperson'));
  return id;
}

/** Several salespeople at once (message recipients): every id must be an active salesperson. */
export async function salespeopleIds(db: import('../../db/connection.js').Db, input: Payload, name: string, lang: Lang): Promise<number[]> {
  const ids = ints(input, name, lang, { required: true });
  const rows = await db.selectFrom('users').select('id').where('id', 'in', ids).where('role', '=', 'sales').where('is_active', '=', 1).execute();
  const ok = new Set(rows.map((r) => r.id));
  const bad = ids.filter((id) => !ok.has(id));
  if (bad.length) throw validation(name, t(lang, 'adm.err.notSalespeople', { ids: bad.join(', ') }));
  return ids;
}

/** One of a fixed list of values (a select), else a refusal naming the field. */
export function choice<T extends string>(input: Payload, name: string, lang: Lang, values: readonly T[], opts: { required?: boolean } = {}): T | null {
  const v = text(input, name, lang, opts);
  if (v === null) return null;
  if (!(values as readonly string[]).includes(v)) throw validation(name, t(lang, 'adm.err.choice'));
  return v as T;
}

export const idsOf = (ctx: ActionContext): number[] => (ctx.records ?? []).map((r) => Number(r.id()));

type ActionMap = Record<string, Record<string, unknown> | undefined>;

/** A resource's base actions (list/show/… access) with its business actions laid over, per action. */
export function withActions(base: ActionMap | undefined, extra: ActionMap): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [k, v] of Object.entries(base ?? {})) if (v) out[k] = { ...v };
  for (const [k, v] of Object.entries(extra)) if (v) out[k] = { ...(out[k] ?? {}), ...v };
  return out;
}

/** Action button labels in one language, from the shared catalog. */
export function actionLabels(lang: Lang, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, t(lang, `adm.action.${n}`)]));
}
