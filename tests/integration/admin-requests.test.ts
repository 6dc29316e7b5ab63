import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, freshDatabase, type TestDatabase } from '../support/db.js';
import { addUser, servicesFor, tash } from '../support/fixtures.js';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import type { Services } from '../../core/services.js';
import type { User } from '../../db/types.js';
import { createAdmin } from '../../admin/admin.js';
import { buildLocale } from '../../admin/locale.js';

type Answer = { notice?: { type: string; message: string } };

const PASSWORD = 'secret-pass-1';

/** The back office's API as a browser (or a hand-made request) calls it. */
describe.each(dialects())('back-office API requests on %s', (dialect) => {
  let database: TestDatabase;
  let services: Services;
  let boss: User;

  beforeAll(async () => {
    database = await freshDatabase(dialect);
    ({ services } = servicesFor(database, tash('2026-03-02T10:00')));
    boss = await addUser(services, { role: 'admin', username: 'boss', fullName: 'Bosh Admin', password: PASSWORD });
    await addUser(services, { role: 'sales_manager', username: 'malika.m', fullName: 'Malika Menejer', password: PASSWORD });
    const seller = await addUser(services, { fullName: 'Aziza Sotuvchi', telegramUserId: 701 });
    await services.leads.intake({ name: 'Aziz Karimov', phone: '+998901119903', source: 'walk_in' }, seller);
  });
  afterAll(async () => database?.cleanup());

  it('over HTTP: odd filter names and a page far past the end list without a 500; a record out of reach is "not found" in the reader’s language', async () => {
    const { app } = await createAdmin({ services, config: loadConfig({ PUBLIC_URL: 'http://localhost:3000', LOG_LEVEL: 'silent' }), log: createLogger('silent') });
    const server: Server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const signIn = async (username: string) => {
        const res = await fetch(`${url}/admin/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ email: username, password: PASSWORD }).toString(),
          redirect: 'manual',
        });
        return (res.headers.get('set-cookie') ?? '').split(';')[0];
      };
      const bossCookie = await signIn('boss');
      for (const query of ['filters.constructor=1', 'filters.toString=x', 'filters.name.hasOwnProperty=1', 'page=1e30', 'page=99999999999&perPage=100000']) {
        for (const resourceId of ['leads', 'users', 'outbox']) {
          const res = await fetch(`${url}/admin/api/resources/${resourceId}/actions/list?${query}`, { headers: { cookie: bossCookie } });
          expect(res.status, `${resourceId}?${query}`).toBe(200);
          const body = (await res.json()) as { records: unknown[] };
          expect(Array.isArray(body.records)).toBe(true);
        }
      }

      const mgrCookie = await signIn('malika.m');
      const res = await fetch(`${url}/admin/api/resources/users/records/${boss.id}/show?lang=ru`, { headers: { cookie: mgrCookie } });
      const body = (await res.json()) as Answer;
      expect(body.notice?.type).toBe('error');
      // a key the page translates (ru here), not AdminJS's English sentence
      expect(body.notice?.message).toBe('recordNotFound');
      expect(String((buildLocale('ru', []).translations?.ru?.messages as Record<string, string> | undefined)?.recordNotFound)).toMatch(/не найдена/);
      expect(JSON.stringify(body)).not.toContain('Bosh');
    } finally {
      server.close();
    }
  });
});
