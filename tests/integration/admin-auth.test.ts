import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { servicesFor } from '../support/fixtures.js';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import type { Services } from '../../core/services.js';
import type { ManualClock } from '../../core/clock.js';
import { createStaffLogin, LOCK_MINUTES } from '../../core/users/login.js';
import { AppError } from '../../core/errors.js';
import { createAdmin } from '../../admin/admin.js';

const PASSWORD = 'right-password-1';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

describe.each(dialects())('back-office sign-in on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let clock: ManualClock;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ({ services, clock } = servicesFor(database, '2026-03-02T05:00:00.000Z'));
    await services.users.create({ username: 'boss', fullName: 'Bosh', role: 'admin', password: PASSWORD });
    await services.users.create({ username: 'mgr', fullName: 'Malika', role: 'sales_manager', password: PASSWORD });
    await services.users.create({ username: 'seller', fullName: 'Sardor', role: 'sales', password: PASSWORD });
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  const signIn = (u: string, p: string) => createStaffLogin(services.deps).signIn(u, p, ['admin', 'sales_manager']);
  const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof AppError ? `${e.code}:${e.message}` : String(e)));

  it('locks after five wrong passwords for 15 minutes, then counts afresh; a right password resets the count', async () => {
    expect(await codeOf(signIn('mgr', 'nope'))).toBe('UNAUTHORIZED:invalidCredentials');
    expect(await codeOf(signIn('mgr', PASSWORD))).toBe('ok');
    const fresh = await database.db.selectFrom('users').select(['failed_logins', 'locked_until']).where('username', '=', 'mgr').executeTakeFirstOrThrow();
    expect(fresh).toEqual({ failed_logins: 0, locked_until: null });

    for (let i = 0; i < 4; i++) expect(await codeOf(signIn('mgr', 'nope'))).toBe('UNAUTHORIZED:invalidCredentials');
    expect(await codeOf(signIn('mgr', 'nope'))).toBe('LOCKED:accountLocked');
    expect(await codeOf(signIn('mgr', PASSWORD))).toBe('LOCKED:accountLocked');
    const locked = await database.db.selectFrom('users').select('locked_until').where('username', '=', 'mgr').executeTakeFirstOrThrow();
    expect(locked.locked_until).toBe(new Date(clock.now().getTime() + LOCK_MINUTES * 60_000).toISOString());

    clock.advance(LOCK_MINUTES * 60_000 + 1000);
    // after the lock one wrong password does not lock again at once
    expect(await codeOf(signIn('mgr', 'nope'))).toBe('UNAUTHORIZED:invalidCredentials');
    expect(await codeOf(signIn('mgr', PASSWORD))).toBe('ok');
  });

  it('refuses salespeople, deactivated staff and unknown names', async () => {
    expect(await codeOf(signIn('seller', PASSWORD))).toBe('FORBIDDEN:roleNotAllowed');
    expect(await codeOf(signIn('ghost', PASSWORD))).toBe('UNAUTHORIZED:invalidCredentials');
    const boss2 = (await services.users.create({ username: 'gone', fullName: 'Gone', role: 'admin', password: PASSWORD })).user;
    await services.users.update(boss2.id, { isActive: false });
    expect(await codeOf(signIn('gone', PASSWORD))).toBe('FORBIDDEN:roleNotAllowed');
  });

  it('sets an HttpOnly, SameSite=Lax, Secure (https) session cookie, stores the session in the database and ends it on logout', async () => {
    const config = loadConfig({ PUBLIC_URL: 'https://crm.example.uz', LOG_LEVEL: 'silent' });
    const { app } = await createAdmin({ services, config, log: createLogger('silent') });
    const { server, url } = await listen(app);
    try {
      const page = await fetch(`${url}/admin/login`);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).not.toContain('fonts.googleapis.com');
      expect(html).not.toMatch(/(src|href)="https?:\/\/(?!127\.0\.0\.1)/);

      // behind the TLS proxy the public address implies
      const res = await fetch(`${url}/admin/login`, { ...form({ email: 'boss', password: PASSWORD }), headers: { ...form({}).headers, 'x-forwarded-proto': 'https' } });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/admin');
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^crm_admin=/);
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toMatch(/Secure/i);
      expect(cookie).toMatch(/Path=\/admin/i);

      const rows = await database.db.selectFrom('sessions').selectAll().where('sid', 'like', 'admin:%').execute();
      expect(rows).toHaveLength(1);
      expect(JSON.parse(rows[0].data).adminUser).toMatchObject({ email: 'boss', role: 'admin' });
      expect(rows[0].data).not.toContain(PASSWORD);

      const sid = cookie.split(';')[0];
      const home = await fetch(`${url}/admin`, { headers: { cookie: sid, 'x-forwarded-proto': 'https' }, redirect: 'manual' });
      expect(home.status).toBe(200);

      // the signing secret was generated once and kept (not in the repository, not in env)
      const secret = await database.db.selectFrom('kv_state').select('value').where('key', '=', 'admin_session_secret').executeTakeFirstOrThrow();
      expect(secret.value.length).toBeGreaterThanOrEqual(40);

      const out = await fetch(`${url}/admin/logout`, { headers: { cookie: sid, 'x-forwarded-proto': 'https' }, redirect: 'manual' });
      expect(out.status).toBe(302);
      expect(await database.db.selectFrom('sessions').select('sid').where('sid', 'like', 'admin:%').execute()).toHaveLength(0);
      const after = await fetch(`${url}/admin`, { headers: { cookie: sid }, redirect: 'manual' });
      expect(after.headers.get('location')).toBe('/admin/login');
    } finally {
      server.close();
    }
  });

  it('over plain http the cookie is not Secure; a deactivated account loses its session at the next request', async () => {
    const config = loadConfig({ PUBLIC_URL: 'http://localhost:3000', LOG_LEVEL: 'silent' });
    const { app } = await createAdmin({ services, config, log: createLogger('silent') });
    const { server, url } = await listen(app);
    try {
      const m2 = (await services.users.create({ username: 'mgr2', fullName: 'Manager Two', role: 'sales_manager', password: PASSWORD })).user;
      const res = await fetch(`${url}/admin/login`, form({ email: 'mgr2', password: PASSWORD }));
      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).not.toMatch(/Secure/i);
      const sid = cookie.split(';')[0];
      expect((await fetch(`${url}/admin`, { headers: { cookie: sid }, redirect: 'manual' })).status).toBe(200);

      await services.users.update(m2.id, { isActive: false });
      const next = await fetch(`${url}/admin`, { headers: { cookie: sid }, redirect: 'manual' });
      expect(next.status).toBe(302);
      expect(next.headers.get('location')).toBe('/admin/login');

      // a refused sign-in stays on the login page with the reason, in the chosen language
      const refused = await fetch(`${url}/admin/login?lang=ru`, form({ email: 'seller', password: PASSWORD }));
      expect(await refused.text()).toContain('roleNotAllowed');
      const ru = await fetch(`${url}/admin/login?lang=ru`);
      expect(ru.headers.get('set-cookie')).toMatch(/admin_lang=ru/);
      expect(await ru.text()).toContain('"language":"ru"');
    } finally {
      server.close();
    }
  });
});
