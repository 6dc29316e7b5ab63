import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addCourse, addUser, servicesFor, tash } from '../support/fixtures.js';
import { createGroupCommit } from '../../db/group-commit.js';

// A burst of landing posts arrives at once: on SQLite they share one commit (db/group-commit.ts),
// on PostgreSQL each has its own transaction. Either way every post must get exactly the answer
// it would have got alone, and a failing one must not take the others with it.
describe.each(dialects())('concurrent intakes on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });
  const WED_10 = tash('2026-03-04T10:00');

  it('a burst of 60 posts (10 repeating an earlier phone) makes 50 leads, 10 duplicates, spread evenly', async () => {
    const { services } = servicesFor(database, WED_10);
    const a = await addUser(services, { telegramUserId: 11 });
    const b = await addUser(services, { telegramUserId: 12 });
    const phone = (i: number) => `+99890${String(1_000_000 + i)}`;
    const posts = Array.from({ length: 60 }, (_, i) => services.leads.intake({ name: `Burst ${i}`, phone: phone(i < 50 ? i : i - 50), source: 'form' }));
    const results = await Promise.all(posts);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(50);
    // a repeat names the lead made by the earlier post of the same phone
    for (let i = 50; i < 60; i++) {
      expect(results[i].duplicate).toBe(true);
      expect(results[i].lead.id).toBe(results[i - 50].lead.id);
    }
    const owners = await database.db.selectFrom('leads').select(['assigned_to', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('assigned_to').execute();
    expect(Object.fromEntries(owners.map((o) => [o.assigned_to, Number(o.n)]))).toEqual({ [a.id]: 25, [b.id]: 25 });
    const users = await database.db.selectFrom('users').select(['id', 'open_lead_count']).where('id', 'in', [a.id, b.id]).execute();
    expect(users.map((u) => u.open_lead_count)).toEqual([25, 25]);
    expect(await database.db.selectFrom('follow_ups').select('id').execute()).toHaveLength(50);
  });

  it('one failing post in a burst is rejected alone and leaves nothing; the others are kept whole', async () => {
    const { services } = servicesFor(database, WED_10);
    await addUser(services, { telegramUserId: 21 });
    const bad = '+998907770007';
    // fail the last write of one intake (its assignee notification), after its lead, phones and follow-up
    const trigger = dialect === 'postgres'
      ? `create or replace function crm_fail() returns trigger as $$ begin if new.payload like '%${bad}%' then raise exception 'injected failure'; end if; return new; end $$ language plpgsql;
         create trigger crm_fail before insert on outbox for each row execute function crm_fail();`
      : `create trigger crm_fail before insert on outbox when new.payload like '%${bad}%' begin select raise(abort, 'injected failure'); end;`;
    await sql.raw(trigger).execute(database.db);
    const phones = Array.from({ length: 15 }, (_, i) => (i === 7 ? bad : `+9989077700${String(i).padStart(2, '0')}`));
    const settled = await Promise.allSettled(phones.map((p, i) => services.leads.intake({ name: `Post ${i}`, phone: p, source: 'instagram' })));
    expect(settled.map((s) => s.status)).toEqual(phones.map((p) => (p === bad ? 'rejected' : 'fulfilled')));
    expect(String((settled[7] as PromiseRejectedResult).reason)).toMatch(/injected failure/);
    const leads = await database.db.selectFrom('leads').select('phone').orderBy('phone').execute();
    expect(leads.map((l) => l.phone)).toEqual(phones.filter((p) => p !== bad).sort());
    expect(await database.db.selectFrom('lead_phones').select('phone').where('phone', '=', bad).execute()).toHaveLength(0);
    expect(await database.db.selectFrom('lead_events').select('id').where('type', '=', 'created').execute()).toHaveLength(14);
    expect(await database.db.selectFrom('follow_ups').select('id').execute()).toHaveLength(14);
    expect(await database.db.selectFrom('outbox').select('id').execute()).toHaveLength(14);
    expect((await database.db.selectFrom('users').select('open_lead_count').executeTakeFirstOrThrow()).open_lead_count).toBe(14);
  });

  it("a burst through the landing form is one digest per manager: it counts every kept lead, lists the first 20 with course names, and never a rejected one", async () => {
    const { services } = servicesFor(database, WED_10);
    await addUser(services, { telegramUserId: 31 });
    const manager = await addUser(services, { telegramUserId: 32, role: 'sales_manager' });
    const course = await addCourse(database, { name: 'IELTS' });
    const bad = '+998907780007';
    const trigger = dialect === 'postgres'
      ? `create or replace function crm_fail() returns trigger as $$ begin if new.phone = '${bad}' then raise exception 'injected failure'; end if; return new; end $$ language plpgsql;
         create trigger crm_fail before insert on lead_phones for each row execute function crm_fail();`
      : `create trigger crm_fail before insert on lead_phones when new.phone = '${bad}' begin select raise(abort, 'injected failure'); end;`;
    await sql.raw(trigger).execute(database.db);
    const phones = Array.from({ length: 30 }, (_, i) => (i === 7 ? bad : `+9989077800${String(i).padStart(2, '0')}`));
    const settled = await Promise.allSettled(phones.map((p, i) => services.leads.intake({ name: `Post ${i}`, phone: p, source: 'form', courseId: i % 2 ? course.id : null })));
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    const rows = await database.db.selectFrom('outbox').select(['payload', 'not_before']).where('kind', '=', 'landing_digest').where('user_id', '=', manager.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0].not_before).toBe(new Date(Date.parse(WED_10) + 60_000).toISOString());
    const payload = JSON.parse(rows[0].payload) as { total: number; leads: Array<{ name: string; phone: string; courseName: string | null; duplicate: boolean }> };
    expect(payload.total).toBe(29);
    expect(payload.leads).toHaveLength(20);
    expect(payload.leads.map((l) => l.phone)).not.toContain(bad);
    const kept = phones.map((_, i) => `Post ${i}`).filter((n) => n !== 'Post 7');
    expect(new Set(payload.leads.map((l) => l.name)).size).toBe(20);
    expect(payload.leads.every((l) => kept.includes(l.name))).toBe(true);
    // one SQLite transaction keeps arrival order; PostgreSQL lists them in commit order
    if (dialect === 'sqlite') expect(payload.leads.map((l) => l.name)).toEqual(kept.slice(0, 20));
    expect(payload.leads.map((l) => l.courseName)).toEqual(payload.leads.map((l) => (Number(l.name.slice(5)) % 2 ? 'IELTS' : null)));
    // a second burst in the same minute adds to the same message
    await Promise.all([0, 1].map((i) => services.leads.intake({ name: `Later ${i}`, phone: `+99890779000${i}`, source: 'form' })));
    const again = await database.db.selectFrom('outbox').select('payload').where('kind', '=', 'landing_digest').where('user_id', '=', manager.id).execute();
    expect(again).toHaveLength(1);
    expect(JSON.parse(again[0].payload).total).toBe(31);
  });

  it('what a unit collects is written once before its commit, and a failing unit takes its items with it', async () => {
    const gc = createGroupCommit(database.db, dialect);
    await database.db.schema.createTable('gc_sum').addColumn('items', 'text').execute();
    const flush = async (tx: Parameters<Parameters<typeof gc.run>[0]>[0], items: number[]) => {
      await tx.insertInto('gc_sum' as any).values({ items: items.join(',') }).execute();
    };
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        gc.run(async (_tx, _memo, collect) => {
          collect('sum', i, flush);
          if (i === 4) throw new Error('unit 4 fails after collecting');
          return i;
        }),
      ),
    );
    expect(settled.map((s) => s.status)).toEqual(Array.from({ length: 10 }, (_, i) => (i === 4 ? 'rejected' : 'fulfilled')));
    const rows = (await database.db.selectFrom('gc_sum' as any).select('items').execute()) as Array<{ items: string }>;
    const written = rows.flatMap((r) => r.items.split(',').map(Number)).sort((a, b) => a - b);
    expect(written).toEqual([0, 1, 2, 3, 5, 6, 7, 8, 9]);
    // SQLite: one batch, one write for all of them; PostgreSQL: one per unit's own transaction
    expect(rows.length).toBe(dialect === 'sqlite' ? gc.stats().batches : 9);
  });

  it('units settle only after their commit, and a burst shares commits on SQLite', async () => {
    const gc = createGroupCommit(database.db, dialect);
    await database.db.schema.createTable('gc_probe').addColumn('n', 'integer').execute();
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        gc.run(async (tx) => {
          await tx.insertInto('gc_probe' as any).values({ n: i }).execute();
          return i;
        }).then(async (i) => {
          // once a unit's promise resolves its row is visible to another connection's reads
          const row = await database.db.selectFrom('gc_probe' as any).select('n').where('n', '=', i).executeTakeFirst();
          if (row) seen.push(i);
        }),
      ),
    );
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    if (dialect === 'sqlite') expect(gc.stats().batches).toBeLessThan(5);
  });
});
