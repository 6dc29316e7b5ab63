import { OpenAPIHono } from '@hono/zod-openapi';
import type { User } from '../db/types.js';
import type { Log } from '../logger.js';
import { validationHook } from './errors.js';

/** What a request carries through the middleware chain. `user` is set on every authenticated /api route. */
export type AppEnv = {
  Variables: {
    user: User;
    log: Log;
    requestId: string;
  };
};

/** A router whose zod failures become the one error shape; every route file builds its routes on one. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}

/** What route files receive from createApi. */
export interface RouteDeps {
  services: import('../core/services.js').Services;
  config: import('../config.js').Config;
  log: Log;
  rateLimiter: import('./security.js').RateLimiter;
  auth: import('./auth.js').AuthMode;
}
