import { Hono } from 'hono';
import type { Services } from '../core/services.js';
import type { Config } from '../config.js';
import type { Log } from '../logger.js';

export interface ApiDeps {
  services: Services;
  config: Config;
  log: Log;
}

export function createApi(deps: ApiDeps) {
  const app = new Hono();
  app.get('/healthz', async (c) => {
    try {
      await deps.services.deps.db.selectFrom('center_settings').select('id').limit(1).execute();
      return c.json({ status: 'ok', db: deps.services.deps.dialect });
    } catch {
      return c.json({ status: 'error', db: deps.services.deps.dialect }, 503);
    }
  });
  return app;
}
