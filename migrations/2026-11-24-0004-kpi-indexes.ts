import type { Kysely } from 'kysely';

// Recomputing a past day's KPI asks "which follow-ups were still open when that day ended?", i.e.
// closed since then; without this index that is a scan of every follow-up ever made.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('follow_ups_closed').on('follow_ups').column('closed_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('follow_ups_closed').execute();
}
