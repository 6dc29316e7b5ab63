import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { createRoute, z } from '@hono/zod-openapi';
import { AppError, notFound } from '../core/errors.js';
import { t } from '../core/i18n/i18n.js';
import { html } from './html.js';
import { miniAppLaunchUrl, signDemoInitData } from './auth.js';
import { errorResponses } from './errors.js';
import { newRouter, type RouteDeps } from './router.js';
import { clientIp, isLoopback } from './security.js';

const STYLE = `body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f6f7f9;color:#1b1f24}
main{max-width:40rem;margin:0 auto;padding:1rem}
ul{list-style:none;padding:0}
li{background:#fff;border:1px solid #e3e6ea;border-radius:.6rem;margin:.5rem 0;padding:.75rem;display:flex;justify-content:space-between;align-items:center;gap:1rem}
button{font:inherit;font-weight:600;padding:.5rem .8rem;border:0;border-radius:.4rem;background:#0b63c5;color:#fff;cursor:pointer}
small{color:#5f6b7a}
.warn{background:#fff4e5;border:1px solid #f0c27b;border-radius:.5rem;padding:.75rem}`;

const CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const demoPageRoute = createRoute({
  method: 'get',
  path: '/demo',
  tags: ['Demo'],
  summary: 'Demo mode only: open the Mini App as a staff user without Telegram',
  description: 'Exists only when no TELEGRAM_BOT_TOKEN is configured. Answers this machine only, unless DEMO_MODE=true.',
  responses: { 200: { description: 'The list of active staff users', content: { 'text/html': { schema: z.string() } } }, ...errorResponses(403, 404) },
});

const demoOpenRoute = createRoute({
  method: 'post',
  path: '/demo/open',
  tags: ['Demo'],
  summary: 'Demo mode only: sign init data for a user and redirect to the Mini App',
  request: {
    body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.strictObject({ userId: z.coerce.number().int().positive() }) } } },
  },
  responses: { 303: { description: 'Redirect to /app/#tgWebAppData=…' }, ...errorResponses(400, 403, 404, 413, 415) },
});

/**
 * The demo sign-in page (no bot token configured): lists active salespeople and managers and
 * opens the Mini App as one of them with init data signed by the process's throw-away secret.
 */
export function demoRoutes(deps: RouteDeps) {
  const app = newRouter();
  const mode = deps.auth;
  const db = deps.services.deps.db;

  function guard(c: Context) {
    if (mode.kind !== 'demo') throw notFound('page');
    // "auto" demo mode (no token, DEMO_MODE unset) is for a developer's own machine: a server left
    // on the internet without a bot token must not hand out sign-ins to strangers
    if (!mode.open && !isLoopback(clientIp(c, false))) {
      throw new AppError('FORBIDDEN', 'the demo sign-in page answers this machine only; set DEMO_MODE=true to open it to the network');
    }
    return mode;
  }

  app.openapi(demoPageRoute, async (c) => {
    guard(c);
    const users = await db
      .selectFrom('users')
      .select(['id', 'full_name', 'username', 'role'])
      .where('is_active', '=', 1)
      .where('role', 'in', ['sales', 'sales_manager'])
      .orderBy('role')
      .orderBy('full_name')
      .execute();
    const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Demo sign-in</title><style>${STYLE}</style></head>
<body><main>
<h1>Demo: open the Mini App</h1>
<p class="warn">Demo mode: no Telegram bot token is configured, so this page signs you in as any staff user. The sign-in dies when the server restarts.</p>
${users.length ? '' : html`<p>No active salespeople yet. Run <code>npm run crm -- demo</code> to create a demo center.</p>`}
<ul>${users.map(
      (u) => html`<li><span>${u.full_name} <small>@${u.username} · ${t('en', `role.${u.role}`)}</small></span>
<form method="post" action="/demo/open"><input type="hidden" name="userId" value="${u.id}"><button type="submit">Open Mini App as ${u.full_name}</button></form></li>`,
    )}</ul>
</main></body></html>`;
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-store');
    return c.html(page.value, 200) as never;
  });

  app.openapi(demoOpenRoute, async (c) => {
    const m = guard(c);
    const { userId } = c.req.valid('form');
    const user = await db.selectFrom('users').selectAll().where('id', '=', userId).where('is_active', '=', 1).executeTakeFirst();
    if (!user) throw notFound('user');
    const initData = signDemoInitData(m.secret, user, deps.services.deps.clock.now());
    c.header('Cache-Control', 'no-store');
    return c.redirect(miniAppLaunchUrl(initData), 303) as never;
  });

  return app;
}
