import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMPONENT_FILES } from './component-files.js';

/** The repository root (the bundler resolves node_modules and .adminjs from it). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm run build` leaves the four browser bundles AdminJS pages load. */
export const BUNDLE_DIR_REL = '.adminjs/public';
export const BUNDLE_DIR = join(ROOT, BUNDLE_DIR_REL);
export const BUNDLE_FILES = ['components.bundle.js', 'app.bundle.js', 'global.bundle.js', 'design-system.bundle.js'];
const STAMP = join(BUNDLE_DIR, 'fingerprint.txt');
const LOCK = join(ROOT, '.adminjs', 'bundle.lock');

const versionOf = (pkg: string): string => {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version as string;
  } catch {
    return 'missing';
  }
};

/** Changes whenever the bundle would come out different: our components or the AdminJS packages. */
export function fingerprint(): string {
  const h = createHash('sha256');
  for (const pkg of ['adminjs', '@adminjs/design-system', '@adminjs/bundler', 'react']) h.update(`${pkg}@${versionOf(pkg)}\n`);
  for (const c of COMPONENT_FILES) {
    h.update(`${c.name}:${c.file}:${c.override ? 1 : 0}\n`);
    h.update(readFileSync(join(ROOT, 'admin', 'components', c.file)));
  }
  return h.digest('hex');
}

export function bundleIsFresh(): boolean {
  if (!BUNDLE_FILES.every((f) => existsSync(join(BUNDLE_DIR, f)))) return false;
  try {
    return readFileSync(STAMP, 'utf8').trim() === fingerprint();
  } catch {
    return false;
  }
}

export function writeStamp(): void {
  writeFileSync(STAMP, `${fingerprint()}\n`);
}

/**
 * Runs `fn` holding a lock directory, so two processes starting at once do not bundle into the
 * same files together; a lock older than 5 minutes is taken as left by a crashed process.
 */
export async function withBundleLock<T>(fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      try {
        if (Date.now() - statSync(LOCK).mtimeMs > 5 * 60_000) rmSync(LOCK, { recursive: true, force: true });
      } catch {
        // removed by its owner meanwhile
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/**
 * Builds the bundle in a child process when it is missing or stale: once at start, never per
 * request. A child, because the bundler switches NODE_ENV for the whole process it runs in.
 */
export async function ensureBundle(log?: { info(o: unknown, m?: string): void }): Promise<void> {
  if (bundleIsFresh()) return;
  const started = Date.now();
  log?.info({ dir: BUNDLE_DIR_REL }, 'admin: building the back-office bundle (missing or stale)');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'admin', 'bundle.ts')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`admin bundle failed (exit ${code}):\n${output.slice(-4000)}`))));
  });
  if (!bundleIsFresh()) throw new Error('admin bundle was built but is still missing or stale');
  log?.info({ ms: Date.now() - started }, 'admin: bundle ready');
}
