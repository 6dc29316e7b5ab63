import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addUser, servicesFor, tash } from '../support/fixtures.js';
import { AppError } from '../../core/errors.js';
import { normalizePhone } from '../../core/shared/phone.js';
import { sql } from 'kysely';

describe('phone normalization', () => {
  it.each(['90 123 45 67', '+998901234567', '998901234567', '(90) 123-45-67', '+998 (90) 123-45-67'])('%s → +998901234567', (raw) => {
    expect(normalizePhone(raw)).toBe('+998901234567');
  });
  it('garbage names the phone field', () => {
    try {
      normalizePhone('hello');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('VALIDATION');
      expect((e as AppError).fields).toHaveProperty('phone');
    }
  });
});

describe.each(dialects())('intake on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  // Wednesday 10:00 in Tashkent: the default shift (Mon–Sat 09:00–18:00) is on
  const WED_10 = tash('2026-03-04T10:00');

  it('creates, distributes, plans the +5 min follow-up and queues the assignee notification in one go', async () => {
    const { services } = servicesFor(database, WED_10);
    const s1 = await addUser(services, { telegramUserId: 1001 });
    const r = await services.leads.intake({ name: '  Aziz   Karimov ', phone: '90 123 45 67', source: 'instagram' });
    expect(r.duplicate).toBe(false);
    expect(r.lead.name).toBe('Aziz Karimov');
    expect(r.lead.phone).toBe('+998901234567');
    expect(r.lead.assigned_to).toBe(s1.id);
    const fus = await database.db.selectFrom('follow_ups').selectAll().where('lead_id', '=', r.lead.id).execute();
    expect(fus.map((f) => [f.kind, f.due_at, f.sales_id])).toEqual([['new:1', tash('2026-03-04T10:05'), s1.id]]);
    const out = await database.db.selectFrom('outbox').selectAll().where('kind', '=', 'lead_assigned').execute();
    expect(out).toHaveLength(1);
    expect(out[0].chat_id).toBe('1001');
    const events = await database.db.selectFrom('lead_events').select(['type', 'data']).where('lead_id', '=', r.lead.id).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['created', 'assigned']);
    expect(JSON.parse(events[1].data!).reason).toMatch(/fewest open leads/);
  });

  it('recognizes a repeat by the secondary phone as the same lead and appends a repeated note once', async () => {
    const { services } = servicesFor(database, WED_10);
    const s1 = await addUser(services);
    const first = await services.leads.intake({ name: 'Dilshod', phone: '+998901111111', phone2: '+998935555555', source: 'instagram', note: 'wants IELTS' });
    const again = await services.leads.intake({ name: 'Dilshod aka', phone: '93 555 55 55', source: 'form', note: 'wants IELTS' });
    expect(again.duplicate).toBe(true);
    expect(again.outcome).toBe('touched');
    expect(again.lead.id).toBe(first.lead.id);
    const third = await services.leads.intake({ name: 'D', phone: '998935555555', source: 'form', note: 'asks about price' });
    expect(third.lead.id).toBe(first.lead.id);
    const leads = await database.db.selectFrom('leads').selectAll().execute();
    expect(leads).toHaveLength(1);
    const notes = leads[0].notes!.split('\n');
    expect(notes).toHaveLength(2);
    expect(notes[0]).toMatch(/wants IELTS$/);
    expect(notes[1]).toMatch(/asks about price$/);
    const touched = await database.db.selectFrom('outbox').select('user_id').where('kind', '=', 'lead_touched').execute();
    expect(touched.map((t) => t.user_id)).toEqual([s1.id, s1.id]);
  });

  it('a lead entered by a salesperson stays theirs even when another is less loaded', async () => {
    const { services } = servicesFor(database, WED_10);
    const busy = await addUser(services);
    const idle = await addUser(services);
    await services.leads.intake({ name: 'A', phone: '+998901000001', source: 'walk_in' }, busy);
    await services.leads.intake({ name: 'B', phone: '+998901000002', source: 'walk_in' }, busy);
    const r = await services.leads.intake({ name: 'C', phone: '+998901000003', source: 'walk_in' }, busy);
    expect(r.lead.assigned_to).toBe(busy.id);
    expect((await services.users.get(busy.id)).open_lead_count).toBe(3);
    expect((await services.users.get(idle.id)).open_lead_count).toBe(0);
  });

  it('an enrolled student coming back is a touch and their salesperson is told', async () => {
    const { services } = servicesFor(database, WED_10);
    const s1 = await addUser(services);
    const r = await services.leads.intake({ name: 'Student', phone: '+998901234000', source: 'walk_in' }, s1);
    await database.db.updateTable('leads').set({ status: 'enrolled' }).where('id', '=', r.lead.id).execute();
    const back = await services.leads.intake({ name: 'Student', phone: '+998901234000', source: 'form' });
    expect(back).toMatchObject({ duplicate: true, outcome: 'student_touched' });
    expect((await services.leads.get(r.lead.id, null)).status).toBe('enrolled');
    const rows = await database.db.selectFrom('outbox').select(['kind', 'user_id']).where('kind', '=', 'student_returned').execute();
    expect(rows).toEqual([{ kind: 'student_returned', user_id: s1.id }]);
  });

  it('invalid input writes nothing and names the field', async () => {
    const { services } = servicesFor(database, WED_10);
    await addUser(services);
    await expect(services.leads.intake({ name: 'X', phone: '12', source: 'form' })).rejects.toMatchObject({ code: 'VALIDATION', fields: { phone: expect.any(String) } });
    await expect(services.leads.intake({ name: '  ', phone: '+998901234567', source: 'form' })).rejects.toMatchObject({ code: 'VALIDATION', fields: { name: expect.any(String) } });
    await expect(services.leads.intake({ name: 'X', phone: '+998901234567', source: 'nowhere' as any })).rejects.toMatchObject({ code: 'VALIDATION', fields: { source: expect.any(String) } });
    expect(await database.db.selectFrom('leads').selectAll().execute()).toHaveLength(0);
  });

  it('a failure after the lead insert leaves nothing behind (no lead, event, follow-up or outbox row)', async () => {
    const { services } = servicesFor(database, WED_10);
    await addUser(services, { telegramUserId: 5 });
    // the outbox insert is the last write of an intake: make it throw, after lead, phones, events and follow-up
    const trigger = dialect === 'postgres'
      ? `create or replace function crm_fail() returns trigger as $$ begin raise exception 'injected failure'; end $$ language plpgsql;
         create trigger crm_fail before insert on outbox for each row execute function crm_fail();`
      : `create trigger crm_fail before insert on outbox begin select raise(abort, 'injected failure'); end;`;
    await sql.raw(trigger).execute(database.db);
    await expect(services.leads.intake({ name: 'Ghost', phone: '+998907777777', source: 'form' })).rejects.toThrow(/injected failure/);
    for (const table of ['leads', 'lead_phones', 'lead_events', 'follow_ups', 'outbox'] as const) {
      expect(await database.db.selectFrom(table).selectAll().execute(), table).toHaveLength(0);
    }
    expect((await database.db.selectFrom('users').select('open_lead_count').execute())[0].open_lead_count).toBe(0);
  });
});
