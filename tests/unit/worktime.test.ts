import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCases } from '../support/worktime-cases.js';

// Expected answers written by hand (Tashkent is UTC+5 all year).
const expected = {
  insideShift: '2026-03-04T05:00:00.000Z', // 10:00 stays 10:00
  isWorkingInside: true,
  isWorkingAtEnd: false,
  fiveBeforeEndPlusFive: '2026-03-05T04:00:00.000Z', // 18:00 Wed → Thu 09:00
  saturdayEvening: '2026-03-09T04:00:00.000Z', // Sat 19:00, Sunday off → Mon 09:00
  holiday: '2026-03-10T04:00:00.000Z', // Monday is a holiday → Tue 09:00
  duringLeave: '2026-03-06T04:00:00.000Z', // leave Wed–Thu → Fri 09:00
  partialLeave: '2026-03-04T08:00:00.000Z', // leave 09:00–13:00 → 13:00 the same day
  partialLeaveAfter: true,
  absence: '2026-03-05T04:00:00.000Z', // absent Wed → Thu 09:00
  beforeShift: '2026-03-04T04:00:00.000Z', // 07:00 → 09:00
  trialReminder: '2026-03-07T12:59:00.000Z', // Sat 17:59
  trialReminderNone: null, // nothing between Sunday noon and Monday 09:00
  workingMinutes: 90, // Wed 17:00–18:00 + Thu 09:00–09:30
};

describe('working time (fixed times, Asia/Tashkent)', () => {
  it('gives the hand-computed answers in this process', () => {
    expect(runCases()).toEqual(expected);
  });

  for (const hostTz of ['UTC', 'America/New_York']) {
    it(`gives the same answers when the host runs under TZ=${hostTz}`, () => {
      const json = execFileSync(process.execPath, ['--import', 'tsx', 'tests/support/worktime-cases.ts'], {
        env: { ...process.env, TZ: hostTz },
        encoding: 'utf8',
      });
      expect(JSON.parse(json)).toEqual(expected);
    });
  }
});
