import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor } from '../support/fixtures.js';
import { queueRows } from '../support/outbox-rows.js';
import { claimDue } from '../../core/outbox/delivery-repo.js';
import { AppError } from '../../core/errors.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';
import type { User } from '../../db/types.js';

describe.each(dialects())('outbox retry on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;
  let manager: User;
  let seller: User;
  let admin: User;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ({ services, clock } = servicesFor(database, '2026-03-02T06:00:00.000Z'));
    admin = await addUser(services, { role: 'admin', password: 'secret-pass-1' });
    manager = await addUser(services, { role: 'sales_manager', password: 'secret-pass-1' });
    seller = await addUser(services, { role: 'sales' });
  });
  afterAll(async () => database.cleanup());

  const row = (id: number) => database.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('puts a failed delivery back in the queue, due now, and the delivery worker picks it up', async () => {
    const past = new Date('2026-03-01T10:00:00.000Z');
    const [failedId] = await queueRows(database.db, [{ chatId: '5001', userId: seller.id, status: 'failed', claimedAt: past.toISOString(), claimedBy: 'w1', unknownOutcome: 1 }], past);
    await database.db.updateTable('outbox').set({ attempts: 5, last_error: 'Bad Request: chat not found' }).where('id', '=', failedId).execute();
    // the salesperson has re-linked Telegram since: the retry goes to the chat they use now
    await database.db.updateTable('users').set({ telegram_chat_id: '7007', telegram_user_id: '7007' }).where('id', '=', seller.id).execute();

    const out = await services.outbox.retry([failedId], manager);
    expect(out).toEqual({ retried: [failedId], skipped: [] });

    const r = await row(failedId);
    expect(r.status).toBe('pending');
    expect(r.attempts).toBe(0);
    expect(r.not_before).toBe(clock.now().toISOString());
    expect(r.claimed_at).toBeNull();
    expect(r.claimed_by).toBeNull();
    expect(Number(r.unknown_outcome)).toBe(0);
    expect(r.chat_id).toBe('7007');
    // the reason stays visible until the next outcome replaces it
    expect(r.last_error).toBe('Bad Request: chat not found');

    const claimed = await claimDue(database.db, dialect, { now: clock.now(), worker: 'w2', limit: 10, chatIntervalMs: 1000 });
    expect(claimed.map((c) => c.id)).toContain(failedId);
  });

  it('leaves rows that have not failed alone and says which were skipped', async () => {
    const now = clock.now();
    const [failedA, pending, sent, failedB] = await queueRows(
      database.db,
      [
        { chatId: '6001', status: 'failed' },
        { chatId: '6002', status: 'pending', notBefore: new Date(+now + 3_600_000) },
        { chatId: '6003', status: 'sent' },
        { chatId: '6004', status: 'failed' },
      ],
      now,
    );
    const before = await row(pending);
    const out = await services.outbox.retry([failedA, pending, sent, failedB, failedA], admin);
    expect(out.retried).toEqual([failedA, failedB]);
    expect(out.skipped.sort((a, b) => a - b)).toEqual([pending, sent]);
    expect((await row(pending)).not_before).toBe(before.not_before);
    expect((await row(sent)).status).toBe('sent');
    expect((await row(failedB)).status).toBe('pending');
    // a team-chat row (no user) keeps its chat
    expect((await row(failedA)).chat_id).toBe('6001');
  });

  it('refuses when nothing chosen has failed, naming the status, and refuses salespeople', async () => {
    const [sent] = await queueRows(database.db, [{ chatId: '6100', status: 'sent' }], clock.now());
    const refused = await services.outbox.retry([sent], manager).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('CONFLICT');
    expect((refused as AppError).fields).toHaveProperty('status');
    expect((await row(sent)).status).toBe('sent');

    const empty = await services.outbox.retry([], manager).catch((e: unknown) => e);
    expect((empty as AppError).code).toBe('VALIDATION');
    expect((empty as AppError).fields).toHaveProperty('ids');

    const [failed] = await queueRows(database.db, [{ chatId: '6101', status: 'failed' }], clock.now());
    const bySales = await services.outbox.retry([failed], seller).catch((e: unknown) => e);
    expect((bySales as AppError).code).toBe('FORBIDDEN');
    expect((await row(failed)).status).toBe('failed');

    const list = await services.outbox.failed(manager);
    expect(list.map((r) => r.id)).toContain(failed);
    expect(list.map((r) => r.id)).not.toContain(sent);
  });
});
