import { sql } from 'kysely';
import type { ActionContext } from 'adminjs';
import { AppError } from '../../core/errors.js';
import { can } from '../../core/policy/policy.js';
import type { Role } from '../../db/types.js';
import type { AdminPrincipal, Values, WriteContext } from '../adapter/spec.js';
import { validationError } from '../adapter/resource.js';
import { enumLabels } from '../locale.js';
import { col, isAdmin, isStaff, NAV, roleOf, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, principalOf, withActions } from '../actions/kit.js';
import { userActions } from '../actions/team-actions.js';

const ACTIONS = ['telegramLink', 'deactivate', 'resetPassword', 'markAbsent'];

const ROLES = ['admin', 'sales_manager', 'sales'] as const;
const LANGS = ['uz', 'ru', 'en'] as const;

// core's input names → our column names, so a refusal from core lands on the right field
const fieldOf: Record<string, string> = {
  username: 'username',
  fullName: 'full_name',
  role: 'role',
  phone: 'phone',
  password: 'password',
  workStart: 'work_start',
  workEnd: 'work_end',
  workDays: 'work_days',
  isActiveSales: 'is_active_sales',
  courseIds: 'course_ids',
  language: 'language',
  isActive: 'is_active',
};

/** "1,2,3" or "[1,2,3]" → [1,2,3]; null when not a list of integers within bounds */
export function parseIntList(v: unknown, min: number, max: number): number[] | null {
  if (v === null || v === undefined || String(v).trim() === '') return [];
  const parts = String(v).replace(/[[\]\s]/g, '').split(',').filter(Boolean);
  const out = parts.map(Number);
  return out.every((n) => Number.isInteger(n) && n >= min && n <= max) ? [...new Set(out)] : null;
}

function coreInput(values: Values): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  if ('username' in values) input.username = values.username ?? '';
  if ('full_name' in values) input.fullName = values.full_name ?? '';
  if ('role' in values) input.role = values.role;
  if ('phone' in values) input.phone = values.phone ?? null;
  if (typeof values.password === 'string' && values.password !== '') input.password = values.password;
  if ('work_start' in values && values.work_start) input.workStart = values.work_start;
  if ('work_end' in values && values.work_end) input.workEnd = values.work_end;
  if ('work_days' in values) input.workDays = parseIntList(values.work_days, 1, 7) ?? [];
  if ('course_ids' in values) input.courseIds = parseIntList(values.course_ids, 1, Number.MAX_SAFE_INTEGER) ?? [];
  if ('is_active_sales' in values) input.isActiveSales = values.is_active_sales === 1;
  if ('language' in values && values.language) input.language = values.language;
  if ('is_active' in values) input.isActive = values.is_active === 1;
  return input;
}

async function throughCore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION' && err.fields) {
      throw validationError(Object.fromEntries(Object.entries(err.fields).map(([k, m]) => [fieldOf[k.split('.')[0]] ?? k, m])));
    }
    throw err;
  }
}

/**
 * SPEC §10 (core/policy 'user.create'): a manager gives out the sales role only, an admin sales or
 * manager; nobody makes an admin here (the first admin comes from the first start or the CLI). A
 * role the account already has is kept, so an admin can still save their own profile.
 */
function guardRole(ctx: WriteContext, role: unknown, current?: Role): void {
  if (role === undefined || role === current) return;
  if (!can(ctx.currentAdmin, 'user.create', { role: role as Role })) throw validationError({ role: 'fieldRoleNotAllowed' });
}

const recordOf = (ctx: ActionContext) => ({ id: Number(ctx.record?.id()), role: ctx.record?.param('role') as Role | undefined });

/**
 * A manager changes salespeople only; an admin changes salespeople, managers and their own
 * profile, never another admin (core/policy 'user.update').
 */
const mayEdit = (ctx: ActionContext) =>
  roleOf(ctx) === 'sales_manager' ? ctx.record?.param('role') === 'sales' : isAdmin(ctx) && can(principalOf(ctx)!, 'user.update', recordOf(ctx));

/** Deleting an account: admins only, and only what they could deactivate (not themselves, not an admin). */
const mayDelete = (p: AdminPrincipal | null, u: { id: number; role?: Role }) => p?.role === 'admin' && can(p, 'user.deactivate', u);

/** Staff accounts. Passwords are hashed by core (scrypt); the hash is never read into the back office. */
export function usersResource(deps: ResourceDeps): AdminResource {
  const { services } = deps;
  return {
    spec: {
      id: 'users',
      table: 'users',
      title: 'full_name',
      defaultSort: { by: 'id', direction: 'asc' },
      columns: [
        col.id(),
        col.text('username', { required: true, maxLength: 64, pattern: { regex: /^[a-zA-Z0-9_.-]{2,64}$/, message: 'fieldBadFormat' } }),
        col.text('full_name', { required: true, maxLength: 200 }),
        col.oneOf('role', ROLES, { required: true }),
        col.text('phone', { maxLength: 40 }),
        { name: 'password', kind: 'password', virtual: true, maxLength: 200 },
        col.oneOf('language', LANGS),
        col.time('work_start'),
        col.time('work_end'),
        col.text('work_days', { pattern: { regex: /^\[?\s*[1-7](\s*,\s*[1-7])*\s*\]?$|^\[\]$/, message: 'fieldDays' } }),
        col.bool('is_active_sales'),
        col.text('course_ids', { pattern: { regex: /^\[?\s*(\d+(\s*,\s*\d+)*)?\s*\]?$/, message: 'fieldBadFormat' } }),
        col.bool('is_active'),
        col.text('telegram_user_id', { readOnly: true }),
        col.int('open_lead_count', { readOnly: true }),
        col.instant('last_assigned_at', { readOnly: true }),
        col.instant('blocked_since', { readOnly: true }),
        col.int('failed_logins', { readOnly: true }),
        col.instant('locked_until', { readOnly: true }),
        col.instant('created_at', { readOnly: true }),
        col.instant('updated_at', { readOnly: true }),
      ],
      // managers never see admin accounts (SPEC §10)
      scope: (admin: AdminPrincipal | null) => (admin?.role === 'admin' ? null : sql<boolean>`role <> 'admin'`),
      validate: (values, { mode }) => {
        const errors: Record<string, string> = {};
        if (typeof values.password === 'string' && values.password.length > 0 && values.password.length < 8) errors.password = 'fieldPasswordShort';
        // staff who sign in need a password from the start; salespeople use Telegram only
        if (mode === 'create' && values.role !== 'sales' && !values.password) errors.password = 'fieldRequired';
        return errors;
      },
      create: async (values, ctx) => {
        guardRole(ctx, values.role);
        const { user } = await throughCore(() => services.users.create(coreInput(values) as never));
        return user.id;
      },
      update: async (id, values, ctx) => {
        const current = await services.users.get(id);
        const actor = ctx.currentAdmin;
        // checked again here: the edit button's rule is not the only way a request arrives
        const allowed = actor?.role === 'sales_manager' ? current.role === 'sales' : actor?.role === 'admin' && can(actor, 'user.update', current);
        if (!allowed) throw validationError({}, 'anyForbiddenError');
        guardRole(ctx, values.role, current.role);
        const input = coreInput(values);
        // switching a salesperson off is the deactivation of SPEC §4: their open leads are handed
        // over (distributed) by core in the same step, never left with nobody to work them
        const deactivatesSales = current.role === 'sales' && current.is_active === 1 && input.isActive === false;
        if (deactivatesSales) delete input.isActive;
        await throughCore(() => services.users.update(id, input as never));
        if (deactivatesSales) await services.leads.deactivateSalesperson(id, {}, { id: Number(actor!.id), role: actor!.role });
      },
      delete: async (id, ctx) => {
        const current = await services.users.get(id);
        if (!mayDelete(ctx.currentAdmin, current)) throw validationError({}, 'anyForbiddenError');
        await deps.adapter.db.deleteFrom('users').where('id', '=', id).execute();
      },
    },
    options: {
      navigation: NAV.team,
      listProperties: ['id', 'username', 'full_name', 'role', 'is_active_sales', 'open_lead_count', 'is_active', 'locked_until'],
      filterProperties: ['username', 'full_name', 'role', 'is_active_sales', 'is_active', 'language'],
      editProperties: ['username', 'full_name', 'role', 'phone', 'password', 'language', 'work_start', 'work_end', 'work_days', 'is_active_sales', 'course_ids', 'is_active'],
      showProperties: [
        'id', 'username', 'full_name', 'role', 'phone', 'language', 'work_start', 'work_end', 'work_days', 'is_active_sales', 'course_ids',
        'is_active', 'telegram_user_id', 'open_lead_count', 'last_assigned_at', 'blocked_since', 'failed_logins', 'locked_until', 'created_at', 'updated_at',
      ],
      actions: withActions(
        {
          list: { isAccessible: isStaff },
          show: { isAccessible: isStaff },
          search: { isAccessible: isStaff },
          new: { isAccessible: isStaff },
          edit: { isAccessible: mayEdit },
          delete: { isAccessible: (ctx: ActionContext) => mayDelete(principalOf(ctx)!, recordOf(ctx)) },
          bulkDelete: {
            isAccessible: (ctx: ActionContext) =>
              isAdmin(ctx) && (ctx.records ?? []).every((r) => mayDelete(principalOf(ctx)!, { id: Number(r.id()), role: r.param('role') as Role })),
          },
        },
        userActions(deps),
      ),
    },
    locale: {
      labels: (lang) => ({ ...enumLabels(lang, 'role', ROLES, 'role'), language: { uz: "O'zbekcha", ru: 'Русский', en: 'English' } }),
      words: {
        uz: {
          actions: actionLabels('uz', ACTIONS), name: 'Xodimlar',
          properties: {
            username: 'Foydalanuvchi nomi', full_name: 'F.I.Sh.', role: 'Rol', password: 'Yangi parol', language: 'Til',
            work_start: 'Ish boshlanishi', work_end: 'Ish tugashi', work_days: 'Ish kunlari (1=Du … 7=Ya)', is_active_sales: 'Lid taqsimotida',
            course_ids: 'Kurslar (ID, bo‘sh = hammasi)', is_active: 'Faol', telegram_user_id: 'Telegram ID', open_lead_count: 'Ochiq lidlar',
            last_assigned_at: 'Oxirgi lid berilgan', blocked_since: 'Bloklangan (muddati o‘tganlar)', failed_logins: "Noto'g'ri urinishlar", locked_until: 'Bloklangan vaqtgacha',
          },
        },
        ru: {
          actions: actionLabels('ru', ACTIONS), name: 'Сотрудники',
          properties: {
            username: 'Имя пользователя', full_name: 'ФИО', role: 'Роль', password: 'Новый пароль', language: 'Язык',
            work_start: 'Начало работы', work_end: 'Конец работы', work_days: 'Рабочие дни (1=Пн … 7=Вс)', is_active_sales: 'В распределении лидов',
            course_ids: 'Курсы (ID, пусто = все)', is_active: 'Активен', telegram_user_id: 'Telegram ID', open_lead_count: 'Открытые лиды',
            last_assigned_at: 'Последнее назначение', blocked_since: 'Блокировка (просрочки) с', failed_logins: 'Неверные попытки', locked_until: 'Заблокирован до',
          },
        },
        en: {
          actions: actionLabels('en', ACTIONS), name: 'Staff',
          properties: {
            username: 'Username', full_name: 'Full name', role: 'Role', password: 'New password', language: 'Language',
            work_start: 'Work starts', work_end: 'Work ends', work_days: 'Work days (1=Mon … 7=Sun)', is_active_sales: 'Receives leads',
            course_ids: 'Courses (ids, empty = all)', is_active: 'Active', telegram_user_id: 'Telegram id', open_lead_count: 'Open leads',
            last_assigned_at: 'Last assigned', blocked_since: 'Blocked (overdue) since', failed_logins: 'Failed sign-ins', locked_until: 'Locked until',
          },
        },
      },
    },
  };
}
