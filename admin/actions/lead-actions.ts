import type { ActionContext } from 'adminjs';
import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { can } from '../../core/policy/policy.js';
import { hasKey, t, type Lang } from '../../core/i18n/i18n.js';
import { validation } from '../../core/errors.js';
import { STATUSES, SOURCES } from '../../core/leads/statuses.js';
import type { LeadSource, LeadStatus } from '../../db/types.js';
import type { ResourceDeps } from '../resource-kit.js';
import { COMPONENTS } from '../component-files.js';
import {
  formAction,
  idsOf,
  int,
  readAction,
  salespeopleOptions,
  showUrl,
  listUrl,
  text,
  choice,
  salespersonId,
  type ActionEnv,
  type FormField,
  type Option,
} from './kit.js';

export const LOST_REASONS = ['price', 'schedule', 'other_center', 'no_answer', 'not_interested', 'wrong_number', 'left', 'other'] as const;
// a trial is booked from the trial screens (it needs a group and a date), not by a correction
const CORRECTABLE = STATUSES.filter((s) => s !== 'trial_registered');

const label = (lang: Lang, prefix: string, v: string | null | undefined) => (v == null ? '' : hasKey(`${prefix}.${v}`) ? t(lang, `${prefix}.${v}`) : v);
const statusOptions = (lang: Lang, list: readonly string[] = STATUSES): Option[] => list.map((s) => ({ value: s, label: label(lang, 'status', s) }));
const lostOptions = (lang: Lang): Option[] => LOST_REASONS.map((r) => ({ value: r, label: label(lang, 'lost', r) }));

function salespersonField(env: ActionEnv, options: Option[], required = true): FormField {
  return { name: 'toUserId', type: 'select', label: env.tr('adm.field.toUserId'), required, options };
}

async function nameOf(env: ActionEnv, deps: ResourceDeps, id: number): Promise<string> {
  const u = await deps.services.deps.db.selectFrom('users').select('full_name').where('id', '=', id).executeTakeFirst();
  return u?.full_name ?? `#${id}`;
}

/** Leads whose phone or name matches this one: the likely other half of a merge. */
async function likelyDuplicates(deps: ResourceDeps, ctx: ActionContext): Promise<Option[]> {
  const db = deps.services.deps.db;
  const id = Number(ctx.record?.id());
  const phone = String(ctx.record?.param('phone') ?? '');
  const name = String(ctx.record?.param('name') ?? '').trim().toLowerCase();
  const tail = phone.replace(/\D/g, '').slice(-9);
  const rows = await db
    .selectFrom('leads')
    .select(['id', 'name', 'phone'])
    .where('merged_into', 'is', null)
    .where('id', '!=', id)
    .where((eb) =>
      eb.or([
        ...(tail.length === 9 ? [eb('phone', 'like', `%${tail}`), eb('phone2', 'like', `%${tail}`)] : []),
        ...(name ? [eb(sql`lower(name)`, '=', name)] : []),
      ]),
    )
    .orderBy('id', 'desc')
    .limit(20)
    .execute();
  return rows.map((r) => ({ value: `${r.id}`, label: `${r.id} — ${r.name} (${r.phone})` }));
}

async function groupOptions(deps: ResourceDeps): Promise<Option[]> {
  const groups = await deps.services.groups.listGroups({ activeOnly: true });
  return groups.map((g) => ({ value: String(g.id), label: `${g.name} — ${g.course_name} (${g.current_students}/${g.capacity})` }));
}

/** One timeline row, as text: the component prints these strings, never HTML. */
export interface TimelineRow {
  id: number;
  at: string;
  who: string;
  what: string;
  details: string;
}

export async function leadTimeline(deps: ResourceDeps, leadId: number, env: ActionEnv): Promise<TimelineRow[]> {
  const core = deps.services.deps;
  const { events } = await deps.services.leads.details(leadId, env.actor);
  const ids = new Set<number>();
  for (const e of events) {
    const d = (e.data ?? {}) as Record<string, unknown>;
    for (const k of ['from', 'to']) if (typeof d[k] === 'number') ids.add(d[k] as number);
  }
  const names = new Map<number, string>();
  if (ids.size) {
    const rows = await core.db.selectFrom('users').select(['id', 'full_name']).where('id', 'in', [...ids]).execute();
    for (const r of rows) names.set(r.id, r.full_name);
  }
  const { lang } = env;
  const local = (iso: unknown) => (typeof iso === 'string' ? DateTime.fromISO(iso).setZone(core.tz).toFormat('yyyy-MM-dd HH:mm') : '');
  return events.map((e) => {
    const d = (e.data ?? {}) as Record<string, unknown>;
    const parts: string[] = [];
    if (e.from_status || e.to_status) parts.push(`${label(lang, 'status', e.from_status)} → ${label(lang, 'status', e.to_status)}`);
    if (e.type === 'assigned' || e.type === 'reassigned') {
      const to = typeof d.to === 'number' ? names.get(d.to) ?? `#${d.to}` : '';
      const from = typeof d.from === 'number' ? names.get(d.from) ?? `#${d.from}` : '';
      parts.push(from ? `${from} ${t(lang, 'adm.timeline.assignedTo', { name: to })}` : t(lang, 'adm.timeline.assignedTo', { name: to }));
    }
    if (e.type === 'merged') parts.push(t(lang, 'adm.timeline.mergedWith', { merged: String(d.merged ?? ''), survivor: String(d.survivor ?? '') }));
    if (e.type === 'call_logged' && typeof d.outcome === 'string') parts.push(label(lang, 'outcome', d.outcome));
    if ((e.type === 'followup_rescheduled' || e.type === 'followup_snoozed') && typeof d.to === 'string') parts.push(`→ ${local(d.to)}`);
    if (e.type === 'trial_booked' && typeof d.date === 'string') parts.push(`${d.date} ${String(d.time ?? '')}`.trim());
    if (typeof d.reason === 'string' && d.reason) parts.push(e.to_status === 'lost' || e.type === 'trial_result' ? label(lang, 'lost', d.reason) : d.reason);
    if (typeof d.correction === 'string') parts.push(d.correction);
    for (const k of ['text', 'note']) if (typeof d[k] === 'string' && d[k]) parts.push(String(d[k]));
    return {
      id: Number(e.id),
      at: local(e.created_at),
      who: e.actor_name ?? t(lang, 'adm.timeline.system'),
      what: hasKey(`adm.event.${e.type}`) ? t(lang, `adm.event.${e.type}`) : hasKey(`ma.event.${e.type}`) ? t(lang, `ma.event.${e.type}`) : e.type,
      details: parts.join(' · '),
    };
  });
}

/** Lead actions (SPEC §4, §10): every one calls services.leads; managers and admins only. */
export function leadActions(deps: ResourceDeps) {
  const { services } = deps;
  const log = services.deps.log;
  const recordOf = (ctx: ActionContext) => ({ id: Number(ctx.record?.id()), assigned_to: (ctx.record?.param('assigned_to') as number | null) ?? null });
  const open = (ctx: ActionContext) => !ctx.record?.param('merged_into');

  return {
    show: { component: COMPONENTS.leadShow },
    timeline: readAction(
      'timeline',
      (p, ctx) => can(p, 'lead.view', recordOf(ctx)),
      async (env) => ({
        title: env.tr('adm.timeline.title'),
        empty: env.tr('adm.timeline.empty'),
        headers: [env.tr('adm.timeline.when'), env.tr('adm.timeline.who'), env.tr('adm.timeline.what'), env.tr('adm.timeline.details')],
        rows: await leadTimeline(deps, Number(env.ctx.record?.id()), env),
      }),
      log,
    ),

    reassign: formAction(
      {
        name: 'reassign',
        actionType: 'record',
        icon: 'UserPlus',
        allowed: (p, ctx) => can(p, 'lead.assign', recordOf(ctx)),
        visible: open,
        form: async (env) => ({
          intro: env.tr('adm.intro.reassign'),
          fields: [salespersonField(env, await salespeopleOptions(services.deps.db, Number(env.ctx.record?.param('assigned_to')) || undefined))],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const to = (await salespersonId(services.deps.db, input, 'toUserId', env.lang, { required: true }))!;
          const id = Number(env.ctx.record!.id());
          await services.leads.assign([id], to, env.actor, `reassigned by ${env.principal.title || 'a manager'} in the back office`);
          return { message: env.tr('adm.done.reassign', { count: 1, name: await nameOf(env, deps, to) }), redirectUrl: showUrl('leads', id) };
        },
      },
      log,
    ),

    bulkReassign: formAction(
      {
        name: 'bulkReassign',
        actionType: 'bulk',
        icon: 'UserPlus',
        allowed: (p) => can(p, 'lead.assign'),
        form: async (env) => ({
          intro: env.tr('adm.intro.bulkReassign', { count: idsOf(env.ctx).length }),
          fields: [salespersonField(env, await salespeopleOptions(services.deps.db))],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const to = (await salespersonId(services.deps.db, input, 'toUserId', env.lang, { required: true }))!;
          const ids = idsOf(env.ctx);
          const leads = await services.leads.assign(ids, to, env.actor, `bulk reassignment by ${env.principal.title || 'a manager'} in the back office`);
          return { message: env.tr('adm.done.reassign', { count: leads.length, name: await nameOf(env, deps, to) }), redirectUrl: listUrl('leads') };
        },
        fieldMap: { leadIds: 'toUserId' },
      },
      log,
    ),

    merge: formAction(
      {
        name: 'merge',
        actionType: 'record',
        icon: 'GitMerge',
        allowed: (p, ctx) => can(p, 'lead.merge', recordOf(ctx)),
        visible: open,
        form: async (env) => ({
          intro: env.tr('adm.intro.merge'),
          fields: [{ name: 'otherId', type: 'text', label: env.tr('adm.field.otherId'), required: true, suggestions: await likelyDuplicates(deps, env.ctx) }],
          submit: env.tr('adm.submit.save'),
          danger: true,
        }),
        submit: async (input, env) => {
          const other = int(input, 'otherId', env.lang, { required: true })!;
          const id = Number(env.ctx.record!.id());
          if (other === id) throw validation('otherId', env.tr('adm.err.sameLead'));
          const found = await services.deps.db.selectFrom('leads').select('id').where('id', '=', other).where('merged_into', 'is', null).executeTakeFirst();
          if (!found) throw validation('otherId', env.tr('adm.err.noSuchLead'));
          await services.leads.merge(id, other, env.actor);
          return { message: env.tr('adm.done.merge', { other, survivor: id }), redirectUrl: showUrl('leads', id) };
        },
      },
      log,
    ),

    releaseParked: formAction(
      {
        name: 'releaseParked',
        actionType: 'bulk',
        icon: 'Play',
        allowed: (p) => can(p, 'lead.release'),
        form: (env) => ({ intro: env.tr('adm.intro.releaseParked', { count: idsOf(env.ctx).length }), fields: [], submit: env.tr('adm.submit.save') }),
        submit: async (_input, env) => {
          const { released } = await services.leads.releaseParked({ ids: idsOf(env.ctx) }, env.actor);
          return { message: env.tr('adm.done.release', { count: released }), redirectUrl: listUrl('leads') };
        },
      },
      log,
    ),

    releaseParkedMany: formAction(
      {
        name: 'releaseParkedMany',
        actionType: 'resource',
        icon: 'Play',
        allowed: (p) => can(p, 'lead.release'),
        form: (env) => ({
          intro: env.tr('adm.intro.releaseParkedMany'),
          fields: [
            {
              name: 'mode',
              type: 'select',
              label: env.tr('adm.field.mode'),
              required: true,
              value: 'perSalesperson',
              options: [
                { value: 'perSalesperson', label: env.tr('adm.opt.mode.perSalesperson') },
                { value: 'all', label: env.tr('adm.opt.mode.all') },
              ],
            },
            { name: 'perSalesperson', type: 'number', label: env.tr('adm.field.perSalesperson'), value: '10' },
            {
              name: 'source',
              type: 'select',
              label: env.tr('adm.field.source'),
              options: [{ value: '', label: env.tr('adm.opt.anySource') }, ...SOURCES.map((s) => ({ value: s, label: label(env.lang, 'source', s) }))],
            },
          ],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          const source = (text(input, 'source', env.lang) ?? undefined) as LeadSource | undefined;
          const per = input.mode === 'all' ? undefined : int(input, 'perSalesperson', env.lang, { required: true })!;
          const { released } = await services.leads.releaseParked({ source, perSalesperson: per }, env.actor);
          return { message: env.tr('adm.done.release', { count: released }), redirectUrl: `${listUrl('leads')}?filters.parked=false` };
        },
      },
      log,
    ),

    correctStatus: formAction(
      {
        name: 'correctStatus',
        actionType: 'record',
        icon: 'Edit3',
        allowed: (p, ctx) => can(p, 'lead.correct_status', recordOf(ctx)),
        visible: open,
        form: async (env) => ({
          intro: env.tr('adm.intro.correctStatus'),
          fields: [
            { name: 'to', type: 'select', label: env.tr('adm.field.to'), required: true, options: statusOptions(env.lang, CORRECTABLE) },
            { name: 'reason', type: 'textarea', label: env.tr('adm.field.reason'), required: true },
            { name: 'lostReason', type: 'select', label: env.tr('adm.field.lostReason'), options: [{ value: '', label: env.tr('adm.opt.none') }, ...lostOptions(env.lang)] },
            { name: 'lostReasonText', type: 'text', label: env.tr('adm.field.lostReasonText') },
            { name: 'groupId', type: 'select', label: env.tr('adm.field.groupId'), options: [{ value: '', label: env.tr('adm.opt.none') }, ...(await groupOptions(deps))] },
          ],
          submit: env.tr('adm.submit.save'),
        }),
        submit: async (input, env) => {
          // only the statuses the form offers (a trial is booked elsewhere): anything else is refused, not stored
          const to = choice(input, 'to', env.lang, CORRECTABLE, { required: true }) as LeadStatus;
          const reason = text(input, 'reason', env.lang, { required: true, max: 1000 })!;
          const id = Number(env.ctx.record!.id());
          const lead = await services.leads.correctStatus(
            id,
            { to, reason, lostReason: choice(input, 'lostReason', env.lang, LOST_REASONS), lostReasonText: text(input, 'lostReasonText', env.lang, { max: 1000 }), groupId: int(input, 'groupId', env.lang) },
            env.actor,
          );
          return { message: env.tr('adm.done.correctStatus', { status: label(env.lang, 'status', lead.status) }), redirectUrl: showUrl('leads', id) };
        },
      },
      log,
    ),

    markLost: formAction(
      {
        name: 'markLost',
        actionType: 'record',
        icon: 'XCircle',
        allowed: (p, ctx) => can(p, 'lead.move', recordOf(ctx)),
        visible: (ctx) => open(ctx) && ctx.record?.param('status') !== 'lost',
        form: (env) => ({
          intro: env.tr('adm.intro.markLost'),
          fields: [
            { name: 'lostReason', type: 'select', label: env.tr('adm.field.lostReason'), required: true, options: [{ value: '', label: env.tr('adm.opt.none') }, ...lostOptions(env.lang)] },
            { name: 'lostReasonText', type: 'textarea', label: env.tr('adm.field.lostReasonText') },
          ],
          submit: env.tr('adm.submit.save'),
          danger: true,
        }),
        submit: async (input, env) => {
          const lostReason = choice(input, 'lostReason', env.lang, LOST_REASONS, { required: true });
          const id = Number(env.ctx.record!.id());
          await services.leads.move(id, { to: 'lost', lostReason, lostReasonText: text(input, 'lostReasonText', env.lang, { max: 1000 }) }, env.actor);
          return { message: env.tr('adm.done.markLost'), redirectUrl: showUrl('leads', id) };
        },
      },
      log,
    ),
  };
}
