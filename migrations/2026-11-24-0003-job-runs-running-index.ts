import type { Kysely } from 'kysely';

// The scheduler asks "is this job running (lease not expired)?" before every claim; job_runs grows
// by about half a million rows a year (the every-minute job), so that question needs its own index.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('job_runs_job_status_started').on('job_runs').columns(['job', 'status', 'started_at']).execute();
  // the back office lists the latest runs first
  await db.schema.createIndex('job_runs_started').on('job_runs').column('started_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('job_runs_started').execute();
  await db.schema.dropIndex('job_runs_job_status_started').execute();
}
