import { sql } from 'kysely';
import type { Db } from '../../db/connection.js';
import type { OutboxRow } from '../../db/types.js';

/** Fixture rows for delivery tests and the bench: manager messages whose text names the row ("row-17"). */
export interface QueuedRow {
  chatId: string | null;
  userId?: number | null;
  kind?: string;
  payload?: Record<string, unknown>;
  notBefore?: Date;
  status?: OutboxRow['status'];
  claimedAt?: string | null;
  claimedBy?: string | null;
  unknownOutcome?: number;
}

export async function queueRows(db: Db, rows: QueuedRow[], now = new Date()): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < rows.length; i += 400) {
    const chunk = rows.slice(i, i + 400).map((r, j) => ({
      chat_id: r.chatId,
      user_id: r.userId ?? null,
      kind: r.kind ?? 'manager_message',
      payload: JSON.stringify(r.payload ?? { fromName: 'Manager', text: `row-${i + j + 1}` }),
      priority: 'normal' as const,
      not_before: (r.notBefore ?? new Date(now.getTime() - 1000)).toISOString(),
      status: r.status ?? ('pending' as const),
      attempts: 0,
      unknown_outcome: r.unknownOutcome ?? 0,
      claimed_at: r.claimedAt ?? null,
      claimed_by: r.claimedBy ?? null,
      created_at: now.toISOString(),
    }));
    const res = await db.insertInto('outbox').values(chunk).returning('id').execute();
    ids.push(...res.map((r) => r.id));
  }
  return ids.sort((a, b) => a - b);
}

/** The row number a delivered text names (queueRows writes "row-N"). */
export function rowTag(text: string | null): number | null {
  const m = /row-(\d+)/.exec(text ?? '');
  return m ? Number(m[1]) : null;
}

export async function openCount(db: Db): Promise<number> {
  const r = await db
    .selectFrom('outbox')
    .select(sql<number>`count(*)`.as('n'))
    .where('status', 'in', ['pending', 'sending'])
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Waits until no row is pending or sending (everything sent or failed). */
export async function waitSettled(db: Db, timeoutMs: number, pollMs = 25): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await openCount(db);
    if (n === 0) return;
    if (Date.now() > until) throw new Error(`outbox not settled after ${timeoutMs} ms: ${n} rows open`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
