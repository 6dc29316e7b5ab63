import { z } from 'zod';
import type { Tx } from '../../db/connection.js';
import type { Lang, Role, User } from '../../db/types.js';
import { AppError, notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { hashPassword, randomPassword } from './passwords.js';
import { normalizePhone } from '../shared/phone.js';
import { OPEN_STATUSES } from '../leads/statuses.js';
import { reshiftUserFollowUps } from '../followups/followup-ops.js';

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM');

export const userInputSchema = z.object({
  username: z.string().trim().min(2).max(64).regex(/^[a-zA-Z0-9_.-]+$/, 'letters, digits, _ . - only'),
  fullName: z.string().trim().min(1).max(200),
  role: z.enum(['admin', 'sales_manager', 'sales']),
  phone: z.string().trim().optional().nullable(),
  password: z.string().min(8).max(200).optional(),
  // Telegram user ids are positive whole numbers; anything else could never match a /start
  telegramUserId: z
    .union([z.string().trim().regex(/^\d{1,20}$/, 'must be a Telegram user id (digits only)'), z.number().int().positive()])
    .optional()
    .nullable(),
  workStart: time.optional(),
  workEnd: time.optional(),
  workDays: z
    .array(z.number().int().min(1).max(7))
    .transform((days) => [...new Set(days)].sort((a, b) => a - b))
    .optional(),
  isActiveSales: z.boolean().optional(),
  courseIds: z
    .array(z.number().int().positive())
    .transform((ids) => [...new Set(ids)])
    .optional(),
  language: z.enum(['uz', 'ru', 'en']).optional(),
});
export type UserInput = z.input<typeof userInputSchema>;

export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.join('.') || 'body';
    fields[key] ??= issue.message;
  }
  const [first] = Object.entries(fields);
  throw new AppError('VALIDATION', `${first[0]}: ${first[1]}`, fields);
}

export function workDaysOf(u: Pick<User, 'work_days'>): number[] {
  return JSON.parse(u.work_days || '[]');
}

export function courseIdsOf(u: Pick<User, 'course_ids'>): number[] {
  return JSON.parse(u.course_ids || '[]');
}

/**
 * An end equal to the start is an empty shift, a typing mistake. An end before the start is a
 * shift running past midnight (an evening call team), which working time, distribution and KPI
 * support.
 */
function assertShiftOrder(start: string, end: string) {
  if (end === start) throw validation('workEnd', `must differ from the start time (${start}); an end before the start runs past midnight`);
}

/** Course coverage must name courses that exist, else the person silently covers nothing real. */
async function assertCoursesExist(t: Tx, ids: number[] | undefined) {
  if (!ids?.length) return;
  const found = new Set((await t.selectFrom('courses').select('id').where('id', 'in', ids).execute()).map((c) => c.id));
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) throw validation('courseIds', `no course with id ${missing.join(', ')}`);
}

/**
 * The salesperson leads or follow-ups are handed to: an active `sales` user (and not `exceptId`,
 * the person handing over). Refused naming `field` otherwise.
 */
export async function activeSalesperson(db: Tx, id: number, field: string, exceptId?: number): Promise<User> {
  const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (exceptId !== undefined && id === exceptId) throw validation(field, 'must be another active salesperson');
  if (!u || u.role !== 'sales' || !u.is_active) throw validation(field, exceptId !== undefined ? 'must be another active salesperson' : 'must be an active salesperson');
  return u;
}

export async function getUser(db: Tx, id: number): Promise<User> {
  const u = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!u) throw notFound('user');
  return u;
}

export function createUserService(deps: CoreDeps) {
  const now = () => deps.clock.now().toISOString();

  async function create(input: UserInput): Promise<{ user: User; password: string | null }> {
    const v = parseOrThrow(userInputSchema, input);
    const phone = v.phone ? normalizePhone(v.phone) : null;
    return tx(deps, async (t) => {
      const settings = await t.selectFrom('center_settings').selectAll().where('id', '=', 1).executeTakeFirst();
      const exists = await t.selectFrom('users').select('id').where('username', '=', v.username).executeTakeFirst();
      if (exists) throw validation('username', 'is already taken');
      if (v.telegramUserId != null) {
        const linked = await t.selectFrom('users').select('id').where('telegram_user_id', '=', String(v.telegramUserId)).executeTakeFirst();
        if (linked) throw validation('telegramUserId', 'is already linked to another user');
      }
      const workStart = v.workStart ?? settings?.default_work_start ?? '09:00';
      const workEnd = v.workEnd ?? settings?.default_work_end ?? '18:00';
      assertShiftOrder(workStart, workEnd);
      await assertCoursesExist(t, v.courseIds);
      const needsPassword = v.role !== 'sales';
      const password = v.password ?? (needsPassword ? randomPassword() : null);
      const user = await t
        .insertInto('users')
        .values({
          username: v.username,
          full_name: v.fullName,
          phone,
          role: v.role as Role,
          password_hash: password ? await hashPassword(password) : null,
          telegram_user_id: v.telegramUserId != null ? String(v.telegramUserId) : null,
          telegram_chat_id: v.telegramUserId != null ? String(v.telegramUserId) : null,
          work_start: workStart,
          work_end: workEnd,
          work_days: JSON.stringify(v.workDays ?? JSON.parse(settings?.default_work_days ?? '[1,2,3,4,5,6]')),
          is_active_sales: (v.isActiveSales ?? v.role === 'sales') ? 1 : 0,
          course_ids: JSON.stringify(v.courseIds ?? []),
          language: (v.language ?? 'uz') as Lang,
          is_active: 1,
          open_lead_count: 0,
          failed_logins: 0,
          created_at: now(),
          updated_at: now(),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { user, password: v.password ? null : password };
    });
  }

  async function update(id: number, input: Partial<UserInput> & { isActive?: boolean }): Promise<User> {
    const v = parseOrThrow(userInputSchema.partial().extend({ isActive: z.boolean().optional() }), input);
    return tx(deps, async (t) => {
      const current = await getUser(t, id);
      if (v.workStart !== undefined || v.workEnd !== undefined) assertShiftOrder(v.workStart ?? current.work_start, v.workEnd ?? current.work_end);
      await assertCoursesExist(t, v.courseIds);
      const losesAdmin = current.role === 'admin' && current.is_active === 1 && ((v.role !== undefined && v.role !== 'admin') || v.isActive === false);
      if (losesAdmin) {
        // someone must always be able to manage the center: the last active admin stays one
        const others = await t.selectFrom('users').select('id').where('role', '=', 'admin').where('is_active', '=', 1).where('id', '!=', id).limit(1).execute();
        if (!others.length) throw validation(v.isActive === false ? 'isActive' : 'role', 'the last active admin cannot be demoted or deactivated');
      }
      const leavesSales = current.role === 'sales' && current.is_active === 1 && ((v.role !== undefined && v.role !== 'sales') || v.isActive === false);
      if (leavesSales) {
        // SPEC §4: a salesperson who stops selling hands their open leads over in the same step
        // (leads' deactivateSalesperson); a plain edit would strand them with nobody to work them
        const held = await t
          .selectFrom('leads')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('assigned_to', '=', id)
          .where('status', 'in', OPEN_STATUSES)
          .where('merged_into', 'is', null)
          .executeTakeFirstOrThrow();
        const n = Number(held.n);
        if (n > 0) throw validation(v.isActive === false ? 'isActive' : 'role', `still holds ${n} open lead(s): deactivate with handover first`);
      }
      const patch: Record<string, unknown> = { updated_at: now() };
      if (v.username !== undefined && v.username !== current.username) {
        const taken = await t.selectFrom('users').select('id').where('username', '=', v.username).where('id', '!=', id).executeTakeFirst();
        if (taken) throw validation('username', 'is already taken');
        patch.username = v.username;
      }
      if (v.fullName !== undefined) patch.full_name = v.fullName;
      if (v.role !== undefined) patch.role = v.role;
      if (v.phone !== undefined) patch.phone = v.phone ? normalizePhone(v.phone) : null;
      if (v.password !== undefined) patch.password_hash = await hashPassword(v.password);
      if (v.telegramUserId !== undefined) {
        patch.telegram_user_id = v.telegramUserId == null ? null : String(v.telegramUserId);
        patch.telegram_chat_id = patch.telegram_user_id;
      }
      if (v.workStart !== undefined) patch.work_start = v.workStart;
      if (v.workEnd !== undefined) patch.work_end = v.workEnd;
      if (v.workDays !== undefined) patch.work_days = JSON.stringify(v.workDays);
      if (v.isActiveSales !== undefined) patch.is_active_sales = v.isActiveSales ? 1 : 0;
      if (v.courseIds !== undefined) patch.course_ids = JSON.stringify(v.courseIds);
      if (v.language !== undefined) patch.language = v.language;
      if (v.isActive !== undefined) patch.is_active = v.isActive ? 1 : 0;
      await t.updateTable('users').set(patch).where('id', '=', id).execute();
      const scheduleChanged =
        (v.workStart !== undefined && v.workStart !== current.work_start) ||
        (v.workEnd !== undefined && v.workEnd !== current.work_end) ||
        (v.workDays !== undefined && JSON.stringify(v.workDays) !== current.work_days);
      if (scheduleChanged && (v.role ?? current.role) === 'sales') {
        // SPEC §5.2: a due time outside the person's working time moves to their next working
        // period; new hours or days make that true of follow-ups already planned, as a leave does
        const at = deps.clock.now();
        await reshiftUserFollowUps(t, { tz: deps.tz, now: at, dialect: deps.dialect }, id, at, new Date('9999-12-31T00:00:00.000Z'));
      }
      return getUser(t, id);
    });
  }

  async function list(): Promise<User[]> {
    return deps.db.selectFrom('users').selectAll().orderBy('id').execute();
  }

  /** First start: creates an admin with a random password, printed once by the caller. */
  async function ensureFirstAdmin(): Promise<{ username: string; password: string } | null> {
    const any = await deps.db.selectFrom('users').select('id').where('role', '=', 'admin').executeTakeFirst();
    if (any) return null;
    try {
      const { user, password } = await create({ username: 'admin', fullName: 'Administrator', role: 'admin' });
      return { username: user.username, password: password! };
    } catch (err) {
      // another process created it at the same moment
      if (err instanceof AppError) return null;
      throw err;
    }
  }

  return { create, update, list, get: (id: number) => getUser(deps.db, id), ensureFirstAdmin };
}

export type UserService = ReturnType<typeof createUserService>;
