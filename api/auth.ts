import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { sign, validate } from '@telegram-apps/init-data-node';
import { ConfigError, type Config } from '../config.js';
import type { Db } from '../db/connection.js';
import type { Role, User } from '../db/types.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { AppEnv } from './router.js';

/**
 * How Mini App requests are authenticated:
 * - `telegram`: init data signed by Telegram with the bot token (production);
 * - `demo`: no bot token, so init data is signed by a random secret that lives only in this
 *   process's memory and is used only by the /demo page (trying the product without Telegram);
 * - `off`: no bot token and demo mode switched off: nobody can sign in to the Mini App.
 */
export type AuthMode =
  | { kind: 'telegram'; secret: string }
  | { kind: 'demo'; secret: string; /** DEMO_MODE=true: the /demo page answers every client, not only this machine */ open: boolean }
  | { kind: 'off' };

export const DEMO_WITH_TOKEN_MESSAGE =
  'DEMO_MODE=true cannot be combined with TELEGRAM_BOT_TOKEN: demo mode lets anyone open the Mini App as any salesperson. ' +
  'Unset DEMO_MODE (or set it to false) to use Telegram sign-in, or unset TELEGRAM_BOT_TOKEN to try the demo.';

export function resolveAuthMode(config: Pick<Config, 'TELEGRAM_BOT_TOKEN' | 'DEMO_MODE'>): AuthMode {
  const requested = config.DEMO_MODE === 'true' || config.DEMO_MODE === '1';
  const refused = config.DEMO_MODE === 'false' || config.DEMO_MODE === '0';
  if (config.TELEGRAM_BOT_TOKEN) {
    if (requested) throw new ConfigError(DEMO_WITH_TOKEN_MESSAGE);
    return { kind: 'telegram', secret: config.TELEGRAM_BOT_TOKEN };
  }
  if (refused) return { kind: 'off' };
  // a fresh secret per start: demo sign-ins die with the process and can never be replayed against a real bot
  return { kind: 'demo', secret: randomBytes(32).toString('hex'), open: requested };
}

export interface AuthOptions {
  mode: AuthMode;
  db: Db;
  clock: Clock;
  /** seconds init data stays valid after Telegram signed it (INIT_DATA_EXPIRES_IN) */
  expiresIn: number;
}

const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);

/**
 * `Authorization: tma <initDataRaw>` → the active staff user linked to that Telegram account.
 * Missing, forged or expired init data → 401; a Telegram account that is not (or no longer) staff → 403.
 */
export async function authenticate(header: string | undefined, opts: AuthOptions): Promise<User> {
  const m = /^tma\s+(.+)$/i.exec(header?.trim() ?? '');
  if (!m) throw unauthorized('sign in through the Telegram Mini App: Authorization: tma <initData> is missing');
  if (opts.mode.kind === 'off') throw unauthorized('Mini App sign-in is off: TELEGRAM_BOT_TOKEN is not set');
  const raw = m[1];
  try {
    // expiry is checked below against the injected clock, not the library's wall clock
    validate(raw, opts.mode.secret, { expiresIn: 0 });
  } catch {
    throw unauthorized('init data signature is invalid');
  }
  const params = new URLSearchParams(raw);
  const authDate = Number(params.get('auth_date'));
  const now = opts.clock.now().getTime();
  if (opts.expiresIn > 0 && (authDate + opts.expiresIn) * 1000 < now) throw unauthorized('init data has expired: reopen the Mini App');
  let telegramId: number | undefined;
  try {
    telegramId = (JSON.parse(params.get('user') ?? 'null') as { id?: unknown } | null)?.id as number | undefined;
  } catch {
    telegramId = undefined;
  }
  if (!Number.isSafeInteger(telegramId)) throw unauthorized('init data carries no Telegram user');
  const id = telegramId as number;

  let user: User | undefined;
  if (opts.mode.kind === 'demo' && id < 0) {
    // demo sign-in of a staff user with no linked Telegram account (real Telegram user ids are positive)
    user = await opts.db.selectFrom('users').selectAll().where('id', '=', -id).executeTakeFirst();
  } else {
    user = await opts.db.selectFrom('users').selectAll().where('telegram_user_id', '=', String(id)).executeTakeFirst();
  }
  if (!user) throw new AppError('FORBIDDEN', 'this Telegram account is not linked to a staff user', undefined, { reason: 'unknown_user' });
  if (!user.is_active) throw new AppError('FORBIDDEN', 'this staff account is deactivated', undefined, { reason: 'deactivated' });
  return user;
}

/** Paths under /api/ that need no sign-in; every other /api path does (default deny). */
export function isPublicApiPath(path: string): boolean {
  return path.startsWith('/api/public/') || path === '/api/openapi.json' || path === '/api/docs' || path.startsWith('/api/docs/');
}

export function tmaAuthMiddleware(opts: AuthOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (isPublicApiPath(c.req.path) || c.req.method === 'OPTIONS') return next();
    const user = await authenticate(c.req.header('authorization'), opts);
    c.set('user', user);
    c.get('log')?.debug({ userId: user.id }, 'authenticated');
    return next();
  };
}

/** Route guard: the signed-in user must hold one of these roles (the matrix of SPEC §10). */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('user').role)) throw new AppError('FORBIDDEN', 'your role does not allow this');
    return next();
  };
}

/** The Telegram id demo init data carries for a user: their linked account, else the negative user id. */
export function demoTelegramId(user: Pick<User, 'id' | 'telegram_user_id'>): number {
  const linked = Number(user.telegram_user_id);
  return user.telegram_user_id && Number.isSafeInteger(linked) && linked > 0 ? linked : -user.id;
}

/** Init data for the Mini App signed with the demo secret, as Telegram would send it. */
export function signDemoInitData(secret: string, user: Pick<User, 'id' | 'telegram_user_id' | 'full_name' | 'username' | 'language'>, at: Date): string {
  return sign(
    {
      user: { id: demoTelegramId(user), first_name: user.full_name, username: user.username, language_code: user.language },
      // the Mini App SDK requires the field; only Telegram's own third-party signature would be meaningful
      signature: 'demo',
    },
    secret,
    at,
  );
}

/** The Mini App URL with launch parameters in the hash, the way Telegram opens it. */
export function miniAppLaunchUrl(initData: string): string {
  const hash = new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: '8.0',
    tgWebAppPlatform: 'web',
    tgWebAppThemeParams: '{}',
  });
  return `/app/#${hash.toString()}`;
}
