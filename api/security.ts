import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { bodyLimit } from 'hono/body-limit';
import { sql } from 'kysely';
import type { Db, Dialect } from '../db/connection.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Log } from '../logger.js';

/** Default request body limit: a lead form or an API call is a few KB; 1 MB is generous. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Secure headers on every response. The Mini App (/app/*) is embedded by Telegram Web in an
 * iframe of another origin, so it is the one path that may be framed.
 */
export function secureHeadersMiddleware(): MiddlewareHandler {
  const strict = secureHeaders({ xFrameOptions: 'DENY', referrerPolicy: 'strict-origin-when-cross-origin', crossOriginResourcePolicy: 'same-origin' });
  const framable = secureHeaders({ xFrameOptions: false, referrerPolicy: 'strict-origin-when-cross-origin' });
  return (c, next) => (c.req.path === '/app' || c.req.path.startsWith('/app/') ? framable(c, next) : strict(c, next));
}

/** CORS only for the listed origins (comma-separated CORS_ORIGINS); none configured = no CORS headers at all. */
export function corsMiddleware(origins: string | undefined): MiddlewareHandler | null {
  const list = (origins ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!list.length) return null;
  return cors({
    origin: (origin) => (list.includes('*') || list.includes(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposeHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });
}

export function bodyLimitMiddleware(maxSize = BODY_LIMIT_BYTES): MiddlewareHandler {
  const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${Math.round(maxSize / 1024)} KB`);
  const streaming = bodyLimit({
    maxSize,
    onError: () => {
      throw tooLarge();
    },
  });
  return (c, next) => {
    // no GET or HEAD handler reads a body: nothing to limit (and nothing a GET documents)
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // Node's HTTP parser never reads past Content-Length, so the header alone decides; only a chunked
    // body has to be counted as it streams. (Touching the raw body here would turn node-server's
    // lightweight request into a full web Request and halve the landing form's throughput.)
    if (!c.req.header('transfer-encoding')) {
      const length = c.req.header('content-length');
      if (length !== undefined && Number(length) > maxSize) throw tooLarge();
      if (length !== undefined) return next();
    }
    return streaming(c, next);
  };
}

/**
 * Request id (incoming X-Request-Id kept when well-formed, else a new one, echoed back) and a pino
 * child logger carrying it, so every log line of one request can be found together.
 */
export function requestContext(log: Log): MiddlewareHandler[] {
  const access: MiddlewareHandler = async (c, next) => {
    const id = c.get('requestId') as string;
    const child = log.child({ reqId: id });
    c.set('log', child);
    const started = performance.now();
    await next();
    // path only: query strings may carry personal data (a name, a phone)
    child.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request');
  };
  return [requestId({ limitLength: 128 }), access];
}

/**
 * The client's address. X-Forwarded-For is honoured only with TRUST_PROXY, and then only its last
 * entry (the address our own proxy saw): anything before it was written by the client.
 */
export function clientIp(c: Context, trustProxy: boolean): string {
  if (trustProxy) {
    const parts = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (parts.length) return normalizeIp(parts[parts.length - 1]);
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return normalizeIp(incoming?.socket?.remoteAddress ?? 'unknown');
}

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || /^127\./.test(ip);
}

/** CSP of the API docs page: Swagger UI's own files from our origin; it styles elements inline. */
export const docsCsp = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface RateLimitResult {
  allowed: boolean;
  count: number;
  /** seconds until the current window ends */
  retryAfter: number;
}

export interface RateLimiter {
  hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult>;
}

/**
 * Fixed-window counters in the `rate_limits` table, so several processes on one PostgreSQL share
 * them. One upsert per hit; old windows are swept at most once a minute per process.
 */
export function createDbRateLimiter(db: Db, clock: Clock): RateLimiter {
  let lastSweep = 0;
  return {
    async hit(key, limit, windowMs) {
      const now = clock.now().getTime();
      const start = Math.floor(now / windowMs) * windowMs;
      const row = await db
        .insertInto('rate_limits')
        .values({ key, window_start: new Date(start).toISOString(), count: 1 })
        .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ count: sql<number>`${sql.ref('rate_limits.count')} + 1` }))
        .returning('count')
        .executeTakeFirstOrThrow();
      if (now - lastSweep > 60_000) {
        lastSweep = now;
        // windows are at most an hour long here; anything older than that is dead
        await db.deleteFrom('rate_limits').where('window_start', '<', new Date(start - Math.max(windowMs, 3_600_000)).toISOString()).execute();
      }
      const count = Number(row.count);
      return { allowed: count <= limit, count, retryAfter: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) };
    },
  };
}

/**
 * Counters in process memory: the fast path for SQLite, where one process owns the database file
 * (a write per landing post there halved the form's throughput under load). Same fixed windows.
 */
export function createMemoryRateLimiter(clock: Clock): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;
  return {
    async hit(key, limit, windowMs) {
      const now = clock.now().getTime();
      const start = Math.floor(now / windowMs) * windowMs;
      let w = windows.get(key);
      if (!w || w.start !== start) {
        w = { start, count: 0 };
        windows.set(key, w);
      }
      w.count++;
      if (now - lastSweep > 60_000) {
        lastSweep = now;
        for (const [k, v] of windows) if (v.start + windowMs <= now) windows.delete(k);
      }
      return { allowed: w.count <= limit, count: w.count, retryAfter: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) };
    },
  };
}

/** The default limiter: database counters on PostgreSQL (several processes share them), memory on SQLite. */
export function createRateLimiter(db: Db, dialect: Dialect, clock: Clock): RateLimiter {
  return dialect === 'postgres' ? createDbRateLimiter(db, clock) : createMemoryRateLimiter(clock);
}
