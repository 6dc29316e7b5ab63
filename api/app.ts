import { createRoute, z } from '@hono/zod-openapi';
import type { Services } from '../core/services.js';
import type { Config } from '../config.js';
import type { Log } from '../logger.js';
import { isPublicApiPath, resolveAuthMode, tmaAuthMiddleware, type AuthMode } from './auth.js';
import { errorResponse, notFoundResponse } from './errors.js';
import { newRouter, type RouteDeps } from './router.js';
import { bodyLimitMiddleware, corsMiddleware, createRateLimiter, requestContext, secureHeadersMiddleware, type RateLimiter } from './security.js';
import { docsRoutes } from './docs.js';
import { methodGate } from './method-gate.js';
import { demoRoutes } from './demo.js';
import { landingRoutes } from './landing/routes.js';
import { meRoutes } from './routes/me.js';
import { leadRoutes } from './routes/leads.js';
import { trialRoutes } from './routes/trials.js';
import { followUpRoutes } from './routes/followups.js';
import { groupRoutes } from './routes/groups.js';
import { staffRoutes } from './routes/staff.js';
import { catalogRoutes } from './routes/catalog.js';
import { offerRoutes } from './routes/offers.js';
import { inboxRoutes } from './routes/inbox.js';
import { leaveRoutes } from './routes/leave.js';
import { kpiRoutes } from './routes/kpi.js';
import { messageRoutes } from './routes/messages.js';
import { leaveDecisionRoutes } from './routes/leave-decisions.js';
import { analyticsRoutes } from './routes/analytics.js';
import { miniAppStatic } from './miniapp.js';

export interface ApiDeps {
  services: Services;
  config: Config;
  log: Log;
  /** by default: counters in the database on PostgreSQL, in memory on SQLite (one process) */
  rateLimiter?: RateLimiter;
  /** by default from the config (bot token / demo mode) */
  auth?: AuthMode;
}

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness and database reachability',
  responses: {
    200: { description: 'Up', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), db: z.enum(['sqlite', 'postgres']) }) } } },
    503: { description: 'The database does not answer', content: { 'application/json': { schema: z.object({ status: z.literal('error'), db: z.enum(['sqlite', 'postgres']) }) } } },
  },
});

export function createApi(deps: ApiDeps) {
  const { services, config, log } = deps;
  const auth = deps.auth ?? resolveAuthMode(config);
  const routeDeps: RouteDeps = {
    services,
    config,
    log,
    auth,
    rateLimiter: deps.rateLimiter ?? createRateLimiter(services.deps.db, services.deps.dialect, services.deps.clock),
  };

  const app = newRouter();
  app.onError((err, c) => errorResponse(c, err));
  app.notFound(notFoundResponse);
  app.use('*', ...requestContext(log));
  app.use('*', secureHeadersMiddleware());
  const cors = corsMiddleware(config.CORS_ORIGINS);
  if (cors) app.use('/api/*', cors);
  app.use('*', bodyLimitMiddleware());
  const signedIn = (path: string) => (path === '/api' || path.startsWith('/api/')) && !isPublicApiPath(path);
  app.use('*', methodGate(app, (path) => !signedIn(path)));
  app.use('/api/*', tmaAuthMiddleware({ mode: auth, db: services.deps.db, clock: services.deps.clock, expiresIn: config.INIT_DATA_EXPIRES_IN }));
  app.use('/api/*', methodGate(app, signedIn));
  app.openAPIRegistry.registerComponent('securitySchemes', 'tma', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'Telegram Mini App init data: `tma <initDataRaw>`',
  });

  app.openapi(healthRoute, async (c) => {
    const db = services.deps.dialect;
    try {
      await services.deps.db.selectFrom('center_settings').select('id').limit(1).execute();
      return c.json({ status: 'ok' as const, db }, 200);
    } catch {
      return c.json({ status: 'error' as const, db }, 503);
    }
  });

  // one route file per feature; chained so the app's type carries every route (typed client)
  const routes = app
    .route('/', landingRoutes(routeDeps))
    .route('/', demoRoutes(routeDeps))
    .route('/', meRoutes(routeDeps))
    .route('/', leadRoutes(routeDeps))
    .route('/', trialRoutes(routeDeps))
    .route('/', followUpRoutes(routeDeps))
    .route('/', groupRoutes(routeDeps))
    .route('/', staffRoutes(routeDeps))
    .route('/', catalogRoutes(routeDeps))
    .route('/', offerRoutes(routeDeps))
    .route('/', inboxRoutes(routeDeps))
    .route('/', leaveRoutes(routeDeps))
    .route('/', kpiRoutes(routeDeps))
    .route('/', messageRoutes(routeDeps))
    .route('/', leaveDecisionRoutes(routeDeps))
    .route('/', analyticsRoutes(routeDeps));
  // the Mini App's static build (a middleware like serveStatic: not an API operation)
  const miniApp = miniAppStatic({ auth });
  app.use('/app', miniApp);
  app.use('/app/*', miniApp);

  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'Edu CRM API',
      version: '1',
      description: 'The Mini App and manager API (sign in with `Authorization: tma <initData>`) and the public landing form. Every error answers `{"error":{"code","message","fields"}}`.',
    },
    security: [],
  });
  app.route('/', docsRoutes());
  return routes;
}

/** The app's type, for a typed client: `hc<AppType>(url)` from 'hono/client'. */
export type AppType = ReturnType<typeof createApi>;
