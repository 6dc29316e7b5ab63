import { tx, type CoreDeps } from '../deps.js';
import { HOUR, MINUTE, DAY } from '../clock.js';
import { enqueue } from '../outbox/outbox.js';
import { insertSteps } from '../followups/followup-ops.js';

/**
 * The scheduler's trial jobs (SPEC §8). Each is idempotent: the flag that says "done" is set in
 * the same transaction as the outbox row or follow-up it guards.
 */
export function createTrialJobService(deps: CoreDeps) {
  const ctx = () => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect });

  /**
   * Every 30 min: trials starting within the next 2 hours get a reminder to the lead's salesperson
   * (group, room, time, the center's address and map link). Not held for quiet hours.
   */
  async function sendTrialReminders() {
    return tx(deps, async (t) => {
      const c = ctx();
      const rows = await t
        .selectFrom('trials')
        .innerJoin('leads', 'leads.id', 'trials.lead_id')
        .innerJoin('study_groups as g', 'g.id', 'trials.group_id')
        .innerJoin('courses', 'courses.id', 'g.course_id')
        .leftJoin('rooms', 'rooms.id', 'trials.room_id')
        .select([
          'trials.id',
          'trials.starts_at',
          'trials.date',
          'trials.time',
          'leads.id as lead_id',
          'leads.name as lead_name',
          'leads.phone',
          'leads.assigned_to',
          'g.name as group_name',
          'courses.name as course_name',
          'rooms.name as room_name',
        ])
        .where('trials.cancelled', '=', 0)
        .where('trials.reminder_sent', '=', 0)
        .where('trials.result', 'is', null)
        .where('trials.starts_at', '>', c.now.toISOString())
        .where('trials.starts_at', '<=', new Date(+c.now + 2 * HOUR).toISOString())
        .execute();
      if (!rows.length) return { reminders: 0 };
      const settings = await t.selectFrom('center_settings').select(['center_name', 'address', 'map_link']).where('id', '=', 1).executeTakeFirst();
      let sent = 0;
      for (const r of rows) {
        await t.updateTable('trials').set({ reminder_sent: 1 }).where('id', '=', r.id).execute();
        if (r.assigned_to == null) continue;
        const user = await t.selectFrom('users').selectAll().where('id', '=', r.assigned_to).executeTakeFirst();
        if (!user) continue;
        await enqueue(t, c, {
          kind: 'trial_reminder',
          user,
          payload: {
            trialId: r.id,
            leadId: r.lead_id,
            leadName: r.lead_name,
            phone: r.phone,
            startsAt: r.starts_at,
            date: r.date,
            time: r.time,
            groupName: r.group_name,
            courseName: r.course_name,
            roomName: r.room_name,
            centerName: settings?.center_name ?? null,
            address: settings?.address ?? null,
            mapLink: settings?.map_link ?? null,
          },
          ignoreQuietHours: true,
          dedupeKey: `trial_reminder:${r.id}:${r.starts_at}`,
        });
        sent++;
      }
      return { reminders: sent };
    });
  }

  /** Every 15 min: a trial that ended 15+ minutes ago without a result reminds its salesperson, once. */
  async function remindMissingResults() {
    return tx(deps, async (t) => {
      const c = ctx();
      const cutoff = new Date(+c.now - 15 * MINUTE).toISOString();
      const rows = await t
        .selectFrom('trials')
        .innerJoin('leads', 'leads.id', 'trials.lead_id')
        .innerJoin('study_groups as g', 'g.id', 'trials.group_id')
        .select(['trials.id', 'trials.starts_at', 'leads.id as lead_id', 'leads.name as lead_name', 'leads.phone', 'leads.assigned_to', 'g.name as group_name'])
        .where('trials.cancelled', '=', 0)
        .where('trials.result', 'is', null)
        .where('trials.result_reminder_sent', '=', 0)
        // the index on starts_at bounds the scan; a trial is never longer than its start + a day
        .where('trials.starts_at', '<=', cutoff)
        .where('trials.starts_at', '>=', new Date(+c.now - 14 * DAY).toISOString())
        .where('trials.ends_at', '<=', cutoff)
        .execute();
      let sent = 0;
      for (const r of rows) {
        await t.updateTable('trials').set({ result_reminder_sent: 1 }).where('id', '=', r.id).execute();
        if (r.assigned_to == null) continue;
        const user = await t.selectFrom('users').selectAll().where('id', '=', r.assigned_to).executeTakeFirst();
        if (!user) continue;
        await enqueue(t, c, {
          kind: 'trial_no_result',
          user,
          payload: { trialId: r.id, leadId: r.lead_id, leadName: r.lead_name, phone: r.phone, startsAt: r.starts_at, groupName: r.group_name },
          dedupeKey: `trial_no_result:${r.id}`,
        });
        sent++;
      }
      return { reminders: sent };
    });
  }

  /**
   * Hourly: a lead that attended a trial 24+ hours ago and is still `trial_attended` gets the
   * +24 h follow-up when the plan has not made one (its step 1 was never completed, so step 2 was
   * never created) and nothing else is open for it.
   */
  async function followUpAttended() {
    return tx(deps, async (t) => {
      const c = ctx();
      const cutoff = new Date(+c.now - DAY).toISOString();
      const rows = await t
        .selectFrom('trials')
        .innerJoin('leads', 'leads.id', 'trials.lead_id')
        .select(['trials.id as trial_id', 'trials.ends_at', 'leads.id as lead_id', 'leads.assigned_to'])
        .where('trials.cancelled', '=', 0)
        .where('trials.result', '=', 'attended')
        .where('leads.status', '=', 'trial_attended')
        .where('leads.parked', '=', 0)
        .where('trials.starts_at', '<=', cutoff)
        .where('trials.starts_at', '>=', new Date(+c.now - 30 * DAY).toISOString())
        .where('trials.ends_at', '<=', cutoff)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('follow_ups')
                .select('follow_ups.id')
                .whereRef('follow_ups.lead_id', '=', 'leads.id')
                .where((e) => e.or([e('follow_ups.state', '=', 'open'), e('follow_ups.kind', '=', 'trial_attended:2')])),
            ),
          ),
        )
        .execute();
      let created = 0;
      const seen = new Set<number>();
      for (const r of rows) {
        if (seen.has(r.lead_id)) continue;
        seen.add(r.lead_id);
        created += await insertSteps(t, c, { id: r.lead_id, assigned_to: r.assigned_to }, [
          { kind: 'trial_attended:2', planStatus: 'trial_attended', step: 2, due: Date.parse(r.ends_at) + DAY, trialId: r.trial_id },
        ]);
      }
      return { followUps: created };
    });
  }

  return {
    sendTrialReminders,
    remindMissingResults,
    followUpAttended,
  };
}

export type TrialJobService = ReturnType<typeof createTrialJobService>;
