import type { Services } from '../core/services.js';

/** Today's numbers of one person (SPEC §6.3 definitions, computed by core/kpi). */
export interface TodayNumbers {
  date: string;
  contacts: number;
  followupsDone: number;
  followupsDue: number;
  overdue: number;
  trialsToday: number;
}

/** One line of the team ranking (enrolled, then conversion, then follow-up completion). */
export interface RankingLine {
  userId: number;
  name: string;
  enrolled: number;
  conversionRate: number | null;
  completionRate: number | null;
}

interface KpiLike {
  today?(userId: number): Promise<TodayNumbers>;
  ranking?(period: { from: string; to: string }): Promise<RankingLine[]>;
}

/** The KPI use cases the bot shows; null until core/kpi is wired into createServices. */
export function kpiOf(services: Services): KpiLike | null {
  return (services as Services & { kpi?: KpiLike }).kpi ?? null;
}
