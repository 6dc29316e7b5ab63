import type { Role } from '../../db/types.js';
import { AppError } from '../errors.js';

/**
 * SPEC §10 in one place: "may this user do this action on this record?". Every front door (API,
 * bot, Mini App, back office) and the core use cases ask here; nothing else decides access.
 *
 * A record is only needed where ownership matters (a salesperson's own lead, follow-up, trial,
 * leave, KPI, inbox message, profile; the role of a user a manager edits). Rules that depend on
 * ownership are answered "no" without a record, so a forgotten record fails closed.
 */
export type Action =
  // users (record: the target user, or { role } of the user about to be created)
  | 'user.list'
  | 'user.view'
  | 'user.create'
  | 'user.update'
  | 'user.deactivate'
  | 'user.set_schedule'
  // leads (record: the lead)
  | 'lead.list'
  | 'lead.view'
  | 'lead.create'
  | 'lead.edit'
  | 'lead.delete'
  | 'lead.move'
  | 'lead.note'
  | 'lead.log_call'
  | 'lead.assign'
  | 'lead.merge'
  | 'lead.import'
  | 'lead.release'
  | 'lead.correct_status'
  | 'lead.view_queue'
  // follow-ups (record: the follow-up)
  | 'followup.view'
  | 'followup.complete'
  | 'followup.snooze'
  | 'followup.bulk'
  // courses, groups, rooms, holidays
  | 'catalog.view'
  | 'catalog.manage'
  | 'group.place_lead'
  | 'waitlist.join'
  // trials (record: the trial with the lead's assignee, or the lead)
  | 'trial.view'
  | 'trial.book'
  | 'trial.move'
  | 'trial.cancel'
  | 'trial.record_result'
  | 'trial.correct_result'
  | 'trial.delete'
  // analytics / KPI (record for kpi.view: { user_id })
  | 'analytics.view'
  | 'analytics.export'
  | 'kpi.view'
  | 'kpi.recompute'
  | 'ranking.view'
  // messages (record for message.read: the recipient row { user_id }; message.read_status: the message)
  | 'message.send'
  | 'message.view_all'
  | 'message.read'
  | 'message.read_status'
  // offers
  | 'offer.view'
  | 'offer.view_active'
  | 'offer.manage'
  // leave and absence (record: the leave request)
  | 'leave.request'
  | 'leave.cancel'
  | 'leave.view'
  | 'leave.view_all'
  | 'leave.decide'
  | 'absence.mark'
  // operations
  | 'outbox.view'
  | 'outbox.retry'
  | 'jobrun.view'
  | 'jobrun.run'
  | 'settings.view'
  | 'settings.update';

export interface PolicyUser {
  id: number;
  role: Role;
  is_active?: number | boolean;
}

/** Any record; ownership is read from the field that names its owner. */
export type PolicyRecord = {
  id?: number;
  role?: Role;
  assigned_to?: number | null;
  sales_id?: number | null;
  user_id?: number | null;
  sender_id?: number | null;
  status?: string;
  /** an explicit owner, when the caller has already resolved it (e.g. a trial's lead's assignee) */
  ownerId?: number | null;
};

type Rule = boolean | 'own' | ((user: PolicyUser, record: PolicyRecord | undefined) => boolean);

function ownerOf(action: Action, r: PolicyRecord): number | null | undefined {
  if (r.ownerId !== undefined) return r.ownerId;
  const area = action.split('.')[0];
  switch (area) {
    case 'user':
      return r.id;
    case 'lead':
    case 'group':
    case 'waitlist':
      return r.assigned_to;
    case 'followup':
      return r.sales_id;
    case 'trial':
      return r.assigned_to !== undefined ? r.assigned_to : r.sales_id;
    case 'kpi':
    case 'leave':
    case 'message':
      return r.user_id;
    default:
      return undefined;
  }
}

const isOwn = (action: Action, user: PolicyUser, record: PolicyRecord | undefined): boolean =>
  record !== undefined && ownerOf(action, record) === user.id;

/** admin: managers and sales, and their own profile; another admin only to look at. */
const adminManagesUser = (u: PolicyUser, r?: PolicyRecord) => !!r && (r.id === u.id || r.role === 'sales' || r.role === 'sales_manager');
/** a manager manages salespeople (hours, activity, courses, absence) and edits their own profile. */
const managerManagesUser = (u: PolicyUser, r?: PolicyRecord) => !!r && (r.role === 'sales' || r.id === u.id);
const pendingOwnLeave = (u: PolicyUser, r?: PolicyRecord) => !!r && r.user_id === u.id && r.status === 'pending';

const TABLE: Record<Action, Record<Role, Rule>> = {
  'user.list': { admin: true, sales_manager: true, sales: false },
  'user.view': { admin: true, sales_manager: true, sales: 'own' },
  'user.create': { admin: (_, r) => !!r && (r.role === 'sales' || r.role === 'sales_manager'), sales_manager: (_, r) => r?.role === 'sales', sales: false },
  'user.update': { admin: adminManagesUser, sales_manager: managerManagesUser, sales: 'own' },
  'user.deactivate': { admin: (u, r) => !!r && r.id !== u.id && (r.role === 'sales' || r.role === 'sales_manager'), sales_manager: (_, r) => r?.role === 'sales', sales: false },
  'user.set_schedule': { admin: adminManagesUser, sales_manager: (_, r) => r?.role === 'sales', sales: false },

  'lead.list': { admin: true, sales_manager: true, sales: true },
  'lead.view': { admin: true, sales_manager: true, sales: 'own' },
  'lead.create': { admin: true, sales_manager: true, sales: true },
  'lead.edit': { admin: true, sales_manager: false, sales: false },
  'lead.delete': { admin: true, sales_manager: false, sales: false },
  'lead.move': { admin: true, sales_manager: true, sales: 'own' },
  'lead.note': { admin: true, sales_manager: true, sales: 'own' },
  'lead.log_call': { admin: true, sales_manager: true, sales: 'own' },
  'lead.assign': { admin: true, sales_manager: true, sales: false },
  'lead.merge': { admin: true, sales_manager: true, sales: false },
  'lead.import': { admin: true, sales_manager: true, sales: false },
  'lead.release': { admin: true, sales_manager: true, sales: false },
  'lead.correct_status': { admin: true, sales_manager: true, sales: false },
  'lead.view_queue': { admin: true, sales_manager: true, sales: false },

  'followup.view': { admin: true, sales_manager: true, sales: 'own' },
  'followup.complete': { admin: true, sales_manager: true, sales: 'own' },
  'followup.snooze': { admin: true, sales_manager: true, sales: 'own' },
  'followup.bulk': { admin: true, sales_manager: true, sales: false },

  'catalog.view': { admin: true, sales_manager: true, sales: true },
  'catalog.manage': { admin: true, sales_manager: false, sales: false },
  // placing a lead in a group is part of working the lead: a salesperson's own, any lead for the rest
  'group.place_lead': { admin: true, sales_manager: true, sales: 'own' },
  'waitlist.join': { admin: true, sales_manager: true, sales: 'own' },

  'trial.view': { admin: true, sales_manager: true, sales: 'own' },
  'trial.book': { admin: true, sales_manager: false, sales: 'own' },
  'trial.move': { admin: true, sales_manager: false, sales: 'own' },
  'trial.cancel': { admin: true, sales_manager: false, sales: 'own' },
  'trial.record_result': { admin: true, sales_manager: false, sales: 'own' },
  'trial.correct_result': { admin: true, sales_manager: true, sales: false },
  'trial.delete': { admin: true, sales_manager: false, sales: false },

  'analytics.view': { admin: true, sales_manager: true, sales: false },
  'analytics.export': { admin: true, sales_manager: true, sales: false },
  'kpi.view': { admin: true, sales_manager: true, sales: 'own' },
  'kpi.recompute': { admin: true, sales_manager: true, sales: false },
  'ranking.view': { admin: true, sales_manager: true, sales: true },

  'message.send': { admin: true, sales_manager: true, sales: false },
  'message.view_all': { admin: true, sales_manager: false, sales: false },
  'message.read': { admin: 'own', sales_manager: 'own', sales: 'own' },
  'message.read_status': { admin: true, sales_manager: (u, r) => !!r && r.sender_id === u.id, sales: false },

  'offer.view': { admin: true, sales_manager: true, sales: false },
  'offer.view_active': { admin: true, sales_manager: true, sales: true },
  'offer.manage': { admin: true, sales_manager: false, sales: false },

  'leave.request': { admin: false, sales_manager: false, sales: true },
  'leave.cancel': { admin: false, sales_manager: false, sales: pendingOwnLeave },
  'leave.view': { admin: true, sales_manager: true, sales: 'own' },
  'leave.view_all': { admin: true, sales_manager: true, sales: false },
  'leave.decide': { admin: true, sales_manager: true, sales: false },
  'absence.mark': { admin: true, sales_manager: true, sales: false },

  'outbox.view': { admin: true, sales_manager: true, sales: false },
  'outbox.retry': { admin: true, sales_manager: true, sales: false },
  'jobrun.view': { admin: true, sales_manager: true, sales: false },
  'jobrun.run': { admin: true, sales_manager: true, sales: false },
  'settings.view': { admin: true, sales_manager: true, sales: false },
  'settings.update': { admin: true, sales_manager: false, sales: false },
};

export const ACTIONS = Object.keys(TABLE) as Action[];

export function can(user: PolicyUser | null | undefined, action: Action, record?: PolicyRecord): boolean {
  if (!user) return false;
  if (user.is_active !== undefined && !user.is_active) return false;
  const rule = TABLE[action]?.[user.role];
  if (rule === undefined) return false;
  if (typeof rule === 'boolean') return rule;
  if (rule === 'own') return isOwn(action, user, record);
  return rule(user, record);
}

/**
 * Throws when `can` says no. A refusal that exists only because the record belongs to someone
 * else is NOT_FOUND (a salesperson cannot learn that another's lead exists); others are FORBIDDEN.
 */
export function assertCan(user: PolicyUser | null | undefined, action: Action, record?: PolicyRecord, what = 'record'): void {
  if (can(user, action, record)) return;
  if (!user) throw new AppError('UNAUTHORIZED', 'sign in first');
  const rule = TABLE[action]?.[user.role];
  const owner = record !== undefined ? ownerOf(action, record) : undefined;
  const someoneElses = owner !== undefined && owner !== user.id;
  // a salesperson's refusals on another's record look like "no such record"; managers' and admins'
  // refusals are about their role and say so
  const hidden = someoneElses && (rule === 'own' || (typeof rule === 'function' && user.role === 'sales'));
  if (hidden) throw new AppError('NOT_FOUND', `${what} not found`);
  throw new AppError('FORBIDDEN', `not allowed: ${action}`);
}
