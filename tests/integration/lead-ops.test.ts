import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('reassignment, handover, merge and bulk operations on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('reassigning moves open follow-ups to the new person, shifted into their working time, and tells them', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T16:00'));
    const day = await addUser(services, { workStart: '09:00', workEnd: '18:00' });
    const evening = await addUser(services, { workStart: '18:00', workEnd: '22:00', telegramUserId: 51 });
    const manager = await addUser(services, { role: 'sales_manager' });
    const { lead } = await services.leads.intake({ name: 'Move me', phone: '+998901230001', source: 'walk_in' }, day);
    await services.leads.move(lead.id, { to: 'contacted' }, day); // contacted:1 due Thu 16:00
    await services.leads.assign([lead.id], evening.id, manager);
    const fu = await database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', lead.id).where('state', '=', 'open').execute();
    // Thursday 16:00 is outside 18:00–22:00: first thing in the evening shift
    expect(fu.map((f) => [f.kind, f.sales_id, f.due_at])).toEqual([['contacted:1', evening.id, tash('2026-03-05T18:00')]]);
    const counts = await database.db.selectFrom('users').select(['id', 'open_lead_count']).where('id', 'in', [day.id, evening.id]).orderBy('id').execute();
    expect(counts.map((c) => c.open_lead_count)).toEqual([0, 1]);
    const ev = await database.db.selectFrom('lead_events').selectAll().where('lead_id', '=', lead.id).where('type', '=', 'reassigned').executeTakeFirstOrThrow();
    expect(JSON.parse(ev.data!)).toMatchObject({ from: day.id, to: evening.id });
    expect(await database.db.selectFrom('outbox').select('chat_id').where('kind', '=', 'lead_assigned').execute()).toEqual([{ chat_id: '51' }]);
    await expect(services.leads.assign([lead.id], day.id, day)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('deactivating a salesperson hands their open leads to others in one step; closed leads stay', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T10:00'));
    const leaving = await addUser(services);
    const a = await addUser(services);
    const b = await addUser(services);
    const manager = await addUser(services, { role: 'sales_manager' });
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push((await services.leads.intake({ name: `H${i}`, phone: `+99890123100${i}`, source: 'walk_in' }, leaving)).lead.id);
    await services.leads.move(ids[3], { to: 'lost', lostReason: 'price' }, leaving);
    const r = await services.leads.deactivateSalesperson(leaving.id, {}, manager);
    expect(r).toEqual({ handed: 3, queued: 0 });
    const leads = await database.db.selectFrom('leads').select(['id', 'assigned_to']).where('id', 'in', ids).orderBy('id').execute();
    expect(leads.slice(0, 3).every((l) => l.assigned_to === a.id || l.assigned_to === b.id)).toBe(true);
    expect(leads[3].assigned_to).toBe(leaving.id);
    const left = await services.users.get(leaving.id);
    expect(left).toMatchObject({ is_active: 0, is_active_sales: 0 });
    const openFus = await database.db.selectFrom('follow_ups').select('sales_id').where('state', '=', 'open').execute();
    expect(openFus.every((f) => f.sales_id !== leaving.id)).toBe(true);
  });

  it('merging moves events, follow-ups and phones to the survivor, with a merged event on both', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T10:00'));
    const s = await addUser(services);
    const manager = await addUser(services, { role: 'sales_manager' });
    const keep = (await services.leads.intake({ name: 'Keep', phone: '+998901231111', source: 'walk_in' }, s)).lead;
    const dup = (await services.leads.intake({ name: 'Dup', phone: '+998931232222', source: 'form', note: 'same person' })).lead;
    await expect(services.leads.merge(keep.id, dup.id, s)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const merged = await services.leads.merge(keep.id, dup.id, manager);
    expect(merged.phone2).toBe('+998931232222');
    const events = await database.db.selectFrom('lead_events').select(['lead_id', 'type']).where('type', '=', 'merged').execute();
    expect(events.map((e) => e.lead_id).sort()).toEqual([keep.id, dup.id].sort());
    const fus = await database.db.selectFrom('follow_ups').select('lead_id').execute();
    expect(fus.every((f) => f.lead_id === keep.id)).toBe(true);
    // the merged phone now finds the survivor
    const again = await services.leads.intake({ name: 'Dup', phone: '+998931232222', source: 'form' });
    expect(again).toMatchObject({ duplicate: true });
    expect(again.lead.id).toBe(keep.id);
    await expect(services.leads.get(dup.id, manager)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('bulk reschedule, reassign and complete are managers-only and recorded', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T10:00'));
    const s = await addUser(services);
    const t = await addUser(services);
    const manager = await addUser(services, { role: 'sales_manager' });
    for (let i = 0; i < 3; i++) await services.leads.intake({ name: `B${i}`, phone: `+99890123200${i}`, source: 'walk_in' }, s);
    const fus = await database.db.selectFrom('follow_ups').select(['id', 'lead_id']).orderBy('id').execute();
    await expect(services.followUps.bulkComplete([fus[0].id], s)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await services.followUps.bulkReschedule([fus[0].id], tash('2026-03-04T20:00'), manager)).toEqual({ updated: 1 });
    // 20:00 is after the shift: moved to Thursday 09:00
    expect((await services.followUps.get(fus[0].id)).due_at).toBe(tash('2026-03-05T09:00'));
    expect(await services.followUps.bulkReassign([fus[1].id], t.id, manager)).toEqual({ updated: 1 });
    expect((await services.followUps.get(fus[1].id)).sales_id).toBe(t.id);
    expect(await services.followUps.bulkComplete([fus[2].id], manager)).toEqual({ updated: 1 });
    expect((await services.followUps.get(fus[2].id)).state).toBe('done');
    const types = await database.db.selectFrom('lead_events').select('type').where('type', 'in', ['followup_rescheduled', 'reassigned', 'followup_done']).execute();
    expect(types.map((x) => x.type).sort()).toEqual(['followup_done', 'followup_rescheduled', 'reassigned']);
  });
});
