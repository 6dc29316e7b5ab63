import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * Storage conventions, the same on SQLite and PostgreSQL so rows compare equal on both:
 * - instants are ISO-8601 UTC text (`2026-03-04T04:10:00.000Z`), which sorts as time does;
 * - local dates are `YYYY-MM-DD`, local times `HH:MM`, both in the center's time zone;
 * - booleans are integers 0/1; money is integer UZS; lists are JSON text.
 */
type Id = Generated<number>;
type Bool = number;
type Instant = string;

export type Role = 'admin' | 'sales_manager' | 'sales';
export type Lang = 'uz' | 'ru' | 'en';
export type LeadStatus =
  | 'new'
  | 'contacted'
  | 'interested'
  | 'trial_registered'
  | 'trial_attended'
  | 'trial_not_attended'
  | 'offer_sent'
  | 'enrolled'
  | 'lost'
  | 'reactivation';
export type LeadSource =
  | 'instagram'
  | 'telegram'
  | 'youtube'
  | 'organic'
  | 'form'
  | 'excel'
  | 'google_sheets'
  | 'walk_in'
  | 'phone_call'
  | 'referral'
  | 'other';
export type FollowUpState = 'open' | 'done' | 'superseded';
export type TrialResult = 'attended' | 'not_attended' | 'offer_sent' | 'accepted' | 'rejected';
export type LeaveStatus = 'pending' | 'approved' | 'rejected' | 'cancelled';
export type Priority = 'urgent' | 'high' | 'normal' | 'low';
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

export interface UsersTable {
  id: Id;
  username: string;
  full_name: string;
  phone: string | null;
  role: Role;
  password_hash: string | null;
  telegram_user_id: string | null;
  telegram_chat_id: string | null;
  work_start: Generated<string>;
  work_end: Generated<string>;
  /** JSON array of ISO weekdays, 1 = Monday … 7 = Sunday */
  work_days: Generated<string>;
  is_active_sales: Generated<Bool>;
  /** JSON array of course ids; empty = covers every course */
  course_ids: Generated<string>;
  language: Generated<Lang>;
  is_active: Generated<Bool>;
  /** denormalized count of open, assigned leads, kept in the same transaction as every lead change */
  open_lead_count: Generated<number>;
  last_assigned_at: Instant | null;
  /** set while the ≥5-overdue block lasts, so its start alerts managers once */
  blocked_since: Instant | null;
  failed_logins: Generated<number>;
  locked_until: Instant | null;
  created_at: Instant;
  updated_at: Instant;
}

export interface LeadsTable {
  id: Id;
  name: string;
  phone: string;
  phone2: string | null;
  student_name: string | null;
  student_age: number | null;
  student_level: string | null;
  course_id: number | null;
  source: LeadSource;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_content: string | null;
  utm_term: string | null;
  status: LeadStatus;
  lost_reason: string | null;
  lost_reason_text: string | null;
  assigned_to: number | null;
  previous_assignee: number | null;
  parked: Generated<Bool>;
  notes: string | null;
  last_note: string | null;
  group_id: number | null;
  agreed_price: number | null;
  offer_id: number | null;
  created_by: number | null;
  created_at: Instant;
  updated_at: Instant;
  status_at: Instant;
  lost_at: Instant | null;
  enrolled_at: Instant | null;
  first_contact_at: Instant | null;
  assigned_at: Instant | null;
  first_response_alerted: Generated<Bool>;
  no_answer_alerted: Generated<Bool>;
  merged_into: number | null;
}

export interface LeadPhonesTable {
  phone: string;
  lead_id: number;
}

export interface LeadEventsTable {
  id: Id;
  lead_id: number;
  actor_id: number | null;
  type: string;
  from_status: LeadStatus | null;
  to_status: LeadStatus | null;
  /** JSON object with event details (reason, outcome, note, ids) */
  data: string | null;
  created_at: Instant;
}

export interface FollowUpsTable {
  id: Id;
  lead_id: number;
  sales_id: number | null;
  due_at: Instant;
  /** plan row and step, e.g. `contacted:2`, `trial_before_1d`, `callback`, `reactivation:14_days` */
  kind: string;
  plan_status: LeadStatus | null;
  step: Generated<number>;
  trial_id: number | null;
  state: Generated<FollowUpState>;
  completed_at: Instant | null;
  completed_by: number | null;
  closed_at: Instant | null;
  snooze_count: Generated<number>;
  overdue: Generated<Bool>;
  overdue_notified: Generated<Bool>;
  reminder_sent: Generated<Bool>;
  notes: string | null;
  created_at: Instant;
}

export interface CoursesTable {
  id: Id;
  name: string;
  price: Generated<number>;
  sales_script: string | null;
  lesson_minutes: Generated<number>;
  lessons_per_week: Generated<number>;
  active: Generated<Bool>;
  created_at: Instant;
}

export interface RoomsTable {
  id: Id;
  name: string;
  capacity: number;
  active: Generated<Bool>;
}

export interface StudyGroupsTable {
  id: Id;
  course_id: number;
  name: string;
  days: 'odd' | 'even' | 'daily';
  start_time: string;
  room_id: number | null;
  capacity: number;
  current_students: Generated<number>;
  start_date: string | null;
  created_at: Instant;
  active: Generated<Bool>;
}

export interface WaitlistTable {
  id: Id;
  lead_id: number;
  group_id: number;
  since: Instant;
  notified_at: Instant | null;
}

export interface TrialsTable {
  id: Id;
  lead_id: number;
  group_id: number;
  sales_id: number | null;
  date: string;
  time: string;
  room_id: number | null;
  starts_at: Instant;
  ends_at: Instant;
  result: TrialResult | null;
  cancelled: Generated<Bool>;
  notes: string | null;
  booked_by: number | null;
  booked_at: Instant;
  reminder_sent: Generated<Bool>;
  result_reminder_sent: Generated<Bool>;
}

export interface LeaveRequestsTable {
  id: Id;
  user_id: number;
  start_date: string;
  end_date: string;
  start_time: string | null;
  end_time: string | null;
  /** the period as UTC instants, so "on leave at t" is one indexed range test */
  starts_at: Instant;
  ends_at: Instant;
  reason: string | null;
  status: Generated<LeaveStatus>;
  decided_by: number | null;
  decided_at: Instant | null;
  rejection_reason: string | null;
  start_notified: Generated<Bool>;
  end_notified: Generated<Bool>;
  created_at: Instant;
}

export interface AbsencesTable {
  id: Id;
  user_id: number;
  date: string;
  marked_by: number | null;
  created_at: Instant;
}

export interface HolidaysTable {
  id: Id;
  date: string;
  name: string | null;
}

export interface KpiDailyTable {
  id: Id;
  user_id: number;
  date: string;
  daily_contacts: Generated<number>;
  daily_followups: Generated<number>;
  followup_completion_rate: number | null;
  trials_registered: Generated<number>;
  trials_to_sales: Generated<number>;
  conversion_rate: number | null;
  response_time: number | null;
  overdue_count: Generated<number>;
  on_leave: Generated<Bool>;
  report_sent: Generated<Bool>;
  computed_at: Instant;
}

export interface ReactivationsTable {
  id: Id;
  lead_id: number;
  lost_at: Instant;
  type: '7_days' | '14_days' | '30_days';
  sent_at: Instant;
  result: string | null;
}

export interface SalesMessagesTable {
  id: Id;
  sender_id: number;
  subject: string;
  body: string;
  priority: Generated<Priority>;
  sent_to_telegram: Generated<Bool>;
  created_at: Instant;
}

export interface SalesMessageRecipientsTable {
  message_id: number;
  user_id: number;
}

export interface SalesMessageReadsTable {
  id: Id;
  message_id: number;
  user_id: number;
  read_at: Instant;
}

export interface OffersTable {
  id: Id;
  title: string;
  description: string | null;
  type: Generated<'discount' | 'bonus' | 'package' | 'other'>;
  priority: Generated<number>;
  channel: Generated<'all' | 'followup' | 'reactivation' | 'trial' | 'general'>;
  audience: Generated<'all' | 'new' | 'lost' | 'reactivation' | 'trial'>;
  course_id: number | null;
  valid_from: Instant | null;
  valid_until: Instant | null;
  active: Generated<Bool>;
  created_by: number | null;
  created_at: Instant;
}

export interface CenterSettingsTable {
  id: number;
  center_name: string;
  address: string | null;
  map_link: string | null;
  contact_phone: string | null;
  default_work_start: Generated<string>;
  default_work_end: Generated<string>;
  default_work_days: Generated<string>;
  /** JSON: { uz: {title, description}, ru: …, en: … } */
  landing_texts: string | null;
  first_response_minutes: Generated<number>;
  team_chat_id: string | null;
  updated_at: Instant;
}

export interface OutboxTable {
  id: Id;
  chat_id: string | null;
  user_id: number | null;
  kind: string;
  /** JSON payload the renderer turns into text and buttons in the recipient's language */
  payload: string;
  priority: Generated<Priority>;
  /** not delivered before this instant (quiet hours: next shift start) */
  not_before: Instant;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  last_error: string | null;
  claimed_at: Instant | null;
  claimed_by: string | null;
  /** set when a send went out and no answer came back: one resend is then allowed */
  unknown_outcome: Generated<Bool>;
  sent_at: Instant | null;
  telegram_message_id: string | null;
  dedupe_key: string | null;
  created_at: Instant;
}

export interface JobRunsTable {
  id: Id;
  job: string;
  slot: Instant;
  status: 'running' | 'ok' | 'failed';
  owner: string | null;
  started_at: Instant;
  finished_at: Instant | null;
  duration_ms: number | null;
  error: string | null;
  result: string | null;
}

export interface SessionsTable {
  sid: string;
  data: string;
  expires_at: Instant;
}

export interface RateLimitsTable {
  key: string;
  window_start: Instant;
  count: Generated<number>;
}

export interface TelegramLinksTable {
  token: string;
  user_id: number;
  expires_at: Instant;
  used_at: Instant | null;
  created_at: Instant;
}

export interface KvStateTable {
  key: string;
  value: string;
  updated_at: Instant;
}

export interface ImportsTable {
  id: Id;
  kind: 'excel' | 'google_sheets';
  file_name: string | null;
  /** staging = the dry run is still reading the file */
  status: 'staging' | 'staged' | 'committing' | 'committed' | 'failed';
  /** JSON counts: total, new, duplicate, invalid */
  counts: string | null;
  progress: Generated<number>;
  distribute_now: Generated<Bool>;
  error: string | null;
  created_by: number | null;
  created_at: Instant;
  finished_at: Instant | null;
}

export interface ImportRowsTable {
  import_id: number;
  row_no: number;
  /** JSON of the normalized row */
  data: string;
  outcome: 'new' | 'duplicate' | 'invalid';
  reason: string | null;
}

export interface DB {
  users: UsersTable;
  leads: LeadsTable;
  lead_phones: LeadPhonesTable;
  lead_events: LeadEventsTable;
  follow_ups: FollowUpsTable;
  courses: CoursesTable;
  rooms: RoomsTable;
  study_groups: StudyGroupsTable;
  waitlist: WaitlistTable;
  trials: TrialsTable;
  leave_requests: LeaveRequestsTable;
  absences: AbsencesTable;
  holidays: HolidaysTable;
  kpi_daily: KpiDailyTable;
  reactivations: ReactivationsTable;
  sales_messages: SalesMessagesTable;
  sales_message_recipients: SalesMessageRecipientsTable;
  sales_message_reads: SalesMessageReadsTable;
  offers: OffersTable;
  center_settings: CenterSettingsTable;
  outbox: OutboxTable;
  job_runs: JobRunsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  telegram_links: TelegramLinksTable;
  kv_state: KvStateTable;
  imports: ImportsTable;
  import_rows: ImportRowsTable;
}

export type User = Selectable<UsersTable>;
export type Lead = Selectable<LeadsTable>;
export type NewLead = Insertable<LeadsTable>;
export type LeadUpdate = Updateable<LeadsTable>;
export type LeadEvent = Selectable<LeadEventsTable>;
export type FollowUp = Selectable<FollowUpsTable>;
export type Course = Selectable<CoursesTable>;
export type Room = Selectable<RoomsTable>;
export type StudyGroup = Selectable<StudyGroupsTable>;
export type Trial = Selectable<TrialsTable>;
export type LeaveRequest = Selectable<LeaveRequestsTable>;
export type Offer = Selectable<OffersTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type KpiRow = Selectable<KpiDailyTable>;
export type CenterSettings = Selectable<CenterSettingsTable>;
