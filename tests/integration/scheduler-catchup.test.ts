import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('scheduler jobs over time on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('a follow-up snoozed after its overdue notice, and missed again, tells its owner again (once)', async () => {
    const { services, clock } = servicesFor(database, tash('2026-03-04T10:00'));
    const sales = await addUser(services, { telegramUserId: 61 });
    await services.leads.intake({ name: 'Snoozy', phone: '+998905554444', source: 'walk_in' }, sales); // due 10:05
    const [fu] = await database.db.selectFrom('follow_ups').select('id').where('sales_id', '=', sales.id).execute();
    const notices = async () =>
      (await database.db.selectFrom('outbox').select(['payload', 'not_before']).where('kind', '=', 'followup_overdue').orderBy('id').execute()).map(
        (r) => [JSON.parse(r.payload).dueAt, r.not_before],
      );

    clock.set(tash('2026-03-04T10:15'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 1 });
    expect(await notices()).toEqual([[tash('2026-03-04T10:05'), tash('2026-03-04T10:15')]]);
    // the salesperson puts it off to 11:00, and misses it again
    await services.followUps.snooze(fu.id, tash('2026-03-04T11:00'), sales);
    clock.set(tash('2026-03-04T11:15'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 1 });
    clock.set(tash('2026-03-04T11:30'));
    expect(await services.followUps.markOverdue()).toMatchObject({ markedOverdue: 0 });
    expect(await notices()).toEqual([
      [tash('2026-03-04T10:05'), tash('2026-03-04T10:15')],
      [tash('2026-03-04T11:00'), tash('2026-03-04T11:15')],
    ]);
  });
});
