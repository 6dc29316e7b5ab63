import { z } from '@hono/zod-openapi';
import type { FollowUp, Lead, Trial } from '../../db/types.js';
import { STATUSES, SOURCES } from '../../core/leads/statuses.js';
import { isLocalDay } from '../../core/worktime/worktime.js';
import type { LeadListRow } from '../../core/leads/leads-service.js';

/** Shared response shapes of the staff API (camelCase, instants as ISO-8601 UTC text). */

export const statusEnum = z.enum(STATUSES as [string, ...string[]]).openapi('LeadStatus');
export const sourceEnum = z.enum(SOURCES as [string, ...string[]]).openapi('LeadSource');

/** A calendar date: the pattern alone lets 2026-02-30 through, and every zone conversion of it is NaN. */
export const localDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD').refine(isLocalDay, 'must be a date YYYY-MM-DD');

export const idParam = z.object({ id: z.coerce.number().int().positive().openapi({ param: { name: 'id', in: 'path' }, example: 42 }) });

export const leadSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    phone: z.string(),
    phone2: z.string().nullable(),
    studentName: z.string().nullable(),
    studentAge: z.number().int().nullable(),
    studentLevel: z.string().nullable(),
    courseId: z.number().int().nullable(),
    source: z.string(),
    utm: z.object({ source: z.string().nullable(), medium: z.string().nullable(), campaign: z.string().nullable(), content: z.string().nullable(), term: z.string().nullable() }),
    status: z.string(),
    lostReason: z.string().nullable(),
    lostReasonText: z.string().nullable(),
    assignedTo: z.number().int().nullable(),
    parked: z.boolean(),
    notes: z.string().nullable(),
    lastNote: z.string().nullable(),
    groupId: z.number().int().nullable(),
    agreedPrice: z.number().int().nullable(),
    offerId: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    statusAt: z.string(),
    lostAt: z.string().nullable(),
    enrolledAt: z.string().nullable(),
    firstContactAt: z.string().nullable(),
    assignedAt: z.string().nullable(),
  })
  .openapi('Lead');
export type LeadView = z.infer<typeof leadSchema>;

const num = (v: number | null | undefined) => (v == null ? null : Number(v));

export function leadView(l: Lead): LeadView {
  return {
    id: Number(l.id),
    name: l.name,
    phone: l.phone,
    phone2: l.phone2,
    studentName: l.student_name,
    studentAge: num(l.student_age),
    studentLevel: l.student_level,
    courseId: num(l.course_id),
    source: l.source,
    utm: { source: l.utm_source, medium: l.utm_medium, campaign: l.utm_campaign, content: l.utm_content, term: l.utm_term },
    status: l.status,
    lostReason: l.lost_reason,
    lostReasonText: l.lost_reason_text,
    assignedTo: num(l.assigned_to),
    parked: !!l.parked,
    notes: l.notes,
    lastNote: l.last_note,
    groupId: num(l.group_id),
    agreedPrice: num(l.agreed_price),
    offerId: num(l.offer_id),
    createdAt: l.created_at,
    updatedAt: l.updated_at,
    statusAt: l.status_at,
    lostAt: l.lost_at,
    enrolledAt: l.enrolled_at,
    firstContactAt: l.first_contact_at,
    assignedAt: l.assigned_at,
  };
}

/** A row of a lead list: what the list shows; the whole lead comes from GET /api/leads/{id}. */
export const leadListItemSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    phone: z.string(),
    status: z.string(),
    source: z.string(),
    courseId: z.number().int().nullable(),
    assignedTo: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi('LeadListItem');

export function leadListItemView(l: LeadListRow): z.infer<typeof leadListItemSchema> {
  return {
    id: Number(l.id),
    name: l.name,
    phone: l.phone,
    status: l.status,
    source: l.source,
    courseId: num(l.course_id),
    assignedTo: num(l.assigned_to),
    createdAt: l.created_at,
  };
}

export const followUpSchema = z
  .object({
    id: z.number().int(),
    leadId: z.number().int(),
    salesId: z.number().int().nullable(),
    dueAt: z.string(),
    kind: z.string().openapi({ description: 'plan row and step, e.g. `contacted:2`, `trial_before_2h`, `callback`' }),
    state: z.enum(['open', 'done', 'superseded']),
    overdue: z.boolean(),
    snoozeCount: z.number().int(),
    completedAt: z.string().nullable(),
    notes: z.string().nullable(),
  })
  .openapi('FollowUp');

export function followUpView(f: FollowUp): z.infer<typeof followUpSchema> {
  return {
    id: Number(f.id),
    leadId: Number(f.lead_id),
    salesId: num(f.sales_id),
    dueAt: f.due_at,
    kind: f.kind,
    state: f.state,
    overdue: !!f.overdue,
    snoozeCount: Number(f.snooze_count),
    completedAt: f.completed_at,
    notes: f.notes,
  };
}

export const trialSchema = z
  .object({
    id: z.number().int(),
    leadId: z.number().int(),
    groupId: z.number().int(),
    salesId: z.number().int().nullable(),
    date: z.string().openapi({ example: '2026-11-27' }),
    time: z.string().openapi({ example: '15:00' }),
    roomId: z.number().int().nullable(),
    startsAt: z.string(),
    endsAt: z.string(),
    result: z.enum(['attended', 'not_attended', 'offer_sent', 'accepted', 'rejected']).nullable(),
    cancelled: z.boolean(),
    notes: z.string().nullable(),
  })
  .openapi('Trial');

export function trialView(t: Trial): z.infer<typeof trialSchema> {
  return {
    id: Number(t.id),
    leadId: Number(t.lead_id),
    groupId: Number(t.group_id),
    salesId: num(t.sales_id),
    date: t.date,
    time: t.time,
    roomId: num(t.room_id),
    startsAt: t.starts_at,
    endsAt: t.ends_at,
    result: t.result,
    cancelled: !!t.cancelled,
    notes: t.notes,
  };
}

export const eventSchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    fromStatus: z.string().nullable(),
    toStatus: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    actorId: z.number().int().nullable(),
    actorName: z.string().nullable(),
  })
  .openapi('LeadEvent');

export const okSchema = z.object({ ok: z.literal(true) }).openapi('Ok');
export const countSchema = z.object({ updated: z.number().int() }).openapi('Updated');
