import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('overdue follow-ups, blocks and first response on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('five overdue block the salesperson with one manager alert per block; the owner is told once per follow-up', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 31 });
    const other = await addUser(services, { telegramUserId: 32 });
    const manager = await addUser(services, { role: 'sales_manager', telegramUserId: 33 });
    const leads = [];
    for (let i = 0; i < 6; i++) leads.push((await services.leads.intake({ name: `O${i}`, phone: `+99890555000${i}`, source: 'walk_in' }, sales)).lead);
    // the sixth lead's follow-up is due later in the day
    await database.db.updateTable('follow_ups').set({ due_at: tash('2026-03-04T15:00') }).where('lead_id', '=', leads[5].id).execute();
    const blockAlerts = () => database.db.selectFrom('outbox').select(['user_id']).where('kind', '=', 'block_started').execute();
    const overdueNotices = () => database.db.selectFrom('outbox').select(['user_id']).where('kind', '=', 'followup_overdue').where('user_id', '=', sales.id).execute();

    clock.set(tash('2026-03-04T10:30'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 5, blocksStarted: 1 });
    await services.followUps.markOverdue();
    await services.followUps.markOverdue();
    expect(await blockAlerts()).toEqual([{ user_id: manager.id }]);
    expect(await overdueNotices()).toHaveLength(5);
    // blocked: no new leads while the block lasts
    await database.db.updateTable('users').set({ open_lead_count: 100 }).where('id', '=', other.id).execute();
    const r = await services.leads.intake({ name: 'New', phone: '+998905559999', source: 'form' });
    expect(r.lead.assigned_to).toBe(other.id);

    // the sixth becomes overdue while blocked: no second alert
    clock.set(tash('2026-03-04T15:15'));
    await services.followUps.markOverdue();
    expect(await blockAlerts()).toHaveLength(1);
    expect(await overdueNotices()).toHaveLength(6);

    // completing two drops the count to 4: unblocked
    const open = await database.db.selectFrom('follow_ups').select('id').where('sales_id', '=', sales.id).where('state', '=', 'open').orderBy('id').execute();
    await services.followUps.complete(open[0].id, sales);
    await services.followUps.complete(open[1].id, sales);
    expect(await services.followUps.markOverdue()).toMatchObject({ blocksEnded: 1 });
    expect((await services.users.get(sales.id)).blocked_since).toBeNull();
    expect(await blockAlerts()).toHaveLength(1);

    // one more overdue: 5 again → a new block, a new alert
    await database.db.updateTable('follow_ups').set({ due_at: tash('2026-03-04T15:00') }).where('id', '=', open[0].id).execute();
    await database.db.insertInto('follow_ups').values({ lead_id: leads[0].id, sales_id: sales.id, due_at: tash('2026-03-04T15:20'), kind: 'callback', created_at: tash('2026-03-04T15:15') }).execute();
    clock.set(tash('2026-03-04T15:45'));
    expect(await services.followUps.markOverdue()).toMatchObject({ blocksStarted: 1 });
    expect(await blockAlerts()).toHaveLength(2);
  });

  it('a new lead not contacted within the first-response target (working minutes) alerts managers once', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T17:50'));
    const sales = await addUser(services);
    const manager = await addUser(services, { role: 'sales_manager' });
    const { lead } = await services.leads.intake({ name: 'Slow', phone: '+998905551111', source: 'form' });
    expect(lead.assigned_to).toBe(sales.id);
    // 17:50 → 18:00 is 10 working minutes; the night does not count
    clock.set(tash('2026-03-05T08:00'));
    expect(await services.followUps.checkFirstResponse()).toEqual({ breaches: 0 });
    clock.set(tash('2026-03-05T09:04'));
    expect(await services.followUps.checkFirstResponse()).toEqual({ breaches: 0 });
    clock.set(tash('2026-03-05T09:05'));
    expect(await services.followUps.checkFirstResponse()).toEqual({ breaches: 1 });
    expect(await services.followUps.checkFirstResponse()).toEqual({ breaches: 0 });
    const alerts = await database.db.selectFrom('outbox').select('user_id').where('kind', '=', 'first_response_breach').execute();
    expect(alerts).toEqual([{ user_id: manager.id }]);
  });

  it('due reminders are queued once, at the due time, for follow-ups due before the next run', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 41 });
    await services.leads.intake({ name: 'R', phone: '+998905552222', source: 'walk_in' }, sales); // due 10:05
    expect(await services.followUps.queueDueReminders(4 * 60_000)).toEqual({ reminders: 0 });
    clock.set(tash('2026-03-04T10:01'));
    expect(await services.followUps.queueDueReminders(5 * 60_000)).toEqual({ reminders: 1 });
    expect(await services.followUps.queueDueReminders(5 * 60_000)).toEqual({ reminders: 0 });
    const rows = await database.db.selectFrom('outbox').select(['chat_id', 'not_before']).where('kind', '=', 'followup_due').execute();
    expect(rows).toEqual([{ chat_id: '41', not_before: tash('2026-03-04T10:05') }]);
  });

  it('after a long stop, a follow-up that fell due meanwhile gets its overdue notice only, not a late "due" reminder too', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 51 });
    const missed = (await services.leads.intake({ name: 'Missed', phone: '+998905553333', source: 'walk_in' }, sales)).lead; // due 10:05
    // the scheduler did not run from 10:00 to 12:00 (stopped, or a web-only process took the lead); at 11:57 a lead was entered, due at once
    clock.set(tash('2026-03-04T11:57'));
    const fresh = (await services.leads.intake({ name: 'Fresh', phone: '+998905553334', source: 'walk_in' }, sales)).lead;
    await database.db.updateTable('follow_ups').set({ due_at: tash('2026-03-04T11:57') }).where('lead_id', '=', fresh.id).execute();
    clock.set(tash('2026-03-04T12:00'));
    expect(await services.followUps.queueDueReminders()).toEqual({ reminders: 1 });
    await services.followUps.markOverdue();
    const told = async (kind: string) =>
      (await database.db.selectFrom('outbox').select('payload').where('kind', '=', kind as never).orderBy('id').execute()).map((r) => JSON.parse(r.payload).leadId as number);
    // the one that just fell due is reminded; the one two hours late is told once, as overdue
    expect(await told('followup_due')).toEqual([fresh.id]);
    expect(await told('followup_overdue')).toContain(missed.id);
  });
});
