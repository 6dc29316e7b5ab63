import type { Db, Dialect, Tx } from '../db/connection.js';
import { withTx } from '../db/connection.js';
import type { Clock } from './clock.js';

export interface CoreLogger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** What every core use case needs, passed explicitly (no singletons). */
export interface CoreDeps {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  log: CoreLogger;
  /** the center's time zone (CRM_TIMEZONE) */
  tz: string;
}

export function tx<T>(deps: CoreDeps, fn: (tx: Tx) => Promise<T>, outer?: Tx): Promise<T> {
  return withTx(outer ?? deps.db, deps.dialect, fn);
}

export const silentLogger: CoreLogger = { info() {}, warn() {}, error() {}, debug() {} };
