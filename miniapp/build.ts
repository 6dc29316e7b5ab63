import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Mini App's folder and its build output (served at /app/ by api/miniapp.ts). */
export const MINIAPP_DIR = dirname(fileURLToPath(import.meta.url));
export const MINIAPP_DIST = join(MINIAPP_DIR, 'dist');
const ROOT = resolve(MINIAPP_DIR, '..');
/** Written last by a build: the source files (outside node_modules) that went into it. */
const INPUTS_FILE = '.inputs.json';

interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

function newestMtime(dir: string): number {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Why the build in miniapp/dist cannot be served as it is, or null when it is current: missing,
 * or older than any source it was built from (miniapp/src, its config, and the shared core files
 * it imports, such as the message catalogs and the status table).
 */
export function staleReason(dist = MINIAPP_DIST): string | null {
  const inputsPath = join(dist, INPUTS_FILE);
  if (!existsSync(join(dist, 'index.html')) || !existsSync(inputsPath)) return 'no build';
  const builtAt = statSync(inputsPath).mtimeMs;
  let inputs: string[];
  try {
    inputs = JSON.parse(readFileSync(inputsPath, 'utf8')) as string[];
  } catch {
    return 'unreadable build manifest';
  }
  for (const rel of inputs) {
    const p = join(ROOT, rel);
    if (!existsSync(p)) return `${rel} is gone`;
    if (statSync(p).mtimeMs > builtAt) return `${rel} changed`;
  }
  // a new file under src/ that nothing imported yet still means the sources moved on
  for (const p of [join(MINIAPP_DIR, 'src'), join(MINIAPP_DIR, 'index.html'), join(MINIAPP_DIR, 'vite.config.ts')]) {
    if ((existsSync(p) && statSync(p).isDirectory() ? newestMtime(p) : existsSync(p) ? statSync(p).mtimeMs : 0) > builtAt) return `${relative(ROOT, p)} changed`;
  }
  return null;
}

/**
 * Builds the Mini App with Vite's JS API into a temporary folder, then swaps it in, so a server
 * reading miniapp/dist never sees a half-written build and two builds at once cannot mix files.
 */
export async function buildMiniApp(opts: { outDir?: string; quiet?: boolean } = {}): Promise<{ outDir: string; ms: number }> {
  const started = performance.now();
  const outDir = opts.outDir ?? MINIAPP_DIST;
  const tmp = `${outDir}.tmp-${process.pid}-${Date.now().toString(36)}`;
  // vite is a build tool: loaded only when a build is needed, never on a normal start
  const { build } = await import('vite');
  // a production build whoever calls it: under vitest NODE_ENV is "test", which would give React's
  // development build and turn on the development-only Telegram mock (import.meta.env.DEV)
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      configFile: join(MINIAPP_DIR, 'vite.config.ts'),
      root: MINIAPP_DIR,
      mode: 'production',
      logLevel: opts.quiet ? 'warn' : 'info',
      define: { 'process.env.NODE_ENV': JSON.stringify('production') },
      build: { outDir: tmp, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const outputs = (Array.isArray(result) ? result : [result]) as Array<{ output?: Array<{ type: string; moduleIds?: string[] }> }>;
  const inputs = new Set<string>();
  for (const o of outputs) {
    for (const chunk of o.output ?? []) {
      for (const id of chunk.moduleIds ?? []) {
        const file = id.replace(/[?#].*$/, '');
        if (!file.startsWith('/') || file.includes('/node_modules/') || !existsSync(file)) continue;
        const rel = relative(ROOT, file);
        if (!rel.startsWith('..')) inputs.add(rel);
      }
    }
  }
  writeFileSync(join(tmp, INPUTS_FILE), JSON.stringify([...inputs].sort(), null, 1));
  const old = `${outDir}.old-${process.pid}-${Date.now().toString(36)}`;
  if (existsSync(outDir)) renameSync(outDir, old);
  renameSync(tmp, outDir);
  rmSync(old, { recursive: true, force: true });
  return { outDir, ms: Math.round(performance.now() - started) };
}

/**
 * `npm start`: builds the Mini App when miniapp/dist is missing or older than its sources. One
 * process builds at a time (a lock file); the others wait for it and then find the build current.
 * Without Vite installed (a production install without dev dependencies) an existing build is
 * served as it is.
 */
export async function ensureMiniAppBuilt(log?: Log): Promise<'current' | 'built' | 'unavailable'> {
  if (!staleReason()) return 'current';
  mkdirSync(MINIAPP_DIR, { recursive: true });
  const lock = join(MINIAPP_DIR, '.build.lock');
  const deadline = Date.now() + 180_000;
  let fd: number | null = null;
  while (fd === null) {
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // a lock older than the longest build is left over from a crash
      try {
        if (Date.now() - statSync(lock).mtimeMs > 180_000) rmSync(lock, { force: true });
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const reason = staleReason();
    if (!reason) return 'current';
    try {
      await import('vite');
    } catch {
      log?.warn({ reason }, 'Mini App build is out of date and Vite is not installed: run `npm run build` where dev dependencies are installed');
      return 'unavailable';
    }
    log?.info({ reason }, 'building the Mini App');
    const { ms } = await buildMiniApp({ quiet: true });
    log?.info({ ms }, 'Mini App built');
    return 'built';
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { outDir, ms } = await buildMiniApp();
  process.stdout.write(`Mini App built into ${relative(process.cwd(), outDir)} in ${ms} ms\n`);
}
