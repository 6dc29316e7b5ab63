import { sign } from '@telegram-apps/init-data-node';
import type { Dialect } from '../../db/connection.js';
import type { User } from '../../db/types.js';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { createApi, type ApiDeps } from '../../api/app.js';
import { freshDatabase } from './db.js';
import { servicesFor } from './fixtures.js';

export const BOT_TOKEN = '1234567:TEST-bot-token-for-api-tests';

/** A migrated database, services on a manual clock and the HTTP app, configured by env-like values. */
export async function apiFor(dialect: Dialect, env: Record<string, string> = {}, start = '2026-11-24T06:00:00.000Z', extra: Partial<ApiDeps> = {}) {
  const database = await freshDatabase(dialect);
  const { clock, services } = servicesFor(database, start);
  const config = loadConfig({ TELEGRAM_BOT_TOKEN: BOT_TOKEN, PUBLIC_URL: 'https://edu.example.uz', LOG_LEVEL: 'silent', ...env });
  const app = createApi({ services, config, log: createLogger('silent'), ...extra });
  return { database, db: database.db, clock, services, config, app, cleanup: () => database.cleanup() };
}

/** Init data as Telegram signs it for `telegramId`, `ageSeconds` old by the given clock time. */
export function initData(telegramId: number, opts: { token?: string; now: Date; ageSeconds?: number }): string {
  return sign(
    { user: { id: telegramId, first_name: 'Test', language_code: 'uz' }, signature: 'test' },
    opts.token ?? BOT_TOKEN,
    new Date(opts.now.getTime() - (opts.ageSeconds ?? 60) * 1000),
  );
}

export function tmaHeader(data: string): Record<string, string> {
  return { authorization: `tma ${data}` };
}

/** Headers for a signed-in staff user (their Telegram id must be linked). */
export function asUser(user: Pick<User, 'telegram_user_id'>, now: Date): Record<string, string> {
  return tmaHeader(initData(Number(user.telegram_user_id), { now }));
}

/** The connection info @hono/node-server passes as env, so `clientIp` sees this address. */
export function fromIp(ip: string) {
  return { incoming: { socket: { remoteAddress: ip } } };
}

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
