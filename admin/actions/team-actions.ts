import { randomBytes } from 'node:crypto';
import type { ActionContext } from 'adminjs';
import { DateTime } from 'luxon';
import { can } from '../../core/policy/policy.js';
import { validation } from '../../core/errors.js';
import { localDate } from '../../core/worktime/worktime.js';
import type { Priority, Role } from '../../db/types.js';
import type { ResourceDeps } from '../resource-kit.js';
import { COMPONENTS } from '../component-files.js';
import { choice, formAction, listUrl, localDay, readAction, salespeopleIds, salespeopleOptions, salespersonId, showUrl, text, type ActionEnv } from './kit.js';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

const userRec = (ctx: ActionContext) => ({ id: Number(ctx.record?.id()), role: ctx.record?.param('role') as Role | undefined });
const today = (deps: ResourceDeps) => localDate(deps.services.deps.clock.now(), deps.services.deps.tz);

/** Staff actions (SPEC §10 users): Telegram link, deactivation with handover, password, absence. */
export function userActions(deps: ResourceDeps) {
  const { services, config } = deps;
  const log = services.deps.log;
  return {
    telegramLink: formAction(
      {
        name: 'telegramLink',
        actionType: 'record',
        icon: 'Send',
        allowed: (p, ctx) => can(p, 'user.update', userRec(ctx)),
        visible: (ctx) => !!ctx.record?.param('is_active'),
        form: (env) => ({ intro: env.tr('adm.intro.telegramLink'), fields: [], submit: env.tr('adm.submit.create') }),
        submit: async (_input, env) => {
          const bot = config.TELEGRAM_BOT_USERNAME ?? '';
          if (!bot) throw validation('botUsername', env.tr('adm.err.noBotUsername'));
          const link = await services.telegramLinks.createLink(Number(env.ctx.record!.id()), bot, env.actor);
          const expires = DateTime.fromISO(link.expiresAt).setZone(services.deps.tz).toFormat('yyyy-MM-dd HH:mm');
          return {
            message: env.tr('adm.done.telegramLink'),
            result: {
              lines: [
                { label: env.tr('adm.link.url'), value: link.url, href: link.url, testId: 'telegram-link' },
                { label: env.tr('adm.link.expires'), value: expires },
              ],
              hint: env.tr('adm.link.hint'),
            },
          };
        },
      },
      log,
    ),

    deactivate: formAction(
      {
        name: 'deactivate',
        actionType: 'record',
        icon: 'UserX',
        allowed: (p, ctx) => can(p, 'user.deactivate', userRec(ctx)),
        visible: (ctx) => !!ctx.record?.param('is_active'),
        form: async (env) => ({
          intro: env.tr('adm.intro.deactivate'),
          fields: [
            {
              name: 'toUserId',
              type: 'select',
              label: env.tr('adm.field.toUserId'),
              options: [{ value: '', label: env.tr('adm.opt.distribute') }, ...(await salespeopleOptions(services.deps.db, Number(env.ctx.record?.id())))],
            },
          ],
          submit: env.tr('adm.submit.save'),
          danger: true,
        }),
        submit: async (input, env) => {
          const id = Number(env.ctx.record!.id());
          // empty = distribute; otherwise another active salesperson, named in the reader's language
          const to = await salespersonId(services.deps.db, input, 'toUserId', env.lang, { exceptId: id });
          const out = await services.leads.deactivateSalesperson(id, { toUserId: to ?? undefined }, env.actor);
          return { message: env.tr('adm.done.deactivate', out), redirectUrl: showUrl('users', id) };
        },
      },
      log,
    ),

    resetPassword: formAction(
      {
        name: 'resetPassword',
        actionType: 'record',
        icon: 'Key',
        // salespeople use Telegram only: they have no back-office password
        allowed: (p, ctx) => can(p, 'user.update', userRec(ctx)) && userRec(ctx).role !== 'sales',
        form: (env) => ({ intro: env.tr('adm.intro.resetPassword'), fields: [], submit: env.tr('adm.submit.create'), danger: true }),
        submit: async (_input, env) => {
          const password = randomBytes(12).toString('base64url');
          // hashed by core (scrypt); shown here once and never stored or logged in clear
          const user = await services.users.update(Number(env.ctx.record!.id()), { password });
          return {
            message: env.tr('adm.done.resetPassword'),
            result: {
              lines: [
                { label: env.tr('adm.pwd.user'), value: user.username },
                { label: env.tr('adm.pwd.password'), value: password, testId: 'new-password' },
              ],
              hint: env.tr('adm.pwd.hint'),
            },
          };
        },
      },
      log,
    ),

    markAbsent: formAction(
      {
        name: 'markAbsent',
        actionType: 'record',
        icon: 'Slash',
        allowed: (p, ctx) => can(p, 'absence.mark') && userRec(ctx).role === 'sales',
        visible: (ctx) => !!ctx.record?.param('is_active'),
        form: (env) => ({
          intro: env.tr('adm.intro.markAbsent'),
          fields: [{ name: 'date', type: 'date', label: env.tr('adm.field.date'), required: true, value: today(deps) }],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const date = localDay(input, 'date', env.lang);
          const id = Number(env.ctx.record!.id());
          await services.leave.markAbsent(id, date, env.user);
          return { message: env.tr('adm.done.markAbsent', { name: String(env.ctx.record!.param('full_name')), date }), redirectUrl: showUrl('users', id) };
        },
      },
      log,
    ),
  };
}

async function periodOf(deps: ResourceDeps, env: ActionEnv): Promise<{ name: string; period: string }> {
  const r = env.ctx.record!;
  const u = await deps.services.deps.db.selectFrom('users').select('full_name').where('id', '=', Number(r.param('user_id'))).executeTakeFirst();
  const times = r.param('start_time') ? ` ${r.param('start_time')}–${r.param('end_time') ?? ''}` : '';
  return { name: u?.full_name ?? '', period: `${r.param('start_date')} — ${r.param('end_date')}${times}` };
}

/** Leave decisions (SPEC §6.2): approve, reject with a reason; pending requests only. */
export function leaveActions(deps: ResourceDeps) {
  const { services } = deps;
  const log = services.deps.log;
  const pending = (ctx: ActionContext) => ctx.record?.param('status') === 'pending';
  return {
    approve: formAction(
      {
        name: 'approve',
        actionType: 'record',
        icon: 'Check',
        allowed: (p) => can(p, 'leave.decide'),
        visible: pending,
        form: async (env) => ({ intro: env.tr('adm.intro.approve', await periodOf(deps, env)), fields: [], submit: env.tr('adm.action.approve') }),
        submit: async (_input, env) => {
          const id = Number(env.ctx.record!.id());
          await services.leave.approve(id, env.user);
          return { message: env.tr('adm.done.approve'), redirectUrl: showUrl('leave_requests', id) };
        },
      },
      log,
    ),
    reject: formAction(
      {
        name: 'reject',
        actionType: 'record',
        icon: 'X',
        allowed: (p) => can(p, 'leave.decide'),
        visible: pending,
        form: async (env) => ({
          intro: env.tr('adm.intro.reject', await periodOf(deps, env)),
          fields: [{ name: 'reason', type: 'textarea', label: env.tr('adm.field.reason'), required: true }],
          submit: env.tr('adm.action.reject'),
          danger: true,
        }),
        submit: async (input, env) => {
          const id = Number(env.ctx.record!.id());
          // core refuses an empty reason too; this names the field before a round trip to it
          const reason = text(input, 'reason', env.lang, { required: true })!;
          await services.leave.reject(id, reason, env.user);
          return { message: env.tr('adm.done.reject'), redirectUrl: showUrl('leave_requests', id) };
        },
      },
      log,
    ),
  };
}

/** Absences (SPEC §6.2): a manager marks a salesperson absent for a date. */
export function absenceActions(deps: ResourceDeps) {
  const { services } = deps;
  return {
    markAbsent: formAction(
      {
        name: 'markAbsent',
        actionType: 'resource',
        icon: 'Slash',
        allowed: (p) => can(p, 'absence.mark'),
        form: async (env) => ({
          intro: env.tr('adm.intro.markAbsent'),
          fields: [
            { name: 'userId', type: 'select', label: env.tr('adm.field.userId'), required: true, options: [{ value: '', label: env.tr('adm.opt.none') }, ...(await salespeopleOptions(services.deps.db))] },
            { name: 'date', type: 'date', label: env.tr('adm.field.date'), required: true, value: today(deps) },
          ],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const userId = (await salespersonId(services.deps.db, input, 'userId', env.lang, { required: true }))!;
          const date = localDay(input, 'date', env.lang);
          await services.leave.markAbsent(userId, date, env.user);
          const u = await services.deps.db.selectFrom('users').select('full_name').where('id', '=', userId).executeTakeFirst();
          return { message: env.tr('adm.done.markAbsent', { name: u?.full_name ?? '', date }), redirectUrl: listUrl('absences') };
        },
      },
      services.deps.log,
    ),
  };
}

/** Manager messages (SPEC §6.6): compose to many with a priority; read status per recipient. */
export function messageActions(deps: ResourceDeps) {
  const { services } = deps;
  const log = services.deps.log;
  return {
    show: { component: COMPONENTS.messageShow },
    compose: formAction(
      {
        name: 'compose',
        actionType: 'resource',
        icon: 'Send',
        allowed: (p) => can(p, 'message.send'),
        form: async (env) => ({
          intro: env.tr('adm.intro.compose'),
          fields: [
            { name: 'recipientIds', type: 'multiselect', label: env.tr('adm.field.recipientIds'), required: true, options: await salespeopleOptions(services.deps.db) },
            { name: 'priority', type: 'select', label: env.tr('adm.field.priority'), value: 'normal', options: PRIORITIES.map((p) => ({ value: p, label: env.tr(`priority.${p}`) })) },
            { name: 'subject', type: 'text', label: env.tr('adm.field.subject'), required: true },
            { name: 'body', type: 'textarea', label: env.tr('adm.field.body'), required: true },
          ],
          submit: env.tr('adm.submit.send'),
        }),
        submit: async (input, env) => {
          const recipientIds = await salespeopleIds(services.deps.db, input, 'recipientIds', env.lang);
          const priority = choice(input, 'priority', env.lang, PRIORITIES) ?? 'normal';
          // named here in the reader's language; core's own checks (lengths) still apply
          const subject = text(input, 'subject', env.lang, { required: true })!;
          const body = text(input, 'body', env.lang, { required: true })!;
          const { message, recipients } = await services.messages.send(
            { recipientIds, subject, body, priority: priority as Priority },
            env.user,
          );
          return { message: env.tr('adm.done.compose', { count: recipients.length }), redirectUrl: showUrl('sales_messages', message.id) };
        },
      },
      log,
    ),
    readStatus: readAction(
      'readStatus',
      (p, ctx) => can(p, 'message.read_status', { sender_id: Number(ctx.record?.param('sender_id')) }),
      async (env) => {
        const s = await services.messages.readStatus(Number(env.ctx.record!.id()), env.user);
        const local = (iso: string | null) => (iso ? DateTime.fromISO(iso).setZone(services.deps.tz).toFormat('yyyy-MM-dd HH:mm') : '');
        return {
          title: env.tr('adm.read.title'),
          summary: env.tr('adm.read.summary', { read: s.readCount, total: s.total }),
          headers: [env.tr('adm.read.recipient'), env.tr('adm.read.status'), env.tr('adm.read.at')],
          rows: s.recipients.map((r) => ({
            userId: r.user_id,
            name: r.full_name,
            read: !!r.read_at,
            status: r.read_at ? env.tr('adm.read.read') : env.tr('adm.read.unread'),
            at: local(r.read_at),
          })),
        };
      },
      log,
    ),
  };
}
