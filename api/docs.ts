import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { gzipSync } from 'node:zlib';
import type { AppEnv } from './router.js';
import { docsCsp } from './security.js';

// Swagger UI is served from the swagger-ui-dist package on our own origin: /api/docs works offline
// and the browser never contacts a CDN.
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const initializer = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    persistAuthorization: false
  });
});
`;

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edu CRM API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script>
</body>
</html>`;

export function docsRoutes() {
  const dir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Promise<{ body: Buffer; gz: Buffer }>>();
  const load = (name: string) => {
    let hit = cache.get(name);
    if (!hit) {
      hit = readFile(join(dir, name)).then((body) => ({ body, gz: gzipSync(body) }));
      cache.set(name, hit);
    }
    return hit;
  };

  const app = new Hono<AppEnv>();
  app.get('/api/docs', (c) => {
    c.header('Content-Security-Policy', docsCsp);
    return c.html(page);
  });
  app.get('/api/docs/init.js', (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(initializer);
  });
  app.get('/api/docs/:file', async (c) => {
    const name = c.req.param('file');
    const type = assets[name];
    if (!type) return c.notFound();
    const { body, gz } = await load(name);
    c.header('Content-Type', type);
    c.header('Cache-Control', 'public, max-age=86400');
    c.header('Vary', 'Accept-Encoding');
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '')) {
      c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(gz));
    }
    return c.body(new Uint8Array(body));
  });
  return app;
}
