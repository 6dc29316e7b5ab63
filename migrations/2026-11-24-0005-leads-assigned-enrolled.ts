import type { Kysely } from 'kysely';

// The KPI conversion rate and the analytics read, per salesperson, the leads assigned in a window
// and whether each is enrolled: with enrolled_at in the index that is an index-only range read
// instead of ~40k row lookups at 1M leads. It replaces (assigned_to, assigned_at), whose every
// use it serves, so intake maintains no extra index.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('leads_assigned_at_enrolled').on('leads').columns(['assigned_to', 'assigned_at', 'enrolled_at']).execute();
  await db.schema.dropIndex('leads_assigned_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('leads_assigned_at').on('leads').columns(['assigned_to', 'assigned_at']).execute();
  await db.schema.dropIndex('leads_assigned_at_enrolled').execute();
}
