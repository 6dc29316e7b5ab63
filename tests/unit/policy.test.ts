import { describe, expect, it } from 'vitest';
import { ACTIONS, assertCan, can, type Action, type PolicyRecord, type PolicyUser } from '../../core/policy/policy.js';
import { AppError } from '../../core/errors.js';
import type { Role } from '../../db/types.js';

/**
 * SPEC §10 written out by hand, row by row: for every action, the record it is asked about and
 * the answer for admin / sales_manager / sales. Not derived from the policy's own table.
 */
const ADMIN: PolicyUser = { id: 1, role: 'admin' };
const MANAGER: PolicyUser = { id: 2, role: 'sales_manager' };
const SALES: PolicyUser = { id: 3, role: 'sales' };
const OTHER_SALES = 4;
const OTHER_MANAGER = 5;
const OTHER_ADMIN = 6;

type RecordKind =
  | 'none'
  | 'self'
  | 'otherSales'
  | 'otherManager'
  | 'otherAdmin'
  | 'newSales'
  | 'newManager'
  | 'newAdmin'
  | 'ownLead'
  | 'othersLead'
  | 'ownFollowUp'
  | 'othersFollowUp'
  | 'ownTrial'
  | 'othersTrial'
  | 'ownKpi'
  | 'othersKpi'
  | 'ownInboxRow'
  | 'othersInboxRow'
  | 'sentBySelf'
  | 'sentByOther'
  | 'ownPendingLeave'
  | 'ownApprovedLeave'
  | 'othersPendingLeave'
  | 'ownLeave'
  | 'othersLeave';

/** The record as seen by `u` ("own" = belongs to u). */
function record(kind: RecordKind, u: PolicyUser): PolicyRecord | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'self':
      return { id: u.id, role: u.role };
    case 'otherSales':
      return { id: OTHER_SALES, role: 'sales' };
    case 'otherManager':
      return { id: OTHER_MANAGER, role: 'sales_manager' };
    case 'otherAdmin':
      return { id: OTHER_ADMIN, role: 'admin' };
    case 'newSales':
      return { role: 'sales' };
    case 'newManager':
      return { role: 'sales_manager' };
    case 'newAdmin':
      return { role: 'admin' };
    case 'ownLead':
      return { id: 100, assigned_to: u.id };
    case 'othersLead':
      return { id: 101, assigned_to: OTHER_SALES };
    case 'ownFollowUp':
      return { id: 200, sales_id: u.id };
    case 'othersFollowUp':
      return { id: 201, sales_id: OTHER_SALES };
    case 'ownTrial':
      return { id: 300, sales_id: u.id };
    case 'othersTrial':
      return { id: 301, sales_id: OTHER_SALES };
    case 'ownKpi':
      return { user_id: u.id };
    case 'othersKpi':
      return { user_id: OTHER_SALES };
    case 'ownInboxRow':
      return { user_id: u.id };
    case 'othersInboxRow':
      return { user_id: OTHER_SALES };
    case 'sentBySelf':
      return { id: 400, sender_id: u.id };
    case 'sentByOther':
      return { id: 401, sender_id: OTHER_MANAGER };
    case 'ownPendingLeave':
      return { id: 500, user_id: u.id, status: 'pending' };
    case 'ownApprovedLeave':
      return { id: 501, user_id: u.id, status: 'approved' };
    case 'othersPendingLeave':
      return { id: 502, user_id: OTHER_SALES, status: 'pending' };
    case 'ownLeave':
      return { id: 503, user_id: u.id, status: 'approved' };
    case 'othersLeave':
      return { id: 504, user_id: OTHER_SALES, status: 'approved' };
  }
}

const Y = true;
const N = false;

//  action                    record                admin  manager sales
const MATRIX: Array<[Action, RecordKind, boolean, boolean, boolean]> = [
  // users: admin manages managers and sales; manager manages sales; sales: own profile
  ['user.list', 'none', Y, Y, N],
  ['user.view', 'self', Y, Y, Y],
  ['user.view', 'otherSales', Y, Y, N],
  ['user.view', 'otherManager', Y, Y, N],
  ['user.create', 'newSales', Y, Y, N],
  ['user.create', 'newManager', Y, N, N],
  ['user.create', 'newAdmin', N, N, N],
  ['user.update', 'self', Y, Y, Y],
  ['user.update', 'otherSales', Y, Y, N],
  ['user.update', 'otherManager', Y, N, N],
  ['user.update', 'otherAdmin', N, N, N],
  ['user.deactivate', 'otherSales', Y, Y, N],
  ['user.deactivate', 'otherManager', Y, N, N],
  ['user.deactivate', 'otherAdmin', N, N, N],
  ['user.deactivate', 'self', N, N, N],
  ['user.set_schedule', 'otherSales', Y, Y, N],
  ['user.set_schedule', 'otherManager', Y, N, N],
  ['user.set_schedule', 'self', Y, N, N],

  // leads: admin all; manager all but edit/delete; sales only own: create, status, notes, calls
  ['lead.list', 'none', Y, Y, Y],
  ['lead.view', 'ownLead', Y, Y, Y],
  ['lead.view', 'othersLead', Y, Y, N],
  ['lead.create', 'none', Y, Y, Y],
  ['lead.edit', 'ownLead', Y, N, N],
  ['lead.edit', 'othersLead', Y, N, N],
  ['lead.delete', 'othersLead', Y, N, N],
  ['lead.delete', 'ownLead', Y, N, N],
  ['lead.move', 'ownLead', Y, Y, Y],
  ['lead.move', 'othersLead', Y, Y, N],
  ['lead.note', 'ownLead', Y, Y, Y],
  ['lead.note', 'othersLead', Y, Y, N],
  ['lead.log_call', 'ownLead', Y, Y, Y],
  ['lead.log_call', 'othersLead', Y, Y, N],
  ['lead.assign', 'othersLead', Y, Y, N],
  ['lead.assign', 'ownLead', Y, Y, N],
  ['lead.merge', 'othersLead', Y, Y, N],
  ['lead.merge', 'ownLead', Y, Y, N],
  ['lead.import', 'none', Y, Y, N],
  ['lead.release', 'none', Y, Y, N],
  ['lead.correct_status', 'othersLead', Y, Y, N],
  ['lead.correct_status', 'ownLead', Y, Y, N],
  ['lead.view_queue', 'none', Y, Y, N],

  // follow-ups: admin and manager all + bulk; sales own: complete, snooze
  ['followup.view', 'ownFollowUp', Y, Y, Y],
  ['followup.view', 'othersFollowUp', Y, Y, N],
  ['followup.complete', 'ownFollowUp', Y, Y, Y],
  ['followup.complete', 'othersFollowUp', Y, Y, N],
  ['followup.snooze', 'ownFollowUp', Y, Y, Y],
  ['followup.snooze', 'othersFollowUp', Y, Y, N],
  ['followup.bulk', 'none', Y, Y, N],

  // courses, groups, rooms, holidays: admin full; manager view; sales view + place own lead, waitlist
  ['catalog.view', 'none', Y, Y, Y],
  ['catalog.manage', 'none', Y, N, N],
  ['group.place_lead', 'ownLead', Y, Y, Y],
  ['group.place_lead', 'othersLead', Y, Y, N],
  ['waitlist.join', 'ownLead', Y, Y, Y],
  ['waitlist.join', 'othersLead', Y, Y, N],

  // trials: admin full; manager view + correct results; sales book/move/cancel/record own leads' trials
  ['trial.view', 'ownTrial', Y, Y, Y],
  ['trial.view', 'othersTrial', Y, Y, N],
  ['trial.book', 'ownLead', Y, N, Y],
  ['trial.book', 'othersLead', Y, N, N],
  ['trial.move', 'ownTrial', Y, N, Y],
  ['trial.move', 'othersTrial', Y, N, N],
  ['trial.cancel', 'ownTrial', Y, N, Y],
  ['trial.cancel', 'othersTrial', Y, N, N],
  ['trial.record_result', 'ownTrial', Y, N, Y],
  ['trial.record_result', 'othersTrial', Y, N, N],
  ['trial.correct_result', 'othersTrial', Y, Y, N],
  ['trial.correct_result', 'ownTrial', Y, Y, N],
  ['trial.delete', 'othersTrial', Y, N, N],

  // analytics/KPI: admin and manager all; sales own KPI and the team ranking
  ['analytics.view', 'none', Y, Y, N],
  ['analytics.export', 'none', Y, Y, N],
  ['kpi.view', 'ownKpi', Y, Y, Y],
  ['kpi.view', 'othersKpi', Y, Y, N],
  ['kpi.recompute', 'none', Y, Y, N],
  ['ranking.view', 'none', Y, Y, Y],

  // messages: admin send + view all; manager send; sales read own inbox
  ['message.send', 'none', Y, Y, N],
  ['message.view_all', 'none', Y, N, N],
  ['message.read', 'ownInboxRow', Y, Y, Y],
  ['message.read', 'othersInboxRow', N, N, N],
  ['message.read_status', 'sentBySelf', Y, Y, N],
  ['message.read_status', 'sentByOther', Y, N, N],

  // offers: admin full; manager view; sales view active
  ['offer.view', 'none', Y, Y, N],
  ['offer.view_active', 'none', Y, Y, Y],
  ['offer.manage', 'none', Y, N, N],

  // leave: admin and manager approve/reject, mark absent; sales request, cancel pending, view own
  ['leave.request', 'none', N, N, Y],
  ['leave.cancel', 'ownPendingLeave', N, N, Y],
  ['leave.cancel', 'ownApprovedLeave', N, N, N],
  ['leave.cancel', 'othersPendingLeave', N, N, N],
  ['leave.view', 'ownLeave', Y, Y, Y],
  ['leave.view', 'othersLeave', Y, Y, N],
  ['leave.view_all', 'none', Y, Y, N],
  ['leave.decide', 'othersPendingLeave', Y, Y, N],
  ['absence.mark', 'otherSales', Y, Y, N],

  // outbox, job runs, settings: admin full; manager outbox view/retry, job runs view/run now, settings view
  ['outbox.view', 'none', Y, Y, N],
  ['outbox.retry', 'none', Y, Y, N],
  ['jobrun.view', 'none', Y, Y, N],
  ['jobrun.run', 'none', Y, Y, N],
  ['settings.view', 'none', Y, Y, N],
  ['settings.update', 'none', Y, N, N],
];

const USERS: Array<[Role, PolicyUser, number]> = [
  ['admin', ADMIN, 2],
  ['sales_manager', MANAGER, 3],
  ['sales', SALES, 4],
];

describe('role policy (SPEC §10)', () => {
  const cases = MATRIX.flatMap((row) => USERS.map(([role, user, col]) => ({ action: row[0], kind: row[1], role, user, expected: row[col] as boolean })));
  it.each(cases)('$role $action on $kind → $expected', ({ action, kind, user, expected }) => {
    expect(can(user, action, record(kind, user))).toBe(expected);
  });

  it('the matrix covers every action the policy knows', () => {
    const covered = new Set(MATRIX.map((r) => r[0]));
    expect(ACTIONS.filter((a) => !covered.has(a))).toEqual([]);
  });

  it('an ownership rule without a record fails closed', () => {
    expect(can(SALES, 'lead.view')).toBe(false);
    expect(can(SALES, 'followup.complete')).toBe(false);
    expect(can(SALES, 'leave.cancel')).toBe(false);
  });

  it('nobody signed in, or a deactivated account, may do nothing', () => {
    expect(can(null, 'lead.list')).toBe(false);
    expect(can({ ...ADMIN, is_active: 0 }, 'settings.view')).toBe(false);
    expect(() => assertCan(null, 'lead.list')).toThrow(AppError);
  });

  const code = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      return (e as AppError).code;
    }
    return 'allowed';
  };

  it('another salesperson’s record is "not found" to a salesperson; role refusals are "forbidden"', () => {
    expect(code(() => assertCan(SALES, 'lead.view', { assigned_to: OTHER_SALES }, 'lead'))).toBe('NOT_FOUND');
    expect(code(() => assertCan(SALES, 'trial.cancel', { sales_id: OTHER_SALES }))).toBe('NOT_FOUND');
    expect(code(() => assertCan(SALES, 'leave.cancel', { user_id: OTHER_SALES, status: 'pending' }))).toBe('NOT_FOUND');
    expect(code(() => assertCan(SALES, 'message.read', { user_id: OTHER_SALES }))).toBe('NOT_FOUND');
    expect(code(() => assertCan(SALES, 'lead.assign', { assigned_to: SALES.id }))).toBe('FORBIDDEN');
    expect(code(() => assertCan(SALES, 'leave.cancel', { user_id: SALES.id, status: 'approved' }))).toBe('FORBIDDEN');
    expect(code(() => assertCan(MANAGER, 'catalog.manage'))).toBe('FORBIDDEN');
    expect(code(() => assertCan(MANAGER, 'user.update', { id: OTHER_MANAGER, role: 'sales_manager' }))).toBe('FORBIDDEN');
    expect(code(() => assertCan(SALES, 'lead.view', { assigned_to: SALES.id }))).toBe('allowed');
    expect(code(() => assertCan(null, 'lead.view'))).toBe('UNAUTHORIZED');
  });
});
