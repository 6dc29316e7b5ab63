import type { Hono, MiddlewareHandler } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { AppError } from '../core/errors.js';
import { errorResponse } from './errors.js';
import type { AppEnv } from './router.js';

/**
 * Answers requests no route takes before any handler runs, in the one error shape:
 * - a path a route has, with another method → 405 with `Allow`;
 * - OPTIONS on such a path (no CORS preflight took it) → 204 with `Allow`;
 * - a path no route has under /api/ → 404.
 * Only for paths `applies` accepts: the signed-in part of /api is gated after sign-in, so a
 * stranger learns nothing about it but 401 (default deny). Everything else goes on (the Mini
 * App's static files, the webhook mounted later, the app's own 404).
 */
export function methodGate(app: Pick<Hono<AppEnv>, 'routes'>, applies: (path: string) => boolean): MiddlewareHandler<AppEnv> {
  let router: TrieRouter<true> | null = null;
  let built = -1;
  const matcher = () => {
    // routes are added after this middleware (and the webhook after createApi): build on first use
    if (!router || built !== app.routes.length) {
      router = new TrieRouter<true>();
      for (const r of app.routes) if (r.method !== 'ALL') router.add(r.method, r.path, true);
      built = app.routes.length;
    }
    return router;
  };
  const has = (method: string, path: string) => matcher().match(method, path)[0].length > 0;

  return async (c, next) => {
    const path = c.req.path;
    if (!applies(path)) return next();
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    if (has(method, path)) return next();
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => has(m, path));
    if (allowed.length) {
      if (allowed.includes('GET')) allowed.splice(allowed.indexOf('GET') + 1, 0, 'HEAD');
      const allow = [...allowed, 'OPTIONS'].join(', ');
      c.header('Allow', allow);
      if (c.req.method === 'OPTIONS') return c.body(null, 204);
      // not an AppError code: no core rule ever refuses a method, only this transport does
      const requestId = c.get('requestId') as string | undefined;
      return c.json({ error: { code: 'METHOD_NOT_ALLOWED', message: `${c.req.method} is not allowed on ${path}: use ${allowed.join(' or ')}`, requestId } }, 405);
    }
    if (path === '/api' || path.startsWith('/api/')) return errorResponse(c, new AppError('NOT_FOUND', `no route for ${c.req.method} ${path}`));
    return next();
  };
}
