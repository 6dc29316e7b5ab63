import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { miniAppStatic } from '../../api/miniapp.js';
import type { AuthMode } from '../../api/auth.js';

/** The /app/ file server over a stand-in build folder. */
describe('Mini App static files at /app/', () => {
  let dir: string;
  const script = `console.log(${JSON.stringify('x'.repeat(5000))});`;
  const appFor = (auth: AuthMode, folder = join(dir, 'dist')) => {
    const app = new Hono();
    const mw = miniAppStatic({ auth, dir: folder });
    app.use('/app', mw);
    app.use('/app/*', mw);
    return app;
  };
  const telegram: AuthMode = { kind: 'telegram', secret: 'token' };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-miniapp-static-'));
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><html><head><title>CRM</title></head><body><div id="root"></div></body></html>');
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc123.js'), script);
    writeFileSync(join(dir, 'secret.txt'), 'outside the build');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html for the app and for any deep path (hash routing), never cached, with its CSP', async () => {
    const app = appFor(telegram);
    for (const path of ['/app/', '/app/lead/12', '/app/today']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'.*frame-ancestors https:\/\/web\.telegram\.org/);
      expect(await res.text()).toContain('<div id="root">');
    }
    const bare = await app.request('/app?x=1');
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/app/?x=1');
  });

  it('serves hashed assets for a year, gzipped when the client accepts it; unknown files are 404', async () => {
    const app = appFor(telegram);
    const res = await app.request('/app/assets/index-abc123.js', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await res.arrayBuffer())).toString()).toBe(script);
    const plain = await app.request('/app/assets/index-abc123.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(script);
    const missing = await app.request('/app/assets/index-zzz.js');
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('NOT_FOUND');
  });

  it('never serves a file outside the build folder', async () => {
    const app = appFor(telegram);
    for (const path of ['/app/../secret.txt', '/app/%2e%2e/secret.txt', '/app/..%2fsecret.txt', '/app/assets/..%2f..%2fsecret.txt']) {
      const res = await app.request(path);
      expect(await res.text()).not.toContain('outside the build');
    }
  });

  it('marks index.html in demo mode only (the one case a plain browser may stand in for Telegram)', async () => {
    const demo = await (await appFor({ kind: 'demo', secret: 's', open: false }).request('/app/')).text();
    expect(demo).toContain('<meta name="crm-mode" content="demo" />');
    const real = await (await appFor(telegram).request('/app/')).text();
    expect(real).not.toContain('crm-mode');
  });

  it('says how to build it when there is no build yet', async () => {
    const res = await appFor(telegram, join(dir, 'nothing-here')).request('/app/');
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build');
  });
});
