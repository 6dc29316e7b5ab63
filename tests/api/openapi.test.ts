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

  const codesOf = (method: string, path: string) => Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();

  it.each([
    ['get', '/api/me', ['200', '401', '403']],
    ['get', '/api/courses', ['200', '401', '403']],
    ['get', '/api/staff', ['200', '401', '403']],
    ['get', '/api/leads', ['200', '400', '401', '403']],
    ['get', '/api/leads/{id}', ['200', '400', '401', '403', '404']],
    ['post', '/api/leads', ['200', '201', '400', '401', '403', '413', '415']],
    ['post', '/api/leads/{id}/status', ['200', '400', '401', '403', '404', '409', '413', '415']],
    ['post', '/api/leads/{id}/notes', ['200', '400', '401', '403', '404', '413', '415']],
    ['post', '/api/leads/assign', ['200', '400', '401', '403', '404', '413', '415']],
    ['post', '/api/leads/release', ['200', '400', '401', '403', '409', '413', '415']],
    ['post', '/api/leave/{id}/approve', ['200', '400', '401', '403', '404', '409', '413']],
    ['post', '/api/absences', ['200', '400', '401', '403', '404', '413', '415']],
    ['post', '/api/public/leads', ['200', '201', '400', '413', '415', '429']],
    ['post', '/demo/open', ['303', '400', '403', '404', '413', '415']],
  ] as const)('%s %s documents exactly the answers it can give', (method, path, codes) => {
    expect(codesOf(method, path)).toEqual([...codes].sort());
  });

  it('no GET documents 409, 413 or 415; every operation with a body documents 413 and 415', () => {
    const offenders: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const codes = Object.keys(op.responses);
        if (method === 'get' && codes.some((c) => ['409', '413', '415'].includes(c))) offenders.push(`${method} ${path}: ${codes}`);
        if (op.requestBody && !(codes.includes('413') && codes.includes('415'))) offenders.push(`${method} ${path}: ${codes}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('what routes answer is documented (and a bad id or course is a 400, not a 500)', async () => {
    const manager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Doc Manager', telegramUserId: 4301 });
    const sales = await addUser(ctx.services, { role: 'sales', fullName: 'Doc Sales', telegramUserId: 4302 });
    const lead = await ctx.services.leads.intake({ name: 'Doc Lead', phone: '+998901230001', source: 'walk_in' }, sales);
    const as = (u: typeof manager) => asUser(u, ctx.clock.now());
    const body = (u: typeof manager, b: unknown, type = 'application/json'): RequestInit => ({ method: 'POST', headers: { ...as(u), 'content-type': type }, body: typeof b === 'string' ? b : JSON.stringify(b) });
    const probes: Array<[string, string, string, RequestInit, number]> = [
      ['get', '/api/courses', '/api/courses', {}, 401],
      ['get', '/api/staff', '/api/staff', { headers: as(sales) }, 403],
      ['get', '/api/leads/{id}', '/api/leads/abc', { headers: as(manager) }, 400],
      ['get', '/api/leads/{id}', '/api/leads/999999', { headers: as(manager) }, 404],
      ['post', '/api/leads', '/api/leads', body(manager, 'name=A', 'text/plain'), 415],
      ['post', '/api/leads', '/api/leads', body(manager, { name: 'A', phone: '+998901230002', source: 'walk_in', comment: 'x'.repeat(2 * 1024 * 1024) }), 413],
      ['post', '/api/leads', '/api/leads', body(manager, { name: 'A', phone: '+998901230003', source: 'walk_in', courseId: 999999 }), 400],
      ['post', '/api/leads/{id}/status', `/api/leads/${lead.lead.id}/status`, body(sales, { to: 'enrolled' }), 409],
      ['post', '/api/leads/assign', '/api/leads/assign', body(manager, { leadIds: [999999], toUserId: sales.id }), 404],
      ['post', '/api/leads/release', '/api/leads/release', body(manager, { perSalesperson: 1 }), 409],
      ['post', '/api/staff/{id}/deactivate', `/api/staff/${sales.id}/deactivate`, body(manager, { toUserId: 999999 }), 400],
      ['post', '/api/leave/{id}/approve', '/api/leave/999999/approve', { method: 'POST', headers: as(manager) }, 404],
      ['post', '/api/absences', '/api/absences', body(manager, { userId: 999999, date: '2026-11-25' }), 404],
      ['post', '/api/public/leads', '/api/public/leads', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }, 415],
    ];
    ctx.clock.set('2026-11-24T20:00:00.000Z'); // night in Tashkent: nobody is on shift to receive released leads
    const wrong: string[] = [];
    for (const [method, docPath, url, init, expected] of probes) {
      const res = await ctx.app.request(url, { method: method.toUpperCase(), ...init });
      if (res.status !== expected) wrong.push(`${method} ${url}: ${res.status} (expected ${expected}) ${await res.text()}`);
      else if (!codesOf(method, docPath).includes(String(res.status))) wrong.push(`${method} ${docPath}: ${res.status} is not documented`);
    }
    expect(wrong).toEqual([]);
    // a method no route has on a known path: 405 with Allow once signed in, 401 (default deny) before
    const del = await ctx.app.request(`/api/leads/${lead.lead.id}`, { method: 'DELETE', headers: as(manager) });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect((await del.json()).error.code).toBe('METHOD_NOT_ALLOWED');
    expect((await ctx.app.request(`/api/leads/${lead.lead.id}`, { method: 'DELETE' })).status).toBe(401);
    // the salesperson's lead stayed theirs: the refused handover changed nothing
    expect((await ctx.db.selectFrom('users').select('is_active').where('id', '=', sales.id).executeTakeFirstOrThrow()).is_active).toBe(1);
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
