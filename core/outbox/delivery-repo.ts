import { sql, type UpdateQueryBuilder, type UpdateResult } from 'kysely';
import { withTx, type Dialect, type Tx } from '../../db/connection.js';
import type { DB, OutboxRow } from '../../db/types.js';

/**
 * The outbox side of Telegram delivery: who may send which row, and what became of it.
 *
 * A row moves pending → sending (claimed) → sent | pending (retry) | failed. Every outcome write is
 * conditional on the claim (claimed_by + claimed_at), so a worker whose claim expired and was taken
 * over cannot overwrite the newer claim's result.
 */

/** The claim a worker holds on a row while it sends it. */
export interface Claim {
  id: number;
  claimedBy: string;
  claimedAt: string;
}

export interface ClaimedRow extends OutboxRow {
  claimed_at: string;
  claimed_by: string;
}

export interface ClaimOptions {
  now: Date;
  worker: string;
  limit: number;
  /**
   * A chat's next row is not handed out until this long after its previous row was sent, so several
   * workers together keep Telegram's per-chat limit.
   */
  chatIntervalMs: number;
}

export const NO_CHAT_REASON = 'no telegram chat linked';

export function claimOf(row: Pick<OutboxRow, 'id' | 'claimed_by' | 'claimed_at'>): Claim {
  if (!row.claimed_by || !row.claimed_at) throw new Error(`outbox row ${row.id} is not claimed`);
  return { id: row.id, claimedBy: row.claimed_by, claimedAt: row.claimed_at };
}

/**
 * Atomically claims up to `limit` due rows, at most one per chat and only a chat's earliest open row.
 *
 * Per-chat order: a row is held back while an earlier row of its chat is being sent, is due, or is
 * waiting for a retry (it was claimed before). An earlier row that is only held for quiet hours and
 * was never tried does not block an urgent later one.
 *
 * PostgreSQL: the candidate rows are locked with FOR UPDATE SKIP LOCKED, so concurrent workers
 * each get different rows and never wait on each other. SQLite: one writer at a time, the UPDATE …
 * RETURNING runs inside BEGIN IMMEDIATE.
 */
export async function claimDue(db: Tx, dialect: Dialect, opts: ClaimOptions): Promise<ClaimedRow[]> {
  if (opts.limit <= 0) return [];
  const now = opts.now.toISOString();
  const chatCutoff = new Date(opts.now.getTime() - opts.chatIntervalMs).toISOString();
  const lock = dialect === 'postgres' ? sql`for update skip locked` : sql``;
  return withTx(db, dialect, async (tx) => {
    const res = await sql<ClaimedRow>`
      update outbox set status = 'sending', claimed_at = ${now}, claimed_by = ${opts.worker}
      where status = 'pending' and id in (
        select o.id from outbox o
        where o.status = 'pending' and o.not_before <= ${now} and o.chat_id is not null
          and not exists (
            select 1 from outbox e
            where e.chat_id = o.chat_id and e.id < o.id
              and (e.status = 'sending' or (e.status = 'pending' and (e.not_before <= ${now} or e.claimed_at is not null)))
          )
          and not exists (
            select 1 from outbox s
            where s.id = (select max(s2.id) from outbox s2 where s2.chat_id = o.chat_id and s2.status = 'sent')
              and s.sent_at > ${chatCutoff}
          )
        order by case o.priority when 'urgent' then 0 when 'high' then 1 when 'normal' then 2 else 3 end, o.id
        limit ${opts.limit}
        ${lock}
      )
      returning *`.execute(tx);
    // RETURNING order is unspecified; the caller sends in claim order
    return res.rows.sort((a, b) => a.id - b.id);
  });
}

/**
 * Due rows without a chat: a recipient who has linked Telegram since the row was queued gets it
 * now; the rest are failed with the reason, so the back office shows why nothing arrived.
 */
export async function settleChatless(db: Tx, dialect: Dialect, now: Date): Promise<{ resolved: number; failed: number }> {
  const at = now.toISOString();
  return withTx(db, dialect, async (tx) => {
    const resolved = await tx
      .updateTable('outbox')
      .set((eb) => ({
        chat_id: eb.selectFrom('users').select('users.telegram_chat_id').whereRef('users.id', '=', 'outbox.user_id'),
      }))
      .where('status', '=', 'pending')
      .where('chat_id', 'is', null)
      .where('not_before', '<=', at)
      .where('user_id', 'is not', null)
      .where((eb) =>
        eb.exists(
          eb.selectFrom('users').select('users.id').whereRef('users.id', '=', 'outbox.user_id').where('users.telegram_chat_id', 'is not', null),
        ),
      )
      .executeTakeFirst();
    const failed = await tx
      .updateTable('outbox')
      .set({ status: 'failed', last_error: NO_CHAT_REASON })
      .where('status', '=', 'pending')
      .where('chat_id', 'is', null)
      .where('not_before', '<=', at)
      .executeTakeFirst();
    return { resolved: Number(resolved.numUpdatedRows), failed: Number(failed.numUpdatedRows) };
  });
}

/**
 * Rows left in 'sending' past the lease belong to a worker that died or hung mid-send: the message
 * may have gone out. Such a row gets its one resend (unknown_outcome = 1); a row that already had
 * it is failed rather than risk a third copy.
 */
export async function reclaimExpired(db: Tx, dialect: Dialect, now: Date, leaseMs: number): Promise<{ reclaimed: number; failed: number }> {
  const cutoff = new Date(now.getTime() - leaseMs).toISOString();
  return withTx(db, dialect, async (tx) => {
    const failed = await tx
      .updateTable('outbox')
      .set({ status: 'failed', last_error: 'delivery unconfirmed: the claim expired after a resend (may have been delivered)' })
      .where('status', '=', 'sending')
      .where('claimed_at', '<', cutoff)
      .where('unknown_outcome', '=', 1)
      .executeTakeFirst();
    const reclaimed = await tx
      .updateTable('outbox')
      .set({ status: 'pending', unknown_outcome: 1, last_error: 'claim expired while sending (worker stopped?)' })
      .where('status', '=', 'sending')
      .where('claimed_at', '<', cutoff)
      .where('unknown_outcome', '=', 0)
      .executeTakeFirst();
    return { reclaimed: Number(reclaimed.numUpdatedRows), failed: Number(failed.numUpdatedRows) };
  });
}

type OutboxUpdate = UpdateQueryBuilder<DB, 'outbox', 'outbox', UpdateResult>;

function whereClaim(q: OutboxUpdate, claim: Claim): OutboxUpdate {
  return q.where('id', '=', claim.id).where('status', '=', 'sending').where('claimed_by', '=', claim.claimedBy).where('claimed_at', '=', claim.claimedAt);
}

/** Returns false when the claim was lost (expired and taken over): the result is then not recorded. */
export async function markSent(db: Tx, claim: Claim, at: { now: Date; messageId: string | number | null }): Promise<boolean> {
  const res = await whereClaim(
    db.updateTable('outbox').set((eb) => ({
      status: 'sent',
      sent_at: at.now.toISOString(),
      telegram_message_id: at.messageId == null ? null : String(at.messageId),
      attempts: eb('attempts', '+', 1),
    })),
    claim,
  ).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export interface RetryInput {
  notBefore: Date;
  error: string;
  /** a 429 is Telegram asking us to wait, not a failed attempt */
  countAttempt: boolean;
  /** the request may have been delivered: this uses up the row's one resend */
  unknownOutcome?: boolean;
  /** the group became a supergroup: later sends go to the new chat id */
  chatId?: string;
}

export async function markRetry(db: Tx, claim: Claim, input: RetryInput): Promise<boolean> {
  const res = await whereClaim(
    db.updateTable('outbox').set((eb) => ({
      status: 'pending',
      not_before: input.notBefore.toISOString(),
      last_error: input.error.slice(0, 1000),
      attempts: input.countAttempt ? eb('attempts', '+', 1) : eb.ref('attempts'),
      ...(input.unknownOutcome ? { unknown_outcome: 1 } : {}),
      ...(input.chatId ? { chat_id: input.chatId } : {}),
    })),
    claim,
  ).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function markFailed(db: Tx, claim: Claim, reason: string, countAttempt = true): Promise<boolean> {
  const res = await whereClaim(
    db.updateTable('outbox').set((eb) => ({
      status: 'failed',
      last_error: reason.slice(0, 1000),
      attempts: countAttempt ? eb('attempts', '+', 1) : eb.ref('attempts'),
    })),
    claim,
  ).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Gives back a row that was claimed but not sent (the worker is stopping); no attempt is counted. */
export async function release(db: Tx, claim: Claim): Promise<boolean> {
  const res = await whereClaim(db.updateTable('outbox').set({ status: 'pending' }), claim).executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** The earliest not_before among pending rows, so an idle worker knows when to look again. */
export async function nextDueAt(db: Tx): Promise<Date | null> {
  const row = await db.selectFrom('outbox').select((eb) => eb.fn.min('not_before').as('at')).where('status', '=', 'pending').executeTakeFirst();
  return row?.at ? new Date(row.at as string) : null;
}

/** Recipients' languages for a batch of rows (users.language; rows without a user get none). */
export async function languagesOf(db: Tx, userIds: number[]): Promise<Map<number, string>> {
  const ids = [...new Set(userIds)];
  if (!ids.length) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'language']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.language]));
}
