import { sql } from 'kysely';
import { withTx, type Db, type Dialect, type Tx } from './connection.js';

/**
 * Group commit for SQLite: units of work that arrive while the writer is busy run together in ONE
 * transaction, each inside its own SAVEPOINT. On SQLite a commit writes every page the
 * transaction dirtied to the WAL (a lead, its phones, events, follow-up and outbox row touch
 * about 30 index pages), which costs several times the statements themselves; a burst of landing
 * posts shares those pages and that write instead of paying it per lead.
 *
 * Each unit still sees the writes of the units before it (one connection, in arrival order), a
 * unit that throws is rolled back to its savepoint and rejected alone, and every promise settles
 * only after the COMMIT (nothing is acknowledged that could still be lost). If the COMMIT itself
 * fails, every unit of that batch is rejected.
 *
 * PostgreSQL has real concurrent writers (a pool of connections), so there each unit simply runs
 * in its own transaction.
 */
export interface GroupCommit {
  run<T>(fn: (tx: Tx, memo: TxMemo, collect: Collect) => Promise<T>): Promise<T>;
  /** batches committed and units run so far (for the benchmark's report) */
  stats(): { batches: number; units: number };
}

/** Shared by the units of one transaction (what none of them can change may be read once). */
export type TxMemo = Map<string, unknown>;

/**
 * Hands `item` to a write that runs once per key for the whole transaction, just before COMMIT,
 * with the items of the units that succeeded (a failed unit's items are dropped with its
 * savepoint). For a write every unit would otherwise repeat: a burst of landing posts updates the
 * managers' digest once, not once per lead. A failing flush fails the transaction.
 */
export type Collect = <I>(key: string, item: I, flush: (tx: Tx, items: I[]) => Promise<void>) => void;

/** Collected items of one transaction, by key, in the order they were handed over. */
class Collected {
  private readonly byKey = new Map<string, { flush: (tx: Tx, items: unknown[]) => Promise<void>; items: unknown[] }>();
  private unitItems: Array<{ key: string }> = [];

  readonly collect: Collect = (key, item, flush) => {
    let entry = this.byKey.get(key);
    if (!entry) this.byKey.set(key, (entry = { flush: flush as (tx: Tx, items: unknown[]) => Promise<void>, items: [] }));
    entry.items.push(item);
    this.unitItems.push({ key });
  };

  /** a new unit starts: what it collects can be taken back alone */
  begin(): void {
    this.unitItems = [];
  }

  /** the current unit failed: its items go with it */
  dropUnit(): void {
    for (const { key } of this.unitItems.reverse()) this.byKey.get(key)!.items.pop();
    this.unitItems = [];
  }

  async flush(tx: Tx): Promise<void> {
    for (const { flush, items } of this.byKey.values()) if (items.length) await flush(tx, items);
  }
}

// one name serves every unit: each savepoint is released before the next is taken
const SAVEPOINT = sql.raw('gc_unit');

interface Unit {
  fn: (tx: Tx, memo: TxMemo, collect: Collect) => Promise<unknown>;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

export function createGroupCommit(db: Db, dialect: Dialect, opts: { maxBatch?: number } = {}): GroupCommit {
  const maxBatch = opts.maxBatch ?? 128;
  let queue: Unit[] = [];
  let running = false;
  let batches = 0;
  let units = 0;

  async function flush(): Promise<void> {
    running = true;
    try {
      while (queue.length) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
        try {
          await withTx(db, dialect, async (tx) => {
            const memo: TxMemo = new Map();
            const collected = new Collected();
            // a lone unit needs no savepoint: its failure rolls the whole transaction back
            if (batch.length === 1) {
              outcomes.push({ ok: true, value: await batch[0].fn(tx, memo, collected.collect) });
              return collected.flush(tx);
            }
            for (const unit of batch) {
              await sql`savepoint ${SAVEPOINT}`.execute(tx);
              collected.begin();
              try {
                outcomes.push({ ok: true, value: await unit.fn(tx, memo, collected.collect) });
                await sql`release ${SAVEPOINT}`.execute(tx);
              } catch (error) {
                await sql`rollback to ${SAVEPOINT}`.execute(tx);
                await sql`release ${SAVEPOINT}`.execute(tx);
                collected.dropUnit();
                outcomes.push({ ok: false, error });
              }
            }
            await collected.flush(tx);
          });
        } catch (error) {
          // the transaction (or a lone unit) failed: nothing of this batch was kept
          batch.forEach((u) => u.reject(error));
          continue;
        }
        batches++;
        units += batch.length;
        batch.forEach((u, i) => {
          const o = outcomes[i];
          if (o.ok) u.resolve(o.value);
          else u.reject(o.error);
        });
      }
    } finally {
      running = false;
    }
  }

  return {
    run<T>(fn: (tx: Tx, memo: TxMemo, collect: Collect) => Promise<T>): Promise<T> {
      if (dialect !== 'sqlite') {
        return withTx(db, dialect, async (tx) => {
          const collected = new Collected();
          const value = await fn(tx, new Map(), collected.collect);
          await collected.flush(tx);
          return value;
        });
      }
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        // the first unit waits one turn of the event loop so requests already read off the socket join it
        if (!running && queue.length === 1) setImmediate(() => void flush());
      });
    },
    stats: () => ({ batches, units }),
  };
}
