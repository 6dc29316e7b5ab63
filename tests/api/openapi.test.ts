import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hc } from 'hono/client';
import { dialects } from '../support/db.js';
import { addUser } from '../support/fixtures.js';
import { apiFor, asUser } from '../support/api.js';
import type { AppType } from '../../api/app.js';

/**
 * Routes that are deliberately not in the OpenAPI document, each with its reason. Anything else
 * registered on the app must be documented.
 */
const UNDOCUMENTED: Record<string, string> = {
  'GET /api/openapi.json': 'the document itself',
  'GET /api/docs': 'the Swagger UI page that shows the document',
  'GET /api/docs/init.js': 'Swagger UI start-up script',
  'GET /api/docs/{file}': 'Swagger UI static assets',
};

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');

describe.each(dialects())('OpenAPI document (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  let doc: any;
  beforeAll(async () => {
    ctx = await apiFor(dialect);
    const res = await ctx.app.request('/api/openapi.json');
    expect(res.status).toBe(200);
    doc = await res.json();
  });
  afterAll(() => ctx.cleanup());

  it('is an OpenAPI 3 document with the error schema and the tma security scheme', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.components.schemas.Error).toBeTruthy();
    expect(doc.components.securitySchemes.tma).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
  });

  it('documents every registered route (fails when a route is missing from the document)', () => {
    const registered = new Set<string>();
    for (const r of ctx.app.routes) {
      if (r.method === 'ALL') continue; // middleware
      registered.add(`${r.method} ${toOpenApiPath(r.path)}`);
    }
    expect(registered.size).toBeGreaterThan(5);
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
    }
    const missing = [...registered].filter((k) => !documented.has(k) && !(k in UNDOCUMENTED));
    expect(missing).toEqual([]);
    // and nothing is documented that does not exist
    const phantom = [...documented].filter((k) => !registered.has(k));
    expect(phantom).toEqual([]);
  });

  it('every signed-in /api operation declares the tma scheme and its 401/403 answers', () => {
    const offenders: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      if (!path.startsWith('/api/') || path.startsWith('/api/public/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        const ok = JSON.stringify(op.security ?? []).includes('tma') && op.responses?.['401'] && op.responses?.['403'];
        if (!ok) offenders.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the docs page loads Swagger UI from our own origin only', async () => {
    const page = await ctx.app.request('/api/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(2);
    for (const u of urls) expect(u.startsWith('/api/docs/')).toBe(true);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    for (const u of urls) expect((await ctx.app.request(u)).status).toBe(200);
    const init = await (await ctx.app.request('/api/docs/init.js')).text();
    expect(init).toContain("url: '/api/openapi.json'");
    expect(init).toContain('validatorUrl: null');
    expect((await ctx.app.request('/api/docs/../../package.json')).status).toBe(404);
  });

  it('the exported app type gives a typed client', async () => {
    const user = await addUser(ctx.services, { role: 'sales', fullName: 'Typed Client', telegramUserId: 4242 });
    const client = hc<AppType>('http://crm.local', { fetch: (input: RequestInfo | URL, init?: RequestInit) => ctx.app.request(input, init) });
    const res = await client.api.me.$get(undefined, { headers: asUser(user, ctx.clock.now()) });
    expect(res.status).toBe(200);
    if (res.status === 200) {
      const body = await res.json();
      // `fullName` is typed from the route's response schema
      const name: string = body.fullName;
      expect(name).toBe('Typed Client');
    }
  });
});
