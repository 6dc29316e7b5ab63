import type { Config } from '../config.js';
import type { Services } from '../core/services.js';
import type { Job, JobContext } from './runner.js';

export type JobBody = (services: Services, ctx: JobContext) => Promise<unknown>;

/**
 * The job table of SPEC §8. The scheduler only decides WHEN; each body is one idempotent core
 * use case. Outbox delivery is not here: it runs continuously, not on a cron pattern.
 */
export const JOB_TABLE = [
  { name: 'mark-overdue', pattern: '*/15 * * * *', what: 'mark overdue follow-ups, tell owners, block alerts', run: ((s) => s.followUps.markOverdue()) as JobBody },
  // reminders for follow-ups falling due before the next 5-minute run
  { name: 'followup-reminders', pattern: '*/5 * * * *', what: 'remind follow-ups falling due before the next run', run: ((s) => s.followUps.queueDueReminders(5 * 60_000)) as JobBody },
  { name: 'first-response', pattern: '*/5 * * * *', what: 'first-response check (SPEC §5.3)', run: ((s) => s.followUps.checkFirstResponse()) as JobBody },
  { name: 'trial-reminders', pattern: '*/30 * * * *', what: 'trial reminders 2 h before', run: ((s) => s.trials.sendTrialReminders()) as JobBody },
  { name: 'post-trial', pattern: '*/15 * * * *', what: 'trials ended 15+ min ago with no result', run: ((s) => s.trials.remindMissingResults()) as JobBody },
  { name: 'trial-attended-followup', pattern: '0 * * * *', what: 'attended but not enrolled after 24 h → follow-up', run: ((s) => s.trials.followUpAttended()) as JobBody },
  { name: 'leave-notices', pattern: '0 * * * *', what: 'leaves starting/ending → notices', run: ((s) => s.leave.leaveNotices()) as JobBody },
  { name: 'daily-kpi', pattern: '59 23 * * *', what: 'daily KPI, KPI reports and team ranking', run: ((s, ctx) => s.kpi.runDaily({ slot: ctx.slot })) as JobBody },
  { name: 'reactivation', pattern: '0 9 * * *', what: 'reactivation', run: ((s, ctx) => s.reactivation.runReactivation({ slot: ctx.slot })) as JobBody },
  { name: 'expire-offers', pattern: '0 2 * * *', what: 'expire offers', run: ((s) => s.offers.expireOffers()) as JobBody },
  { name: 'daily-summary', pattern: '0 18 * * *', what: 'daily sales summary', run: ((s, ctx) => s.kpi.dailySummary({ slot: ctx.slot })) as JobBody },
  { name: 'assign-queued', pattern: '* * * * *', what: 'assign queued unassigned leads', run: ((s) => s.leads.assignQueued()) as JobBody },
  {
    name: 'sheets-sync',
    pattern: '*/5 * * * *',
    what: 'Google Sheets sync (when configured)',
    run: (async (s) => {
      const sheets = (s as unknown as { sheets?: { sync(): Promise<unknown> } }).sheets;
      if (!sheets) throw new Error('Google Sheets sync is configured but this build has no sheets service');
      return sheets.sync();
    }) as JobBody,
  },
] as const;

export type JobName = (typeof JOB_TABLE)[number]['name'];
export type JobBodies = Partial<Record<JobName, JobBody>>;

export interface BuildJobsOptions {
  services: Services;
  /** only what decides which jobs exist */
  config?: Pick<Config, 'GOOGLE_SHEETS_ID'>;
  /** overrides per job (tests) */
  bodies?: JobBodies;
  /** pattern overrides (tests) */
  patterns?: Partial<Record<JobName, string>>;
}

/** The jobs this installation runs: the table, minus Google Sheets sync when it is not configured. */
export function buildJobs(opts: BuildJobsOptions): Job[] {
  return JOB_TABLE.filter((row) => row.name !== 'sheets-sync' || Boolean(opts.config?.GOOGLE_SHEETS_ID)).map((row) => {
    const body = opts.bodies?.[row.name] ?? row.run;
    return { name: row.name, pattern: opts.patterns?.[row.name] ?? row.pattern, run: (ctx: JobContext) => body(opts.services, ctx) };
  });
}
