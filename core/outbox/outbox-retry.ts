import { sql } from 'kysely';
import type { Tx } from '../../db/connection.js';
import { AppError, validation } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { assertCan, type PolicyUser } from '../policy/policy.js';

/**
 * Puts failed outbox rows back in the queue (back office "retry"). Only `failed` rows move: a row
 * that is pending, being sent or sent is left alone, so a retry can never make a second copy of a
 * message that is in flight or delivered.
 *
 * The row starts over as if just queued: due now, no attempts counted, no claim, and its one
 * "unknown outcome" resend given back (a person chose to send it again, knowing it may repeat).
 * A recipient who has linked or re-linked Telegram since gets it in their current chat.
 * The last error is kept, so the list still says why it failed until the next outcome replaces it.
 */
export async function retryFailedRows(t: Tx, ids: number[], now: Date): Promise<number[]> {
  if (!ids.length) return [];
  const rows = await t
    .updateTable('outbox')
    .set({
      status: 'pending',
      not_before: now.toISOString(),
      attempts: 0,
      claimed_at: null,
      claimed_by: null,
      unknown_outcome: 0,
      chat_id: sql<string | null>`coalesce((select u.telegram_chat_id from users u where u.id = outbox.user_id), outbox.chat_id)`,
    })
    .where('id', 'in', ids)
    .where('status', '=', 'failed')
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

export function createOutboxService(deps: CoreDeps) {
  /**
   * Retries the failed rows among `ids`. Refused (CONFLICT, naming `status`) when none of them has
   * failed; otherwise says which were put back and which were skipped.
   */
  async function retry(ids: number[], actor: PolicyUser) {
    assertCan(actor, 'outbox.retry');
    const list = [...new Set(ids)].filter((i) => Number.isSafeInteger(i) && i > 0);
    if (!list.length) throw validation('ids', 'choose at least one delivery');
    return tx(deps, async (t) => {
      const retried = await retryFailedRows(t, list, deps.clock.now());
      if (!retried.length) {
        throw new AppError('CONFLICT', 'only failed deliveries can be retried', { status: 'only failed deliveries can be retried' });
      }
      const skipped = list.filter((i) => !retried.includes(i));
      deps.log.info({ retried, skipped, by: actor.id }, 'outbox: failed deliveries queued again');
      return { retried, skipped };
    });
  }

  /** Failed rows, newest first, with the reason (what the back office lists). */
  async function failed(actor: PolicyUser, opts: { limit?: number } = {}) {
    assertCan(actor, 'outbox.view');
    return deps.db
      .selectFrom('outbox')
      .select(['id', 'kind', 'user_id', 'chat_id', 'attempts', 'last_error', 'created_at'])
      .where('status', '=', 'failed')
      .orderBy('id', 'desc')
      .limit(Math.min(Math.max(opts.limit ?? 100, 1), 500))
      .execute();
  }

  return { retry, failed };
}

export type OutboxService = ReturnType<typeof createOutboxService>;
