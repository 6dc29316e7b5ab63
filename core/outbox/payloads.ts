import type { OutboxKind } from './outbox.js';

/**
 * What each notification kind carries in `outbox.payload`. The renderer (bot/render.ts) reads
 * these fields defensively: a missing optional field only drops its line, so producers may start
 * with the required ones. Instants are ISO-8601 UTC, local dates 'YYYY-MM-DD'.
 */
export interface LeadRef {
  leadId: number;
  leadName: string;
  phone?: string | null;
}

export interface OfferRef {
  title: string;
  discountPercent?: number | null;
  validUntil?: string | null;
}

export interface TeamRow {
  name: string;
  contacts?: number;
  followupsDone?: number;
  followupsDue?: number;
  overdue?: number;
  trials?: number;
  enrolled?: number;
  /** 0..1 */
  conversionRate?: number | null;
}

export interface OutboxPayloads {
  lead_assigned: LeadRef & { courseName?: string | null; source?: string | null; note?: string | null; reassigned?: boolean };
  lead_touched: LeadRef & { source?: string | null; status?: string | null; note?: string | null };
  student_returned: LeadRef & { courseName?: string | null; note?: string | null };
  followup_due: LeadRef & { followUpId: number; dueAt: string; note?: string | null };
  followup_overdue: LeadRef & { followUpId: number; dueAt: string; note?: string | null };
  trial_reminder: LeadRef & { trialId: number; startsAt: string; groupName?: string | null; roomName?: string | null; courseName?: string | null; address?: string | null };
  trial_no_result: LeadRef & { trialId: number; startsAt: string; groupName?: string | null };
  waitlist_spot_freed: LeadRef & { groupName: string; courseName?: string | null; freeSpots?: number };
  reactivation_milestone: LeadRef & { days: number; offers?: OfferRef[] };
  /** userName is set when the notice goes to a manager about someone else */
  leave_started: { leaveId: number; from: string; to: string; userName?: string | null };
  leave_ended: { leaveId: number; from: string; to: string; userName?: string | null };
  daily_summary: {
    date: string;
    userName?: string | null;
    contacts: number;
    followupsDone: number;
    followupsDue: number;
    overdue: number;
    trialsTomorrow: number;
  };
  kpi_report: {
    date: string;
    contacts?: number;
    followupsDone?: number;
    /** 0..1, null when nothing was due */
    completionRate?: number | null;
    trialsRegistered?: number;
    trialsToSales?: number;
    conversionRate?: number | null;
    responseMinutes?: number | null;
    overdue?: number;
  };
  manager_message: { fromName: string; text: string; urgent?: boolean; messageId?: number };
  block_started: { userId: number; userName: string; overdueCount: number };
  first_response_breach: LeadRef & { salespersonName?: string | null; minutes?: number };
  no_answer_streak: LeadRef & { salespersonName?: string | null; count: number };
  unassigned_waiting: { count: number; oldestAt?: string | null };
  landing_digest: { leads: Array<LeadRef & { courseName?: string | null }>; total?: number };
  leave_request_pending: { leaveId: number; userName: string; from: string; to: string; reason?: string | null };
  leave_decided: { leaveId: number; from: string; to: string; approved: boolean; reason?: string | null };
  team_table: { date: string; rows: TeamRow[] };
  team_ranking: { date: string; rows: TeamRow[] };
}

// Fails to compile when a kind is added to OutboxKind without a payload shape here.
type Missing = Exclude<OutboxKind, keyof OutboxPayloads>;
const _everyKindHasAPayload: Missing extends never ? true : Missing = true;
void _everyKindHasAPayload;

export type OutboxPayload<K extends OutboxKind> = OutboxPayloads[K];
