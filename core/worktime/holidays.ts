import type { Tx } from '../../db/connection.js';
import { notFound, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { reshiftUserFollowUps } from '../followups/followup-ops.js';
import { assertCan, type PolicyUser } from '../policy/policy.js';
import { addLocalDays, isLocalDay, localInstant } from './worktime.js';

export interface HolidayInput {
  date: string;
  name?: string | null;
}

/**
 * Days the center is closed (SPEC §2, §5.2). Nobody works on them, so a holiday added or moved
 * onto a date moves every open follow-up due that day to its owner's next working period, as an
 * approved leave does; left there they would all go overdue and could block the team.
 */
export function createHolidayService(deps: CoreDeps) {
  const ctx = () => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect });

  async function reshiftDay(t: Tx, date: string): Promise<number> {
    const c = ctx();
    const from = new Date(localInstant(date, '00:00', deps.tz));
    const to = new Date(localInstant(addLocalDays(date, 1), '00:00', deps.tz));
    const owners = await t
      .selectFrom('follow_ups')
      .select('sales_id')
      .distinct()
      .where('state', '=', 'open')
      .where('sales_id', 'is not', null)
      .where('due_at', '>=', from.toISOString())
      .where('due_at', '<', to.toISOString())
      .execute();
    let moved = 0;
    for (const o of owners) moved += await reshiftUserFollowUps(t, c, o.sales_id!, from, to);
    return moved;
  }

  function checkDate(date: string) {
    if (!isLocalDay(date)) throw validation('date', 'must be a date (YYYY-MM-DD)');
  }

  async function add(input: HolidayInput, actor: PolicyUser | null) {
    assertCan(actor, 'catalog.manage');
    checkDate(input.date);
    return tx(deps, async (t) => {
      const row = await t.insertInto('holidays').values({ date: input.date, name: input.name ?? null }).returningAll().executeTakeFirstOrThrow();
      const followUpsMoved = await reshiftDay(t, row.date);
      return { holiday: row, followUpsMoved };
    });
  }

  async function update(id: number, input: Partial<HolidayInput>, actor: PolicyUser | null) {
    assertCan(actor, 'catalog.manage');
    if (input.date !== undefined) checkDate(input.date);
    return tx(deps, async (t) => {
      const current = await t.selectFrom('holidays').selectAll().where('id', '=', id).executeTakeFirst();
      if (!current) throw notFound('holiday');
      const patch: Record<string, unknown> = {};
      if (input.date !== undefined) patch.date = input.date;
      if (input.name !== undefined) patch.name = input.name;
      if (Object.keys(patch).length) await t.updateTable('holidays').set(patch).where('id', '=', id).execute();
      const followUpsMoved = input.date !== undefined && input.date !== current.date ? await reshiftDay(t, input.date) : 0;
      return { followUpsMoved };
    });
  }

  return { add, update };
}

export type HolidayService = ReturnType<typeof createHolidayService>;
