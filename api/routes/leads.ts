import { z } from '@hono/zod-openapi';
import type { LeadSource, LeadStatus } from '../../db/types.js';
import { CALL_OUTCOMES, LOST_REASONS, MANUAL_SOURCES, SOURCES, STATUSES } from '../../core/leads/statuses.js';
import { validation } from '../../core/errors.js';
import { isActiveCourse } from '../../core/landing/content.js';
import { newRouter, type RouteDeps } from '../router.js';
import { isManager, jsonBody, jsonOk, managersOnly, staffRoute } from './common.js';
import { eventSchema, followUpSchema, followUpView, idParam, leadListItemSchema, leadListItemView, leadSchema, leadView, localDay, okSchema, trialSchema, trialView } from './views.js';

const tags = ['Leads'];
const text = (max: number) => z.string().trim().max(max);
const csvOf = <T extends string>(values: readonly T[], name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v) return undefined;
      const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
      const bad = parts.find((p) => !(values as readonly string[]).includes(p));
      if (bad) {
        ctx.addIssue({ code: 'custom', message: `"${bad}" is not a ${name}` });
        return z.NEVER;
      }
      return parts as T[];
    })
    .openapi({ description: `comma-separated ${name}s`, type: 'string' });
const flag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => (v === undefined ? undefined : v === 'true'));


const listRoute = staffRoute({
  method: 'get',
  path: '/api/leads',
  tags,
  summary: 'Leads, newest first, with keyset pagination (a salesperson sees only their own)',
  description:
    'Pass `next` of a page as `before` to get the following page; pages stay stable while new leads arrive. ' +
    '`assignedTo`, `unassigned` and `parked` are manager filters (the unassigned queue is `unassigned=true`).',
  request: {
    query: z.object({
      status: csvOf(STATUSES, 'status'),
      source: csvOf(SOURCES, 'source'),
      q: text(100).optional().openapi({ description: 'name or phone digits' }),
      open: flag.openapi({ type: 'string', description: 'only open statuses' }),
      before: z.coerce.number().int().positive().optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
      assignedTo: z.coerce.number().int().positive().optional(),
      unassigned: flag.openapi({ type: 'string' }),
      parked: flag.openapi({ type: 'string' }),
    }),
  },
  responses: {
    200: jsonOk(
      z
        .object({ items: z.array(leadListItemSchema), next: z.number().int().nullable() })
        .openapi('LeadPage', { description: 'list rows carry what a list shows; the whole lead (notes, UTM, dates) is GET /api/leads/{id}' }),
    ),
  },
});

const createLeadSchema = z
  .strictObject({
    name: text(200).min(1, 'is required'),
    phone: text(40).min(1, 'is required'),
    phone2: text(40).optional().nullable(),
    courseId: z.number().int().positive().optional().nullable(),
    source: z.enum(MANUAL_SOURCES),
    note: text(4000).optional().nullable(),
    studentName: text(200).optional().nullable(),
    studentAge: z.number().int().min(1).max(120).optional().nullable(),
    studentLevel: text(100).optional().nullable(),
  })
  .openapi('NewLead');

const createRoute_ = staffRoute({
  method: 'post',
  path: '/api/leads',
  tags,
  summary: 'Add a lead (a salesperson’s lead stays theirs; a manager’s is distributed)',
  request: { body: jsonBody(createLeadSchema) },
  responses: {
    201: jsonOk(z.object({ lead: leadSchema, duplicate: z.literal(false) }), 'Created'),
    200: jsonOk(
      z.object({ lead: leadSchema.nullable(), duplicate: z.literal(true), outcome: z.string() }).openapi({ description: '`lead` is null when the known lead belongs to someone else' }),
      'A known phone number: the existing lead was touched',
    ),
  },
});

const detailsRoute = staffRoute({
  method: 'get',
  path: '/api/leads/{id}',
  tags,
  summary: 'A lead with its timeline, follow-ups and trials',
  request: { params: idParam },
  responses: {
    200: jsonOk(z.object({ lead: leadSchema, events: z.array(eventSchema), followUps: z.array(followUpSchema), trials: z.array(trialSchema) }).openapi('LeadDetails')),
  },
});

const trialSlot = z.strictObject({ groupId: z.number().int().positive(), date: localDay });

const moveSchema = z
  .strictObject({
    to: z.enum(STATUSES as [LeadStatus, ...LeadStatus[]]),
    lostReason: z.enum(LOST_REASONS).optional().nullable(),
    lostReasonText: text(500).optional().nullable(),
    note: text(4000).optional().nullable(),
    groupId: z.number().int().positive().optional().nullable(),
    agreedPrice: z.number().int().min(0).optional().nullable(),
    offerId: z.number().int().positive().optional().nullable(),
    trial: trialSlot.optional().nullable(),
  })
  .openapi('StatusMove');

const moveRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/status',
  tags,
  summary: 'Move a lead to another status (SPEC §3 table; lost needs a reason, enrolled a group, trial_registered a trial slot)',
  request: { params: idParam, body: jsonBody(moveSchema) },
  responses: { 200: jsonOk(leadSchema) },
}, { errors: [409] });

const correctRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/correct-status',
  tags: ['Leads', 'Manager'],
  summary: 'Managers: set any status with a recorded reason (every other rule still holds)',
  middleware: [managersOnly] as const,
  request: { params: idParam, body: jsonBody(moveSchema.extend({ reason: text(500).min(1, 'is required') }).openapi('StatusCorrection')) },
  responses: { 200: jsonOk(leadSchema) },
}, { errors: [409] });

const callRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/calls',
  tags,
  summary: 'Log a call outcome without a status change ("call back at" plans a follow-up)',
  request: {
    params: idParam,
    body: jsonBody(
      z.strictObject({ outcome: z.enum(CALL_OUTCOMES), note: text(4000).optional().nullable(), callbackAt: z.union([z.iso.datetime({ offset: true }), z.iso.datetime({ local: true })]).optional().nullable().openapi({ description: 'an instant with an offset, or a local date-time in the center’s time zone' }) }).openapi('CallLog'),
    ),
  },
  responses: { 200: jsonOk(leadSchema) },
});

const noteRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/notes',
  tags,
  summary: 'Add a note to a lead',
  request: { params: idParam, body: jsonBody(z.strictObject({ text: text(4000).min(1, 'the note is empty') })) },
  responses: { 200: jsonOk(leadSchema) },
});

const bookRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/trials',
  tags: ['Trials'],
  summary: 'Book a trial lesson (moves the lead to trial_registered)',
  request: { params: idParam, body: jsonBody(trialSlot.openapi('TrialSlot')) },
  responses: { 201: jsonOk(z.object({ lead: leadSchema, trial: trialSchema }), 'Booked') },
}, { errors: [409] });

const enrollRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/enroll',
  tags,
  summary: 'Enroll into a group with a free spot (GROUP_FULL offers the waitlist)',
  request: {
    params: idParam,
    body: jsonBody(
      z.strictObject({ groupId: z.number().int().positive(), agreedPrice: z.number().int().min(0).optional().nullable(), offerId: z.number().int().positive().optional().nullable() }).openapi('Enrollment'),
    ),
  },
  responses: { 200: jsonOk(leadSchema) },
}, { errors: [409] });

const waitlistRoute = staffRoute({
  method: 'post',
  path: '/api/leads/{id}/waitlist',
  tags,
  summary: 'Put an open lead on the waitlist of a full group',
  request: { params: idParam, body: jsonBody(z.strictObject({ groupId: z.number().int().positive() })) },
  responses: { 200: jsonOk(okSchema) },
}, { errors: [409] });

const ids = z.array(z.number().int().positive()).min(1, 'choose at least one lead').max(1000);

const assignRoute = staffRoute({
  method: 'post',
  path: '/api/leads/assign',
  tags: ['Manager'],
  summary: 'Managers: assign or reassign leads to a salesperson (their open follow-ups move along)',
  middleware: [managersOnly] as const,
  request: { body: jsonBody(z.strictObject({ leadIds: ids, toUserId: z.number().int().positive() })) },
  responses: { 200: jsonOk(z.object({ items: z.array(leadSchema) })) },
}, { errors: [404] });

const mergeRoute = staffRoute({
  method: 'post',
  path: '/api/leads/merge',
  tags: ['Manager'],
  summary: 'Managers: merge two leads (the other one’s events, follow-ups and trials move to the survivor)',
  middleware: [managersOnly] as const,
  request: { body: jsonBody(z.strictObject({ survivorId: z.number().int().positive(), otherId: z.number().int().positive() })) },
  responses: { 200: jsonOk(leadSchema) },
}, { errors: [404] });

const releaseRoute = staffRoute({
  method: 'post',
  path: '/api/leads/release',
  tags: ['Manager'],
  summary: 'Managers: release parked (imported) leads: chosen ids, a source, N per available salesperson, or all',
  middleware: [managersOnly] as const,
  request: {
    body: jsonBody(
      z.strictObject({
        ids: z.array(z.number().int().positive()).max(10_000).optional(),
        source: z.enum(SOURCES as [LeadSource, ...LeadSource[]]).optional(),
        perSalesperson: z.number().int().positive().max(10_000).optional(),
        limit: z.number().int().positive().max(100_000).optional(),
      }),
    ),
  },
  responses: { 200: jsonOk(z.object({ released: z.number().int() })) },
}, { errors: [409] });

export function leadRoutes({ services }: RouteDeps) {
  const leads = services.leads;
  return newRouter()
    .openapi(listRoute, async (c) => {
      const user = c.get('user');
      const q = c.req.valid('query');
      const page = await leads.list(
        { status: q.status, source: q.source, q: q.q, openOnly: q.open, before: q.before, limit: q.limit, assignedTo: q.assignedTo, unassigned: q.unassigned, parked: q.parked },
        user,
      );
      return c.json({ items: page.items.map(leadListItemView), next: page.next == null ? null : Number(page.next) }, 200);
    })
    .openapi(createRoute_, async (c) => {
      const user = c.get('user');
      const body = c.req.valid('json');
      // an unknown course id would otherwise fail deep in the insert (a foreign key) as a 500
      if (body.courseId != null && !(await isActiveCourse(services.deps.db, body.courseId))) throw validation('courseId', 'is not an active course');
      const r = await leads.intake({ ...body }, user);
      if (!r.duplicate) return c.json({ lead: leadView(r.lead), duplicate: false as const }, 201);
      // a known phone may belong to someone else's lead: say it is known, show it only to who may see it
      const visible = isManager(user.role) || r.lead.assigned_to === user.id;
      return c.json({ lead: visible ? leadView(r.lead) : null, duplicate: true as const, outcome: r.outcome }, 200);
    })
    .openapi(detailsRoute, async (c) => {
      const d = await leads.details(c.req.valid('param').id, c.get('user'));
      return c.json(
        {
          lead: leadView(d.lead),
          events: d.events.map((e) => ({
            id: Number(e.id),
            type: e.type,
            fromStatus: e.from_status,
            toStatus: e.to_status,
            data: e.data as Record<string, unknown> | null,
            createdAt: e.created_at,
            actorId: e.actor_id == null ? null : Number(e.actor_id),
            actorName: e.actor_name ?? null,
          })),
          followUps: d.followUps.map(followUpView),
          trials: d.trials.map(trialView),
        },
        200,
      );
    })
    .openapi(moveRoute, async (c) => {
      const lead = await leads.move(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json(leadView(lead), 200);
    })
    .openapi(correctRoute, async (c) => {
      const lead = await leads.correctStatus(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json(leadView(lead), 200);
    })
    .openapi(callRoute, async (c) => {
      const lead = await leads.logCall(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json(leadView(lead), 200);
    })
    .openapi(noteRoute, async (c) => {
      const lead = await leads.addNote(c.req.valid('param').id, c.req.valid('json').text, c.get('user'));
      return c.json(leadView(lead), 200);
    })
    .openapi(bookRoute, async (c) => {
      const r = await leads.bookTrial(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json({ lead: leadView(r.lead), trial: trialView(r.trial) }, 201);
    })
    .openapi(enrollRoute, async (c) => {
      const lead = await leads.enroll(c.req.valid('param').id, c.req.valid('json'), c.get('user'));
      return c.json(leadView(lead), 200);
    })
    .openapi(waitlistRoute, async (c) => {
      await leads.waitlist(c.req.valid('param').id, c.req.valid('json').groupId, c.get('user'));
      return c.json({ ok: true as const }, 200);
    })
    .openapi(assignRoute, async (c) => {
      const body = c.req.valid('json');
      const items = await leads.assign(body.leadIds, body.toUserId, c.get('user'));
      return c.json({ items: items.map(leadView) }, 200);
    })
    .openapi(mergeRoute, async (c) => {
      const body = c.req.valid('json');
      const lead = await leads.merge(body.survivorId, body.otherId, c.get('user'));
      return c.json(leadView(lead), 200);
    })
    .openapi(releaseRoute, async (c) => {
      const r = await leads.releaseParked(c.req.valid('json'), c.get('user'));
      return c.json({ released: Number(r.released) }, 200);
    });
}
