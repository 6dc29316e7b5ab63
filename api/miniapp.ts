import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { MiddlewareHandler } from 'hono';
import { MINIAPP_DIST } from '../miniapp/build.js';
import type { AuthMode } from './auth.js';
import type { AppEnv } from './router.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The Mini App may be framed by Telegram Web (another origin) and talks only to this server.
 * Styles: the SDK writes theme variables inline and React sets style attributes.
 */
export const miniAppCsp = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  'frame-ancestors https://web.telegram.org https://*.telegram.org',
].join('; ');

interface File {
  body: Buffer;
  gz: Buffer | null;
  type: string;
}

/**
 * Serves the built Mini App (miniapp/dist) at /app/: hashed assets cached for a year, any other
 * path answered with index.html (the app routes in the hash, deep links still load). The files
 * are read when a new build appears, so `npm run build` on a running server takes effect.
 */
export function miniAppStatic(opts: { auth: AuthMode; dir?: string }): MiddlewareHandler<AppEnv> {
  const dir = opts.dir ?? MINIAPP_DIST;
  let cache = new Map<string, File>();
  let builtAt = -1;

  function load(rel: string): File | null {
    const index = join(dir, 'index.html');
    const stamp = existsSync(index) ? statSync(index).mtimeMs : -1;
    if (stamp !== builtAt) {
      cache = new Map();
      builtAt = stamp;
    }
    const hit = cache.get(rel);
    if (hit) return hit;
    const path = normalize(join(dir, rel));
    if (!path.startsWith(dir + sep) || !existsSync(path) || !statSync(path).isFile()) return null;
    let body = readFileSync(path);
    if (rel === 'index.html' && opts.auth.kind === 'demo') {
      // the one signal that lets a plain browser stand in for Telegram (see miniapp/src/telegram.ts)
      body = Buffer.from(body.toString('utf8').replace('<head>', '<head>\n    <meta name="crm-mode" content="demo" />'));
    }
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const gz = /^(text|application\/json|image\/svg)/.test(type) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
    const file = { body, gz, type };
    cache.set(rel, file);
    return file;
  }

  return async (c) => {
    const path = c.req.path;
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return c.json({ error: { code: 'NOT_FOUND', message: `no route for ${c.req.method} ${path}` } }, 404);
    if (path === '/app') return c.redirect(`/app/${new URL(c.req.url).search}`, 301);
    let rel = decodeURIComponent(path.slice('/app/'.length));
    const asset = rel.startsWith('assets/');
    let file = rel ? load(rel) : null;
    if (!file) {
      if (asset || extname(rel)) return c.json({ error: { code: 'NOT_FOUND', message: `no file ${path}` } }, 404);
      rel = 'index.html';
      file = load(rel);
    }
    if (!file) {
      c.header('Cache-Control', 'no-store');
      return c.text('The Mini App is not built yet: run `npm run build` (or `npm start`, which builds it).', 503);
    }
    c.header('Content-Type', file.type);
    c.header('Cache-Control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
    c.header('Vary', 'Accept-Encoding');
    if (rel === 'index.html') c.header('Content-Security-Policy', miniAppCsp);
    const gzip = file.gz && /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    if (gzip) c.header('Content-Encoding', 'gzip');
    if (c.req.method === 'HEAD') return c.body(null, 200);
    return c.body(new Uint8Array(gzip ? file.gz! : file.body), 200);
  };
}
