import type { ActionContext } from 'adminjs';
import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { can } from '../../core/policy/policy.js';
import { hasKey, t, type Lang } from '../../core/i18n/i18n.js';
import { AppError, validation } from '../../core/errors.js';
import { normalizePhone } from '../../core/shared/phone.js';
import { STATUSES, SOURCES, MANUAL_SOURCES } from '../../core/leads/statuses.js';
import type { LeadSource, LeadStatus } from '../../db/types.js';
import type { ResourceDeps } from '../resource-kit.js';
import { COMPONENTS } from '../component-files.js';
import {
  fieldLabel,
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
  type Payload,
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

/** A phone typed in the form, in E.164; a bad one is refused naming the field in the reader's words. */
function phoneOf(input: Payload, name: string, lang: Lang, opts: { required?: boolean } = {}): string | null {
  const raw = text(input, name, lang, opts);
  if (raw === null) return null;
  try {
    return normalizePhone(raw, name);
  } catch (err) {
    if (err instanceof AppError) throw validation(name, t(lang, 'adm.err.phone'));
    throw err;
  }
}

function ageOf(input: Payload, name: string, lang: Lang): number | null {
  const raw = (input[name] ?? '').trim();
  if (!raw) return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 120) throw validation(name, t(lang, 'adm.err.age'));
  return n;
}

/** Active courses (and the lead's own course even if it closed since, so an edit keeps it). */
async function courseOptions(deps: ResourceDeps, lang: Lang, keepId?: number | null): Promise<Option[]> {
  const rows = await deps.services.deps.db
    .selectFrom('courses')
    .select(['id', 'name', 'active'])
    .where((eb) => (keepId ? eb.or([eb('active', '=', 1), eb('id', '=', keepId)]) : eb('active', '=', 1)))
    .orderBy('name')
    .execute();
  return [{ value: '', label: t(lang, 'adm.opt.noCourse') }, ...rows.map((c) => ({ value: String(c.id), label: c.name }))];
}

/** A course picked in the form: an active one, or the one the lead already has. */
async function courseOf(deps: ResourceDeps, input: Payload, lang: Lang, keepId?: number | null): Promise<number | null> {
  const id = int(input, 'courseId', lang);
  if (id === null || id === keepId) return id;
  const c = await deps.services.deps.db.selectFrom('courses').select('id').where('id', '=', id).where('active', '=', 1).executeTakeFirst();
  if (!c) throw validation('courseId', t(lang, 'adm.err.course'));
  return id;
}

/** Form fields a lead's contact details are typed into (new lead and edit share them). */
function detailFields(env: ActionEnv, courses: Option[], values: Record<string, string> = {}): FormField[] {
  const f = (name: string, type: FormField['type'], required = false): FormField => ({ name, type, label: env.tr(`adm.field.${name}`), required, value: values[name] ?? '' });
  return [
    f('name', 'text', true),
    f('phone2', 'text'),
    { ...f('courseId', 'select'), options: courses },
    f('studentName', 'text'),
    f('studentAge', 'number'),
    f('studentLevel', 'text'),
  ];
}

/** lead columns → the form's field names (for the timeline's words) */
const EDITED_FIELD: Record<string, string> = { name: 'name', phone2: 'phone2', course_id: 'courseId', student_name: 'studentName', student_age: 'studentAge', student_level: 'studentLevel' };

const str = (v: unknown) => (v === null || v === undefined ? '' : String(v));

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
    if (e.type === 'details_edited' && d.changes && typeof d.changes === 'object') {
      parts.push(Object.keys(d.changes).map((k) => fieldLabel(lang, EDITED_FIELD[k] ?? k)).join(', '));
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

    createLead: formAction(
      {
        name: 'createLead',
        actionType: 'resource',
        icon: 'Plus',
        allowed: (p) => can(p, 'lead.create') && can(p, 'lead.assign'),
        form: async (env) => {
          const [name, phone2, ...rest] = detailFields(env, await courseOptions(deps, env.lang));
          return {
            intro: env.tr('adm.intro.createLead'),
            fields: [
              name,
              { name: 'phone', type: 'text', label: env.tr('adm.field.phone'), required: true, hint: '+998 90 123 45 67' },
              phone2,
              ...rest.slice(0, 1),
              {
                name: 'source',
                type: 'select',
                label: env.tr('adm.field.source'),
                required: true,
                value: 'walk_in',
                options: MANUAL_SOURCES.map((s) => ({ value: s, label: label(env.lang, 'source', s) })),
              },
              { name: 'note', type: 'textarea', label: env.tr('adm.field.note') },
              ...rest.slice(1),
              {
                name: 'assignTo',
                type: 'select',
                label: env.tr('adm.field.assignTo'),
                value: '',
                options: [{ value: '', label: env.tr('adm.opt.distribute') }, ...(await salespeopleOptions(services.deps.db))],
              },
            ],
            submit: env.tr('adm.submit.create'),
          };
        },
        submit: async (input, env) => {
          const db = services.deps.db;
          // every field is checked before anything is written, each refusal naming its field
          const name = text(input, 'name', env.lang, { required: true, max: 200 })!;
          const phone = phoneOf(input, 'phone', env.lang, { required: true })!;
          const phone2 = phoneOf(input, 'phone2', env.lang);
          const courseId = await courseOf(deps, input, env.lang);
          const source = choice(input, 'source', env.lang, MANUAL_SOURCES, { required: true })!;
          const studentAge = ageOf(input, 'studentAge', env.lang);
          const toUserId = await salespersonId(db, input, 'assignTo', env.lang);
          const r = await services.leads.intake(
            {
              name,
              phone,
              phone2,
              courseId,
              source,
              note: text(input, 'note', env.lang, { max: 4000 }),
              studentName: text(input, 'studentName', env.lang, { max: 200 }),
              studentAge,
              studentLevel: text(input, 'studentLevel', env.lang, { max: 100 }),
            },
            env.actor,
            toUserId == null ? {} : { toUserId, reason: `assigned by ${env.principal.title || 'a manager'} in the back office` },
          );
          if (!r.duplicate) return { message: env.tr('adm.done.createLead', { id: r.lead.id }), redirectUrl: showUrl('leads', r.lead.id) };
          // a known phone: nothing new was created; say which lead it is and whose
          const owner = r.lead.assigned_to == null ? env.tr('adm.dup.nobody') : await nameOf(env, deps, r.lead.assigned_to);
          return {
            message: env.tr('adm.done.duplicate', { id: r.lead.id, name: r.lead.name, owner }),
            result: {
              lines: [
                { label: env.tr('adm.dup.lead'), value: `#${r.lead.id} — ${r.lead.name} (${r.lead.phone})`, href: showUrl('leads', r.lead.id), testId: 'duplicate-lead' },
                { label: env.tr('adm.dup.owner'), value: owner, testId: 'duplicate-owner' },
                { label: env.tr('adm.dup.outcome'), value: env.tr(`adm.dup.outcome.${r.outcome}`) },
              ],
              hint: env.tr('adm.dup.hint'),
            },
          };
        },
        fieldMap: { toUserId: 'assignTo' },
      },
      log,
    ),

    editDetails: formAction(
      {
        name: 'editDetails',
        actionType: 'record',
        icon: 'Edit',
        allowed: (p, ctx) => can(p, 'lead.edit', recordOf(ctx)),
        visible: open,
        form: async (env) => {
          const r = env.ctx.record!;
          const courseId = (r.param('course_id') as number | null) ?? null;
          return {
            intro: env.tr('adm.intro.editDetails'),
            fields: detailFields(env, await courseOptions(deps, env.lang, courseId), {
              name: str(r.param('name')),
              phone2: str(r.param('phone2')),
              courseId: str(courseId),
              studentName: str(r.param('student_name')),
              studentAge: str(r.param('student_age')),
              studentLevel: str(r.param('student_level')),
            }),
            submit: env.tr('adm.submit.save'),
          };
        },
        submit: async (input, env) => {
          const id = Number(env.ctx.record!.id());
          const lead = await services.deps.db.selectFrom('leads').select(['phone', 'course_id']).where('id', '=', id).executeTakeFirst();
          if (!lead) throw validation('name', env.tr('adm.err.noSuchLead'));
          // a field left out of the request stays as it is; an emptied one is cleared (the name is required)
          const has = (k: string) => input[k] !== undefined;
          const phone2 = has('phone2') ? phoneOf(input, 'phone2', env.lang) : undefined;
          if (phone2 && phone2 === lead.phone) throw validation('phone2', env.tr('adm.err.phoneSame'));
          if (phone2) {
            const owner = await services.deps.db.selectFrom('lead_phones').select('lead_id').where('phone', '=', phone2).executeTakeFirst();
            if (owner && owner.lead_id !== id) throw validation('phone2', env.tr('adm.err.phoneTaken', { id: owner.lead_id }));
          }
          const { changed } = await services.leads.updateDetails(
            id,
            {
              name: has('name') ? text(input, 'name', env.lang, { required: true, max: 200 })! : undefined,
              phone2,
              courseId: has('courseId') ? await courseOf(deps, input, env.lang, lead.course_id) : undefined,
              studentName: has('studentName') ? text(input, 'studentName', env.lang, { max: 200 }) : undefined,
              studentAge: has('studentAge') ? ageOf(input, 'studentAge', env.lang) : undefined,
              studentLevel: has('studentLevel') ? text(input, 'studentLevel', env.lang, { max: 100 }) : undefined,
            },
            env.actor,
          );
          const fields = changed.map((k) => fieldLabel(env.lang, EDITED_FIELD[k] ?? k)).join(', ');
          return { message: changed.length ? env.tr('adm.done.editDetails', { fields }) : env.tr('adm.done.editNothing'), redirectUrl: showUrl('leads', id) };
        },
      },
      log,
    ),

    deleteLead: formAction(
      {
        name: 'deleteLead',
        actionType: 'record',
        icon: 'Trash2',
        allowed: (p, ctx) => can(p, 'lead.delete', recordOf(ctx)),
        visible: open,
        form: (env) => ({
          intro: env.tr('adm.intro.deleteLead', { id: String(env.ctx.record?.id() ?? ''), name: str(env.ctx.record?.param('name')) }),
          fields: [],
          submit: env.tr('adm.submit.delete'),
          danger: true,
        }),
        submit: async (_input, env) => {
          const id = Number(env.ctx.record!.id());
          const done = await services.leads.remove(id, env.actor);
          return { message: env.tr('adm.done.deleteLead', { id, merged: done.mergedIds.length }), redirectUrl: listUrl('leads') };
        },
      },
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
