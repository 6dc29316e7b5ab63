import type { Tx } from '../../db/connection.js';
import type { Priority, User } from '../../db/types.js';
import { loadSchedule } from '../worktime/schedules.js';
import { shiftIntoWorkingTime } from '../worktime/worktime.js';

/**
 * Notification kinds (SPEC §7). The bot renders each from its payload in the recipient's language.
 */
export type OutboxKind =
  | 'lead_assigned'
  | 'lead_touched'
  | 'student_returned'
  | 'followup_due'
  | 'followup_overdue'
  | 'trial_reminder'
  | 'trial_no_result'
  | 'waitlist_spot_freed'
  | 'reactivation_milestone'
  | 'leave_started'
  | 'leave_ended'
  | 'daily_summary'
  | 'kpi_report'
  | 'manager_message'
  | 'block_started'
  | 'first_response_breach'
  | 'no_answer_streak'
  | 'unassigned_waiting'
  | 'landing_digest'
  | 'leave_request_pending'
  | 'leave_decided'
  | 'team_table'
  | 'team_ranking';

export interface EnqueueInput {
  kind: OutboxKind;
  /** recipient staff user; their chat and working time decide where and when */
  user?: Pick<User, 'id' | 'role' | 'telegram_chat_id' | 'work_start' | 'work_end' | 'work_days'>;
  /** a chat that is not a staff user (the optional team group chat) */
  chatId?: string;
  payload: Record<string, unknown>;
  priority?: Priority;
  /** deliver no earlier than this */
  notBefore?: Date;
  /** urgent manager messages and trial reminders are not held until the next shift */
  ignoreQuietHours?: boolean;
  /** a key that makes the same notification impossible to queue twice */
  dedupeKey?: string;
}

export interface OutboxContext {
  tz: string;
  now: Date;
  schedules?: Map<string, import('../worktime/worktime.js').WorkSchedule>;
}

/**
 * Writes a notification row in the caller's transaction (nothing is sent directly).
 * Messages to a salesperson outside their working time wait for their next shift start.
 * Resolves to false when the dedupe key was already taken (nothing new was queued), so a job can
 * say what it really did on a second run.
 */
export async function enqueue(tx: Tx, ctx: OutboxContext, input: EnqueueInput): Promise<boolean> {
  let notBefore = input.notBefore ?? ctx.now;
  if (input.user && input.user.role === 'sales' && !input.ignoreQuietHours) {
    const schedule = await loadSchedule(tx, ctx.tz, input.user, notBefore, ctx.schedules);
    notBefore = new Date(shiftIntoWorkingTime(schedule, notBefore));
  }
  const row = {
    chat_id: input.chatId ?? input.user?.telegram_chat_id ?? null,
    user_id: input.user?.id ?? null,
    kind: input.kind,
    payload: JSON.stringify(input.payload),
    priority: input.priority ?? 'normal',
    not_before: notBefore.toISOString(),
    status: 'pending' as const,
    dedupe_key: input.dedupeKey ?? null,
    created_at: ctx.now.toISOString(),
  };
  if (input.dedupeKey) {
    const r = await tx.insertInto('outbox').values(row).onConflict((oc) => oc.column('dedupe_key').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }
  await tx.insertInto('outbox').values(row).execute();
  return true;
}

/** Managers and admins who receive team alerts. */
export async function managers(tx: Tx) {
  return tx
    .selectFrom('users')
    .selectAll()
    .where('role', 'in', ['admin', 'sales_manager'])
    .where('is_active', '=', 1)
    .orderBy('id')
    .execute();
}
