// Runs the working-time cases and prints their answers as JSON, so a test can compare the
// answers of processes started under different host time zones (TZ=UTC, TZ=America/New_York).
import {
  isWorking,
  latestWorkingMomentBefore,
  nextWorkingStart,
  shiftIntoWorkingTime,
  workingMinutesBetween,
  type WorkSchedule,
} from '../../core/worktime/worktime.js';

const tz = 'Asia/Tashkent';
const at = (local: string) => Date.parse(`${local}+05:00`);
const out = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function baseSchedule(over: Partial<WorkSchedule> = {}): WorkSchedule {
  return {
    tz,
    workStart: '09:00',
    workEnd: '18:00',
    workDays: [1, 2, 3, 4, 5, 6],
    holidays: new Set(),
    absences: new Set(),
    leaves: [],
    ...over,
  };
}

export function runCases() {
  const s = baseSchedule();
  return {
    // Wednesday 2026-03-04
    insideShift: out(shiftIntoWorkingTime(s, at('2026-03-04T10:00'))),
    isWorkingInside: isWorking(s, at('2026-03-04T10:00')),
    isWorkingAtEnd: isWorking(s, at('2026-03-04T18:00')),
    fiveBeforeEndPlusFive: out(shiftIntoWorkingTime(s, at('2026-03-04T17:55') + 5 * 60_000)),
    saturdayEvening: out(shiftIntoWorkingTime(s, at('2026-03-07T19:00'))),
    holiday: out(shiftIntoWorkingTime(baseSchedule({ holidays: new Set(['2026-03-09']) }), at('2026-03-07T19:00'))),
    duringLeave: out(
      shiftIntoWorkingTime(baseSchedule({ leaves: [{ start: at('2026-03-04T00:00'), end: at('2026-03-06T00:00') }] }), at('2026-03-04T10:00')),
    ),
    partialLeave: out(
      shiftIntoWorkingTime(baseSchedule({ leaves: [{ start: at('2026-03-04T09:00'), end: at('2026-03-04T13:00') }] }), at('2026-03-04T10:00')),
    ),
    partialLeaveAfter: isWorking(baseSchedule({ leaves: [{ start: at('2026-03-04T09:00'), end: at('2026-03-04T13:00') }] }), at('2026-03-04T14:00')),
    absence: out(shiftIntoWorkingTime(baseSchedule({ absences: new Set(['2026-03-04']) }), at('2026-03-04T10:00'))),
    beforeShift: out(nextWorkingStart(s, at('2026-03-04T07:00'))),
    // a trial Monday 09:00: the 2-hour reminder (07:00) would shift to 09:00, not before the
    // trial, so the latest working moment before it is used: Saturday 17:59
    trialReminder: out(latestWorkingMomentBefore(s, at('2026-03-09T09:00'), at('2026-03-06T12:00'))),
    trialReminderNone: out(latestWorkingMomentBefore(s, at('2026-03-09T09:00'), at('2026-03-08T12:00'))),
    workingMinutes: workingMinutesBetween(s, at('2026-03-04T17:00'), at('2026-03-05T09:30')),
  };
}

if (process.argv[1]?.endsWith('worktime-cases.ts')) {
  process.stdout.write(JSON.stringify(runCases()));
}
