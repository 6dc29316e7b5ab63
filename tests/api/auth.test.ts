import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '@telegram-apps/init-data-node';
import { dialects } from '../support/db.js';
import { addUser } from '../support/fixtures.js';
import { apiFor, fromIp, initData, tmaHeader } from '../support/api.js';
import { loadConfig, ConfigError } from '../../config.js';
import { resolveAuthMode } from '../../api/auth.js';
import type { User } from '../../db/types.js';

describe.each(dialects())('Mini App sign-in with init data (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  let sales: User;
  let gone: User;
  beforeAll(async () => {
    ctx = await apiFor(dialect);
    sales = await addUser(ctx.services, { role: 'sales', fullName: 'Aziza', telegramUserId: 5001 });
    gone = await addUser(ctx.services, { role: 'sales', fullName: 'Bekzod', telegramUserId: 5002 });
    await ctx.services.users.update(gone.id, { isActive: false });
  });
  afterAll(() => ctx.cleanup());

  const me = (headers: Record<string, string>) => ctx.app.request('/api/me', { headers });

  it('valid init data of a linked, active user → that user', async () => {
    const res = await me(tmaHeader(initData(5001, { now: ctx.clock.now() })));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: sales.id, fullName: 'Aziza', role: 'sales' });
  });

  it('no Authorization header → 401 UNAUTHORIZED', async () => {
    const res = await me({});
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('UNAUTHORIZED');
  });

  it('a tampered hash → 401', async () => {
    const data = initData(5001, { now: ctx.clock.now() });
    const tampered = data.replace(/hash=([0-9a-f])/, (_, ch) => `hash=${ch === 'a' ? 'b' : 'a'}`);
    expect(tampered).not.toBe(data);
    const res = await me(tmaHeader(tampered));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/signature/) });
  });

  it('another user id swapped into signed data → 401', async () => {
    const data = initData(5001, { now: ctx.clock.now() }).replace('%22id%22%3A5001', '%22id%22%3A5002');
    expect(data).toContain('%22id%22%3A5002');
    const res = await me(tmaHeader(data));
    expect(res.status).toBe(401);
  });

  it("init data signed with another bot's token → 401", async () => {
    const res = await me(tmaHeader(initData(5001, { now: ctx.clock.now(), token: '7654321:ANOTHER-bot' })));
    expect(res.status).toBe(401);
  });

  it('expired init data (older than INIT_DATA_EXPIRES_IN, 24 h by default) → 401; just inside → 200', async () => {
    const old = await me(tmaHeader(initData(5001, { now: ctx.clock.now(), ageSeconds: 86_400 + 60 })));
    expect(old.status).toBe(401);
    expect((await old.json()).error.message).toMatch(/expired/);
    const fresh = await me(tmaHeader(initData(5001, { now: ctx.clock.now(), ageSeconds: 86_400 - 60 })));
    expect(fresh.status).toBe(200);
  });

  it('expiry follows the configured INIT_DATA_EXPIRES_IN', async () => {
    const short = await apiFor(dialect, { INIT_DATA_EXPIRES_IN: '3600' });
    try {
      await addUser(short.services, { role: 'sales', telegramUserId: 7001 });
      const twoHours = await short.app.request('/api/me', { headers: tmaHeader(initData(7001, { now: short.clock.now(), ageSeconds: 7200 })) });
      expect(twoHours.status).toBe(401);
      const tenMinutes = await short.app.request('/api/me', { headers: tmaHeader(initData(7001, { now: short.clock.now(), ageSeconds: 600 })) });
      expect(tenMinutes.status).toBe(200);
    } finally {
      await short.cleanup();
    }
  });

  it('a valid Telegram account that is not staff → 403, no data', async () => {
    const res = await me(tmaHeader(initData(999_999, { now: ctx.clock.now() })));
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'unknown_user' } });
    expect(Object.keys(body)).toEqual(['error']);
  });

  it('a deactivated staff user → 403', async () => {
    const res = await me(tmaHeader(initData(5002, { now: ctx.clock.now() })));
    expect(res.status).toBe(403);
    expect((await res.json()).error).toMatchObject({ code: 'FORBIDDEN', details: { reason: 'deactivated' } });
  });

  it('every /api route but the public ones needs sign-in, even unknown paths', async () => {
    expect((await ctx.app.request('/api/leads')).status).toBe(401);
    expect((await ctx.app.request('/api/anything/else')).status).toBe(401);
    expect((await ctx.app.request('/api/openapi.json')).status).toBe(200);
  });
});

describe.each(dialects())('demo mode (%s)', (dialect) => {
  it('no bot token: /demo lists active staff and opens the Mini App with init data the API accepts', async () => {
    const ctx = await apiFor(dialect, { TELEGRAM_BOT_TOKEN: '' });
    try {
      const linked = await addUser(ctx.services, { role: 'sales', fullName: 'Dilnoza <script>', telegramUserId: 8001 });
      const unlinked = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Jasur' });
      const off = await addUser(ctx.services, { role: 'sales', fullName: 'Gone Person' });
      await ctx.services.users.update(off.id, { isActive: false });

      const page = await ctx.app.request('/demo', {}, fromIp('127.0.0.1'));
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Open Mini App as Dilnoza &lt;script&gt;');
      expect(html).toContain('Open Mini App as Jasur');
      expect(html).not.toContain('Gone Person');
      expect(html).not.toContain('<script>');

      for (const user of [linked, unlinked]) {
        const open = await ctx.app.request(
          '/demo/open',
          { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `userId=${user.id}` },
          fromIp('127.0.0.1'),
        );
        expect(open.status).toBe(303);
        const location = open.headers.get('location')!;
        expect(location.startsWith('/app/#')).toBe(true);
        const launch = new URLSearchParams(location.slice('/app/#'.length));
        expect(launch.get('tgWebAppPlatform')).toBe('web');
        const data = launch.get('tgWebAppData')!;
        // not a bot token signature: the secret is the process's own
        expect(() => validate(data, 'any-token', { expiresIn: 0 })).toThrow();
        const me = await ctx.app.request('/api/me', { headers: tmaHeader(data) });
        expect(me.status).toBe(200);
        expect((await me.json()).id).toBe(user.id);
      }
    } finally {
      await ctx.cleanup();
    }
  });

  it('auto demo mode answers this machine only; DEMO_MODE=true opens it; DEMO_MODE=false turns sign-in off', async () => {
    const auto = await apiFor(dialect, { TELEGRAM_BOT_TOKEN: '' });
    try {
      expect((await auto.app.request('/demo', {}, fromIp('203.0.113.9'))).status).toBe(403);
      expect((await auto.app.request('/demo', {}, fromIp('::1'))).status).toBe(200);
    } finally {
      await auto.cleanup();
    }
    const open = await apiFor(dialect, { TELEGRAM_BOT_TOKEN: '', DEMO_MODE: 'true' });
    try {
      expect((await open.app.request('/demo', {}, fromIp('203.0.113.9'))).status).toBe(200);
    } finally {
      await open.cleanup();
    }
    const off = await apiFor(dialect, { TELEGRAM_BOT_TOKEN: '', DEMO_MODE: 'false' });
    try {
      expect((await off.app.request('/demo', {}, fromIp('127.0.0.1'))).status).toBe(404);
      const me = await off.app.request('/api/me', { headers: tmaHeader(initData(1, { now: off.clock.now() })) });
      expect(me.status).toBe(401);
      expect((await me.json()).error.message).toMatch(/TELEGRAM_BOT_TOKEN/);
    } finally {
      await off.cleanup();
    }
  });

  it('with a bot token there is no demo page, and init data signed by anything but the token fails', async () => {
    const ctx = await apiFor(dialect);
    try {
      expect((await ctx.app.request('/demo', {}, fromIp('127.0.0.1'))).status).toBe(404);
    } finally {
      await ctx.cleanup();
    }
  });
});

describe('demo mode with a bot token', () => {
  it('refuses to start with a clear message', () => {
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', DEMO_MODE: 'true' })).toThrow(ConfigError);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: '1:abc', DEMO_MODE: 'true' })).toThrow(/cannot be combined with TELEGRAM_BOT_TOKEN/);
    expect(() => resolveAuthMode({ TELEGRAM_BOT_TOKEN: '1:abc', DEMO_MODE: 'true' })).toThrow(/DEMO_MODE/);
    expect(resolveAuthMode({ TELEGRAM_BOT_TOKEN: '1:abc', DEMO_MODE: 'auto' }).kind).toBe('telegram');
  });
});
