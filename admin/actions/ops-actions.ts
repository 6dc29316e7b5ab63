import type { ActionContext, ActionRequest } from 'adminjs';
import { DateTime } from 'luxon';
import { can } from '../../core/policy/policy.js';
import { AppError } from '../../core/errors.js';
import { hasKey, t } from '../../core/i18n/i18n.js';
import { JOB_TABLE } from '../../scheduler/jobs.js';
import type { RunOutcome } from '../../scheduler/runner.js';
import type { ResourceDeps } from '../resource-kit.js';
import { COMPONENTS } from '../component-files.js';
import { LOST_REASONS } from './lead-actions.js';
import { choice, currentLang, describeError, envOf, formAction, idsOf, int, listUrl, localDateTime, principalOf, salespeopleOptions, salespersonId, showUrl, text, type ActionEnv } from './kit.js';

const RESULTS = ['attended', 'not_attended', 'offer_sent', 'accepted', 'rejected'] as const;
type TrialResult = (typeof RESULTS)[number];

/** Follow-ups (SPEC §5.3): bulk reschedule, reassign and complete, each recorded by core. */
export function followUpActions(deps: ResourceDeps) {
  const { services } = deps;
  const log = services.deps.log;
  const tz = services.deps.tz;
  return {
    bulkReschedule: formAction(
      {
        name: 'bulkReschedule',
        actionType: 'bulk',
        icon: 'Clock',
        allowed: (p) => can(p, 'followup.bulk'),
        form: (env) => ({
          intro: env.tr('adm.intro.bulkReschedule', { count: idsOf(env.ctx).length }),
          fields: [
            {
              name: 'dueAt',
              type: 'datetime',
              label: env.tr('adm.field.dueAt'),
              required: true,
              value: DateTime.fromJSDate(services.deps.clock.now()).setZone(tz).plus({ days: 1 }).set({ hour: 10, minute: 0 }).toFormat("yyyy-MM-dd'T'HH:mm"),
            },
          ],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const at = localDateTime(input, 'dueAt', env.lang, tz);
          const { updated } = await services.followUps.bulkReschedule(idsOf(env.ctx), at, env.actor);
          return { message: env.tr('adm.done.reschedule', { count: updated }), redirectUrl: listUrl('follow_ups') };
        },
        fieldMap: { to: 'dueAt' },
      },
      log,
    ),
    bulkReassign: formAction(
      {
        name: 'bulkReassign',
        actionType: 'bulk',
        icon: 'UserPlus',
        allowed: (p) => can(p, 'followup.bulk'),
        form: async (env) => ({
          intro: env.tr('adm.intro.bulkFollowReassign', { count: idsOf(env.ctx).length }),
          fields: [{ name: 'toUserId', type: 'select', label: env.tr('adm.field.toUserId'), required: true, options: await salespeopleOptions(services.deps.db) }],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const to = (await salespersonId(services.deps.db, input, 'toUserId', env.lang, { required: true }))!;
          const { updated } = await services.followUps.bulkReassign(idsOf(env.ctx), to, env.actor);
          const u = await services.deps.db.selectFrom('users').select('full_name').where('id', '=', to).executeTakeFirst();
          return { message: env.tr('adm.done.followReassign', { count: updated, name: u?.full_name ?? '' }), redirectUrl: listUrl('follow_ups') };
        },
      },
      log,
    ),
    bulkComplete: formAction(
      {
        name: 'bulkComplete',
        actionType: 'bulk',
        icon: 'CheckSquare',
        allowed: (p) => can(p, 'followup.bulk'),
        form: (env) => ({ intro: env.tr('adm.intro.bulkComplete', { count: idsOf(env.ctx).length }), fields: [], submit: env.tr('adm.submit.save') }),
        submit: async (_input, env) => {
          const { updated } = await services.followUps.bulkComplete(idsOf(env.ctx), env.actor);
          return { message: env.tr('adm.done.complete', { count: updated }), redirectUrl: listUrl('follow_ups') };
        },
      },
      log,
    ),
  };
}

/** Trials (SPEC §3, §10): a manager corrects a result; booking and moving stay with salespeople. */
export function trialActions(deps: ResourceDeps) {
  const { services } = deps;
  const resultLabel = (env: ActionEnv, r: string) => env.tr(`adm.result.${r}`);
  const trialRec = (ctx: ActionContext) => ({ id: Number(ctx.record?.id()), sales_id: (ctx.record?.param('sales_id') as number | null) ?? null });
  return {
    correctResult: formAction(
      {
        name: 'correctResult',
        actionType: 'record',
        icon: 'Edit3',
        allowed: (p, ctx) => can(p, 'trial.correct_result', trialRec(ctx)),
        visible: (ctx) => !ctx.record?.param('cancelled'),
        form: (env) => ({
          intro: env.tr('adm.intro.correctResult'),
          fields: [
            { name: 'result', type: 'select', label: env.tr('adm.field.result'), required: true, options: RESULTS.map((r) => ({ value: r, label: resultLabel(env, r) })) },
            { name: 'reason', type: 'textarea', label: env.tr('adm.field.reason'), required: true },
            { name: 'lostReason', type: 'select', label: env.tr('adm.field.lostReason'), options: [{ value: '', label: env.tr('adm.opt.none') }, ...LOST_REASONS.map((r) => ({ value: r, label: env.tr(`lost.${r}`) }))] },
          ],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const result = choice(input, 'result', env.lang, RESULTS, { required: true }) as TrialResult;
          const reason = text(input, 'reason', env.lang, { required: true, max: 1000 });
          const id = Number(env.ctx.record!.id());
          await services.leads.recordTrialResult(id, result, env.actor, { reason, lostReason: choice(input, 'lostReason', env.lang, LOST_REASONS) });
          return { message: env.tr('adm.done.correctResult', { result: resultLabel(env, result) }), redirectUrl: showUrl('trials', id) };
        },
      },
      services.deps.log,
    ),
  };
}

/** Outbox (SPEC §7, §10): failed deliveries go back in the queue through services.outbox. */
export function outboxActions(deps: ResourceDeps) {
  const { services } = deps;
  const log = services.deps.log;
  const done = (env: ActionEnv, r: { retried: number[]; skipped: number[] }) =>
    r.skipped.length ? env.tr('adm.done.retrySkipped', { count: r.retried.length, skipped: r.skipped.length }) : env.tr('adm.done.retry', { count: r.retried.length });
  return {
    retry: formAction(
      {
        name: 'retry',
        actionType: 'record',
        icon: 'RotateCw',
        allowed: (p) => can(p, 'outbox.retry'),
        visible: (ctx) => ctx.record?.param('status') === 'failed',
        form: (env) => ({ intro: env.tr('adm.intro.retry'), fields: [], submit: env.tr('adm.action.retry') }),
        submit: async (_input, env) => {
          const id = Number(env.ctx.record!.id());
          const r = await services.outbox.retry([id], env.user);
          return { message: done(env, r), redirectUrl: showUrl('outbox', id) };
        },
      },
      log,
    ),
    bulkRetry: formAction(
      {
        name: 'bulkRetry',
        actionType: 'bulk',
        icon: 'RotateCw',
        allowed: (p) => can(p, 'outbox.retry'),
        form: (env) => ({ intro: env.tr('adm.intro.bulkRetry', { count: idsOf(env.ctx).length }), fields: [], submit: env.tr('adm.action.retry') }),
        submit: async (_input, env) => {
          const r = await services.outbox.retry(idsOf(env.ctx), env.user);
          return { message: done(env, r), redirectUrl: `${listUrl('outbox')}?filters.status=pending` };
        },
      },
      log,
    ),
  };
}

/** What the scheduler offers the back office: the jobs it knows and a run through the same claim. */
export interface AdminScheduler {
  names(): string[];
  runNow(name: string): Promise<RunOutcome>;
}

function outcomeNotice(env: ActionEnv, job: string, o: RunOutcome) {
  if (o.status === 'ok') return { type: 'success', message: env.tr('adm.done.runNow', { job, ms: o.durationMs }) };
  if (o.status === 'failed') return { type: 'error', message: `${env.tr('adm.done.runNowFailed', { job })} — ${o.error}` };
  return { type: 'info', message: env.tr('adm.done.runNowSkipped', { job }) };
}

/** Job runs (SPEC §8, §10): the jobs with their last run, and "run now" per job. */
export function jobActions(deps: ResourceDeps, scheduler: AdminScheduler) {
  const { services } = deps;
  const log = services.deps.log;
  const db = services.deps.db;

  async function runJob(env: ActionEnv, job: string) {
    if (!scheduler.names().includes(job)) throw new AppError('VALIDATION', `unknown job "${job}"`, { job: 'unknown job' });
    log.info({ job, by: env.principal.id }, 'admin: job run now');
    return scheduler.runNow(job);
  }

  /** Each job of this installation with its latest run (one query per job, on the (job, slot) key). */
  async function overview(env: ActionEnv) {
    const local = (iso: string | null) => (iso ? DateTime.fromISO(iso).setZone(services.deps.tz).toFormat('yyyy-MM-dd HH:mm:ss') : '');
    const names = scheduler.names();
    const rows = await Promise.all(
      names.map(async (name) => {
        const last = await db.selectFrom('job_runs').selectAll().where('job', '=', name).orderBy('slot', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
        const pattern = JOB_TABLE.find((j) => j.name === name)?.pattern ?? '';
        return {
          job: name,
          what: hasKey(`adm.job.${name}`) ? env.tr(`adm.job.${name}`) : name,
          pattern,
          lastRun: last ? local(last.started_at) : env.tr('adm.jobs.never'),
          lastRunId: last?.id ?? null,
          status: last ? env.tr(`adm.jobs.status.${last.status}`) : '',
          statusCode: last?.status ?? null,
          duration: last?.duration_ms ?? null,
          error: last?.error ?? '',
        };
      }),
    );
    const h = (k: string) => env.tr(`adm.jobs.${k}`);
    return {
      title: h('title'),
      runLabel: h('run'),
      headers: { job: h('job'), what: h('what'), pattern: h('pattern'), lastRun: h('lastRun'), status: h('status'), duration: h('duration'), error: h('error') },
      rows,
    };
  }

  return {
    jobs: {
      name: 'jobs',
      actionType: 'resource',
      icon: 'Play',
      component: COMPONENTS.jobs,
      isAccessible: (ctx: ActionContext) => can(principalOf(ctx), 'jobrun.view'),
      handler: async (request: ActionRequest, _response: unknown, ctx: ActionContext) => {
        const lang = currentLang();
        try {
          const env = envOf(ctx);
          if (request.method === 'post') {
            if (!can(env.user, 'jobrun.run')) throw new AppError('FORBIDDEN', 'not allowed: jobrun.run');
            const job = text((request.payload ?? {}) as Record<string, string>, 'job', lang, { required: true })!;
            const outcome = await runJob(env, job);
            return { notice: outcomeNotice(env, job, outcome), crm: { outcome, data: await overview(env) } };
          }
          return { crm: { data: await overview(env) } };
        } catch (err) {
          const e = describeError(err, lang, {}, log);
          return { notice: { type: 'error', message: e.message }, crm: { ok: false, fields: e.fields } };
        }
      },
    },
    runNow: formAction(
      {
        name: 'runNow',
        actionType: 'record',
        icon: 'Play',
        allowed: (p) => can(p, 'jobrun.run'),
        visible: (ctx) => scheduler.names().includes(String(ctx.record?.param('job'))),
        form: (env) => ({ intro: env.tr('adm.intro.runNow', { job: String(env.ctx.record?.param('job')) }), fields: [], submit: env.tr('adm.action.runNow') }),
        submit: async (_input, env) => {
          const job = String(env.ctx.record!.param('job'));
          const o = await runJob(env, job);
          if (o.status === 'failed') throw new AppError('CONFLICT', `${t(env.lang, 'adm.done.runNowFailed', { job })} — ${o.error}`);
          const notice = outcomeNotice(env, job, o);
          const latest = await db.selectFrom('job_runs').select('id').where('job', '=', job).orderBy('id', 'desc').limit(1).executeTakeFirst();
          return { message: notice.message, redirectUrl: latest ? showUrl('job_runs', latest.id) : listUrl('job_runs') };
        },
      },
      log,
    ),
  };
}
