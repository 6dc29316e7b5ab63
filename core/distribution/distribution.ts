import { DateTime } from 'luxon';
import type { Tx } from '../../db/connection.js';
import type { User } from '../../db/types.js';
import { loadSchedule, parseWorkDays } from '../worktime/schedules.js';
import { isWorking } from '../worktime/worktime.js';

export interface DistCtx {
  tz: string;
  now: Date;
  /**
   * Shared by the use cases of one write transaction that cannot change who works when (the
   * intakes of one group commit, db/group-commit.ts). Holding SQLite's write lock, nobody else
   * can change shifts, leave, absences or holidays either, so the shift roster is read once per
   * minute per transaction; the counters that pick the assignee are always read fresh.
   */
  memo?: Map<string, unknown>;
}

export const BLOCK_THRESHOLD = 5;

type RosterUser = Pick<User, 'id' | 'full_name' | 'role' | 'telegram_chat_id' | 'work_start' | 'work_end' | 'work_days' | 'course_ids' | 'open_lead_count' | 'last_assigned_at' | 'language'>;
export type Candidate = RosterUser & { overdueCount: number };

function coversCourse(u: RosterUser, courseId: number | null | undefined): boolean {
  if (courseId == null) return true;
  const ids: number[] = JSON.parse(u.course_ids || '[]');
  return ids.length === 0 || ids.includes(courseId);
}

/** Active salespeople on shift at ctx.now (days, hours, holidays, absence, approved leave), covering the course. */
async function workingNow(tx: Tx, ctx: DistCtx, opts: { courseId?: number | null; onlyIds?: number[] }): Promise<RosterUser[]> {
  const local = DateTime.fromJSDate(ctx.now, { zone: ctx.tz });
  const date = local.toISODate()!;
  const hhmm = local.toFormat('HH:mm');
  const weekday = local.weekday;
  const nowIso = ctx.now.toISOString();

  // the shift test is pushed into SQL so only people on shift now (or with overnight shifts) come back
  let q = tx
    .selectFrom('users')
    .select(['id', 'full_name', 'role', 'telegram_chat_id', 'work_start', 'work_end', 'work_days', 'course_ids', 'open_lead_count', 'last_assigned_at', 'language'])
    .where('role', '=', 'sales')
    .where('is_active', '=', 1)
    .where('is_active_sales', '=', 1)
    .where((eb) =>
      eb.or([
        eb.and([eb('work_days', 'like', `%${weekday}%`), eb('work_start', '<=', hhmm), eb('work_end', '>', hhmm)]),
        eb('work_end', '<=', eb.ref('work_start')),
      ]),
    );
  if (opts.onlyIds) {
    if (opts.onlyIds.length === 0) return [];
    q = q.where('id', 'in', opts.onlyIds);
  }
  const users = await q.execute();
  const overnight: RosterUser[] = [];
  const dayShift = users.filter((u) => {
    if (!coversCourse(u, opts.courseId)) return false;
    if (u.work_end <= u.work_start) {
      overnight.push(u);
      return false;
    }
    return parseWorkDays(u.work_days).includes(weekday) && u.work_start <= hhmm && hhmm < u.work_end;
  });
  if (dayShift.length === 0 && overnight.length === 0) return [];

  const holiday = await tx.selectFrom('holidays').select('id').where('date', '=', date).executeTakeFirst();
  let working: RosterUser[] = holiday ? [] : dayShift;
  if (working.length) {
    const ids = working.map((u) => u.id);
    const [absent, onLeave] = await Promise.all([
      tx.selectFrom('absences').select('user_id').where('date', '=', date).where('user_id', 'in', ids).execute(),
      tx
        .selectFrom('leave_requests')
        .select('user_id')
        .where('status', '=', 'approved')
        .where('user_id', 'in', ids)
        .where('starts_at', '<=', nowIso)
        .where('ends_at', '>', nowIso)
        .execute(),
    ]);
    const out = new Set([...absent.map((a) => a.user_id), ...onLeave.map((l) => l.user_id)]);
    working = working.filter((u) => !out.has(u.id));
  }
  for (const u of overnight) {
    if (isWorking(await loadSchedule(tx, ctx.tz, u, ctx.now), ctx.now)) working.push(u);
  }
  return working;
}

/**
 * Salespeople available for new leads at ctx.now (SPEC §2): active sales, taking part in
 * distribution, working now (days, hours, holidays, absence, approved leave), not blocked by
 * five or more overdue follow-ups, covering the course. Derived each time, never a stored flag.
 * A constant number of queries whatever the number of leads.
 */
export async function availableSalespeople(
  tx: Tx,
  ctx: DistCtx,
  opts: { courseId?: number | null; onlyIds?: number[] } = {},
): Promise<Candidate[]> {
  const nowIso = ctx.now.toISOString();
  const key = `roster|${nowIso.slice(0, 16)}|${opts.courseId ?? ''}|${opts.onlyIds?.join(',') ?? '*'}`;
  let working = ctx.memo?.get(key) as RosterUser[] | undefined;
  if (!working) {
    working = await workingNow(tx, ctx, opts);
    ctx.memo?.set(key, working);
  }
  if (working.length === 0) return [];
  if (ctx.memo) {
    // the picking counters change with every assignment, also within one transaction
    const fresh = await tx.selectFrom('users').select(['id', 'open_lead_count', 'last_assigned_at']).where('id', 'in', working.map((u) => u.id)).execute();
    const byId = new Map(fresh.map((f) => [f.id, f]));
    working = working.filter((u) => byId.has(u.id)).map((u) => ({ ...u, ...byId.get(u.id)! }));
  }

  const overdue = await tx
    .selectFrom('follow_ups')
    .select(['sales_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('sales_id', 'in', working.map((u) => u.id))
    .where('state', '=', 'open')
    .where('due_at', '<', nowIso)
    .groupBy('sales_id')
    .execute();
  const overdueOf = new Map(overdue.map((r) => [r.sales_id as number, Number(r.n)]));
  return working
    .map((u) => ({ ...u, overdueCount: overdueOf.get(u.id) ?? 0 }))
    .filter((u) => u.overdueCount < BLOCK_THRESHOLD);
}

/** Fewest open leads; a tie goes to the one whose last assignment is oldest (never assigned first). */
export function pickAssignee(cands: Candidate[]): Candidate | null {
  let best: Candidate | null = null;
  for (const c of cands) {
    if (!best) {
      best = c;
      continue;
    }
    if (c.open_lead_count !== best.open_lead_count) {
      if (c.open_lead_count < best.open_lead_count) best = c;
      continue;
    }
    const a = c.last_assigned_at ?? '';
    const b = best.last_assigned_at ?? '';
    if (a < b || (a === b && c.id < best.id)) best = c;
  }
  return best;
}

export function reasonFor(chosen: Candidate, cands: Candidate[]): string {
  const tied = cands.filter((c) => c.open_lead_count === chosen.open_lead_count).length;
  const base = `auto: fewest open leads (${chosen.open_lead_count}) among ${cands.length} available`;
  return tied > 1 ? `${base}; tie of ${tied} broken by oldest last assignment (${chosen.last_assigned_at ?? 'never'})` : base;
}
