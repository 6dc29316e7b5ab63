import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';

describe.each(dialects())('staff users on %s', (dialect) => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await freshDatabase(dialect);
  });
  afterEach(async () => {
    await database.cleanup();
  });

  it('the last active admin can be neither demoted nor deactivated; with a second admin both work', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T10:00'));
    const first = await addUser(services, { role: 'admin' });
    await expect(services.users.update(first.id, { role: 'sales_manager' })).rejects.toMatchObject({ code: 'VALIDATION', fields: { role: expect.any(String) } });
    await expect(services.users.update(first.id, { isActive: false })).rejects.toMatchObject({ code: 'VALIDATION', fields: { isActive: expect.any(String) } });
    expect((await services.users.get(first.id)).role).toBe('admin');
    await addUser(services, { role: 'admin' });
    expect((await services.users.update(first.id, { role: 'sales_manager' })).role).toBe('sales_manager');
  });

  it('creating a user validates and normalizes: taken username, bad hours, phone to E.164', async () => {
    const { services } = servicesFor(database, tash('2026-03-04T10:00'));
    const u = await addUser(services, { username: 'aziz', phone: '90 123 45 67' });
    expect(u.phone).toBe('+998901234567');
    await expect(addUser(services, { username: 'aziz' })).rejects.toMatchObject({ fields: { username: expect.any(String) } });
    await expect(addUser(services, { workStart: '25:00' })).rejects.toMatchObject({ fields: { workStart: expect.any(String) } });
  });
});
