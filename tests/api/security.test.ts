import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { addUser } from '../support/fixtures.js';
import { apiFor, asUser, fromIp, json } from '../support/api.js';
import { createApi } from '../../api/app.js';
import { createLogger } from '../../logger.js';

describe.each(dialects())('hardening (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  beforeAll(async () => {
    ctx = await apiFor(dialect);
  });
  afterAll(() => ctx.cleanup());

  it('secure headers on the landing page, API answers and errors', async () => {
    for (const path of ['/', '/api/openapi.json', '/api/me', '/no-such-page']) {
      const res = await ctx.app.request(path);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
      expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
      expect(res.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('the landing page has a strict CSP: no unsafe-inline, no other origins, no framing', async () => {
    const csp = (await ctx.app.request('/')).headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toMatch(/https?:/);
  });

  it('no CORS headers unless CORS_ORIGINS is configured', async () => {
    const preflight = { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } };
    const none = await ctx.app.request('/api/public/leads', preflight);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await ctx.app.request('/api/openapi.json', { headers: { origin: 'https://evil.example' } });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();

    const withCors = createApi({ services: ctx.services, config: { ...ctx.config, CORS_ORIGINS: 'https://partner.example' }, log: createLogger('silent') });
    const allowed = await withCors.request('/api/public/leads', { ...preflight, headers: { ...preflight.headers, origin: 'https://partner.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://partner.example');
    const refused = await withCors.request('/api/public/leads', preflight);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('every answer carries X-Request-Id (a well-formed incoming one is kept) and errors repeat it', async () => {
    const fresh = await ctx.app.request('/no-such-page');
    const id = fresh.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fresh.json()).error.requestId).toBe(id);
    const kept = await ctx.app.request('/healthz', { headers: { 'x-request-id': 'lb-abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-abc-123');
    const junk = await ctx.app.request('/healthz', { headers: { 'x-request-id': 'bad id <script>' } });
    expect(junk.headers.get('x-request-id')).not.toBe('bad id <script>');
  });

  it('request logs carry the request id and never the init data or the phone in a query', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = pino({ level: 'debug' }, sink);
    const app = createApi({ services: ctx.services, config: ctx.config, log });
    const user = await addUser(ctx.services, { role: 'sales', telegramUserId: 3131 });
    const auth = asUser(user, ctx.clock.now());
    const headers: Record<string, string> = { ...auth, 'x-request-id': 'trace-me-1' };
    expect((await app.request('/api/me?phone=%2B998901234567', { headers })).status).toBe(200);
    const mine = lines.map((l) => JSON.parse(l)).filter((l) => l.reqId === 'trace-me-1');
    expect(mine.length).toBeGreaterThanOrEqual(1);
    expect(mine.some((l) => l.msg === 'request' && l.status === 200 && l.path === '/api/me')).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain(auth.authorization.slice(4, 40));
    expect(all).not.toContain('998901234567');
  });

  it('an unexpected failure answers 500 INTERNAL with no stack trace or SQL', async () => {
    const broken = await apiFor(dialect);
    await broken.database.destroy();
    const res = await broken.app.request('/api/public/leads', json({ name: 'A', phone: '+998901234567' }), fromIp('10.1.1.1'));
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body).toEqual({ error: { code: 'INTERNAL', message: 'internal error', requestId: expect.any(String) } });
    await broken.cleanup().catch(() => undefined);
  });

  it('a 2 MB body is refused before any route sees it, on every path', async () => {
    const big = 'x'.repeat(2 * 1024 * 1024);
    for (const path of ['/api/public/leads', '/api/me', '/']) {
      const res = await ctx.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(res.status, path).toBe(413);
      expect((await res.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
    }
  });

  it('over real HTTP: a 2 MB body is refused whether it declares its length or streams in chunks', async () => {
    const server = createServer(getRequestListener(ctx.app.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/public/leads`;
    try {
      const big = JSON.stringify({ name: 'Big', phone: '+998901234567', comment: 'x'.repeat(2 * 1024 * 1024) });
      const declared = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(declared.status).toBe(413);
      expect((await declared.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 32; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
          controller.close();
        },
      });
      const streamed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunks, duplex: 'half' } as RequestInit);
      expect(streamed.status).toBe(413);
      expect((await streamed.json()).error.code).toBe('PAYLOAD_TOO_LARGE');
      const small = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Small', phone: '+998901234599' }) });
      expect(small.status).toBe(201);
    } finally {
      server.close();
    }
  });

  it('unknown paths answer 404 in the error shape', async () => {
    const res = await ctx.app.request('/definitely/not/here');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });
});
