import type { LeadStatus } from '../../db/types.js';
import { MINUTE, HOUR, DAY } from '../clock.js';

/**
 * SPEC §5.1 follow-up plans. A plan step's raw due time is computed here; the caller makes a
 * past time "now" and shifts it into the assignee's working time.
 */
export interface PlanStep {
  kind: string;
  planStatus: LeadStatus;
  step: number;
  /** raw due time, epoch ms */
  due: number;
  /** trial reminders: never shifted past this instant (the trial's start) */
  notAfter?: number;
  trialId?: number;
}

export interface TrialTimes {
  id: number;
  startsAt: number;
  endsAt: number;
}

const SEQUENCES: Partial<Record<LeadStatus, number[]>> = {
  new: [5 * MINUTE],
  contacted: [DAY, 3 * DAY, 7 * DAY],
  interested: [DAY, 3 * DAY, 5 * DAY, 7 * DAY],
  trial_not_attended: [30 * MINUTE, DAY, 3 * DAY],
  offer_sent: [DAY],
  reactivation: [5 * MINUTE],
};

/** The follow-ups created when a lead enters `status` at `enteredAt`. */
export function initialSteps(status: LeadStatus, enteredAt: number, trial?: TrialTimes | null): PlanStep[] {
  if (status === 'trial_registered') {
    if (!trial) return [];
    return [
      { kind: 'trial_before_1d', planStatus: status, step: 1, due: trial.startsAt - DAY, notAfter: trial.startsAt, trialId: trial.id },
      { kind: 'trial_before_2h', planStatus: status, step: 2, due: trial.startsAt - 2 * HOUR, notAfter: trial.startsAt, trialId: trial.id },
    ];
  }
  if (status === 'trial_attended') {
    if (!trial) return [{ kind: 'trial_attended:1', planStatus: status, step: 1, due: enteredAt }];
    return [{ kind: 'trial_attended:1', planStatus: status, step: 1, due: trial.endsAt + 3 * MINUTE, trialId: trial.id }];
  }
  const seq = SEQUENCES[status];
  if (!seq) return [];
  return [{ kind: `${status}:1`, planStatus: status, step: 1, due: enteredAt + seq[0] }];
}

/** The next step of a sequence after step `step` was completed, or null when the plan is done. */
export function nextStep(status: LeadStatus, step: number, enteredAt: number, trial?: TrialTimes | null): PlanStep | null {
  if (status === 'trial_attended') {
    if (step !== 1) return null;
    const base = trial ? trial.endsAt : enteredAt;
    return { kind: 'trial_attended:2', planStatus: status, step: 2, due: base + DAY, trialId: trial?.id };
  }
  const seq = SEQUENCES[status];
  if (!seq || step >= seq.length) return null;
  return { kind: `${status}:${step + 1}`, planStatus: status, step: step + 1, due: enteredAt + seq[step] };
}
