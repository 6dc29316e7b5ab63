import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import type { Job, JobContext } from './runner.js';

/**
 * The job table of SPEC §8 as data. The scheduler only decides WHEN; each body is one idempotent
 * core use case. Outbox delivery is not here: it runs continuously, not on a cron pattern.
 */
export const JOB_TABLE = [
  { name: 'mark-overdue', pattern: '*/15 * * * *', core: 'followups.markOverdue', what: 'mark overdue follow-ups, tell owners, block alerts' },
  { name: 'followup-reminders', pattern: '*/5 * * * *', core: 'followups.sendReminders', what: 'remind follow-ups falling due before the next run' },
  { name: 'first-response', pattern: '*/5 * * * *', core: 'leads.checkFirstResponse', what: 'first-response check (SPEC §5.3)' },
  { name: 'trial-reminders', pattern: '*/30 * * * *', core: 'trials.sendReminders', what: 'trial reminders 2 h before' },
  { name: 'post-trial', pattern: '*/15 * * * *', core: 'trials.remindMissingResults', what: 'trials ended 15+ min ago with no result' },
  { name: 'trial-attended-followup', pattern: '0 * * * *', core: 'trials.followUpAttended', what: 'attended but not enrolled after 24 h → follow-up' },
  { name: 'leave-notices', pattern: '0 * * * *', core: 'leave.sendNotices', what: 'leaves starting/ending → notices' },
  { name: 'daily-kpi', pattern: '59 23 * * *', core: 'kpi.runDaily', what: 'daily KPI, KPI reports and team ranking' },
  { name: 'reactivation', pattern: '0 9 * * *', core: 'reactivation.run', what: 'reactivation' },
  { name: 'expire-offers', pattern: '0 2 * * *', core: 'offers.expire', what: 'expire offers' },
  { name: 'daily-summary', pattern: '0 18 * * *', core: 'kpi.sendDailySummary', what: 'daily sales summary' },
  { name: 'assign-queued', pattern: '* * * * *', core: 'distribution.assignQueued', what: 'assign queued unassigned leads' },
  { name: 'sheets-sync', pattern: '*/5 * * * *', core: 'sheets.sync', what: 'Google Sheets sync (when configured)' },
] as const satisfies readonly { name: string; pattern: string; core: string; what: string }[];

export type JobName = (typeof JOB_TABLE)[number]['name'];
export type JobBody = (services: Services, ctx: JobContext) => Promise<unknown>;
export type JobBodies = Partial<Record<JobName, JobBody>>;

/**
 * Explicit, typed bodies, filled in as the core functions land, e.g.
 *   'mark-overdue': (s, ctx) => s.followups.markOverdue(ctx),
 * A job with no entry here calls the function named in its `core` column if services has it.
 */
export const coreBodies: JobBodies = {
  'mark-overdue': (s) => s.followUps.markOverdue(),
  // reminders for follow-ups falling due before the next 5-minute run
  'followup-reminders': (s) => s.followUps.queueDueReminders(5 * 60_000),
  'first-response': (s) => s.followUps.checkFirstResponse(),
  'assign-queued': (s) => s.leads.assignQueued(),
};

export class JobNotImplementedError extends Error {
  constructor(job: string, core: string) {
    super(`job ${job} is not implemented: services.${core}(ctx) does not exist yet`);
    this.name = 'JobNotImplementedError';
  }
}

/** Calls services.<area>.<fn>(ctx) when it exists, otherwise fails that run (recorded, not a crash). */
function byName(name: string, core: string): JobBody {
  const [area, fn] = core.split('.');
  return async (services, ctx) => {
    const target = (services as unknown as Record<string, Record<string, unknown> | undefined>)[area];
    const call = target?.[fn];
    if (typeof call !== 'function') throw new JobNotImplementedError(name, core);
    return (call as (ctx: JobContext) => Promise<unknown>).call(target, ctx);
  };
}

export interface BuildJobsOptions {
  services: Services;
  /** only what decides which jobs exist */
  config?: Pick<Config, 'GOOGLE_SHEETS_ID'>;
  /** overrides per job (tests, or bodies not yet in coreBodies) */
  bodies?: JobBodies;
  /** pattern overrides (tests) */
  patterns?: Partial<Record<JobName, string>>;
}

/** The jobs this installation runs: the table, minus Google Sheets sync when it is not configured. */
export function buildJobs(opts: BuildJobsOptions): Job[] {
  const bodies: JobBodies = { ...coreBodies, ...opts.bodies };
  return JOB_TABLE.filter((row) => row.name !== 'sheets-sync' || Boolean(opts.config?.GOOGLE_SHEETS_ID)).map((row) => {
    const body = bodies[row.name] ?? byName(row.name, row.core);
    return {
      name: row.name,
      pattern: opts.patterns?.[row.name] ?? row.pattern,
      run: (ctx: JobContext) => body(opts.services, ctx),
    };
  });
}
