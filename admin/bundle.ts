// `npm run build`: bundles the back office's browser code once (components + AdminJS's own
// bundles) into .adminjs/public, which the server serves as static files. The server runs this
// itself, in a child process, when the bundle is missing or stale.
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
// the bundler reads these when its modules load, so they are set before the dynamic imports
process.env.NODE_ENV = 'production';
process.env.ADMIN_JS_SKIP_BUNDLE = 'false';

const { bundle } = await import('@adminjs/bundler');
const { createComponentLoader } = await import('./components.js');
const { BUNDLE_DIR_REL, bundleIsFresh, withBundleLock, writeStamp } = await import('./bundle-check.js');

const force = process.argv.includes('--force');
await withBundleLock(async () => {
  // another process may have built it while this one waited for the lock
  if (!force && bundleIsFresh()) {
    process.stdout.write('admin bundle is up to date\n');
    return;
  }
  const started = Date.now();
  await bundle({ componentLoader: createComponentLoader(), destinationDir: BUNDLE_DIR_REL });
  writeStamp();
  process.stdout.write(`admin bundle built in ${Date.now() - started} ms → ${BUNDLE_DIR_REL}\n`);
});
