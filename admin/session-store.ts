import session from 'express-session';
import type { Db } from '../db/connection.js';
import type { Clock } from '../core/clock.js';

const DAY = 86_400_000;
// the sessions table may hold other kinds of sessions (the bot's); ours carry this prefix
const PREFIX = 'admin:';

/**
 * express-session store in our `sessions` table, so back-office sessions survive a restart and
 * are shared by every process on one PostgreSQL. Expired rows are ignored on read and swept now
 * and then on write.
 */
export class DbSessionStore extends session.Store {
  private writes = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly defaultTtlMs = DAY,
  ) {
    super();
  }

  private expiry(sess: session.SessionData): string {
    const at = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : this.clock.now().getTime() + this.defaultTtlMs;
    return new Date(at).toISOString();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('sid', '=', PREFIX + sid)
      .executeTakeFirst()
      .then((row) => {
        if (!row || row.expires_at <= this.clock.now().toISOString()) return cb(null, null);
        cb(null, JSON.parse(row.data) as session.SessionData);
      })
      .catch((err) => cb(err));
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const data = JSON.stringify(sess);
    const expires_at = this.expiry(sess);
    this.db
      .insertInto('sessions')
      .values({ sid: PREFIX + sid, data, expires_at })
      .onConflict((oc) => oc.column('sid').doUpdateSet({ data, expires_at }))
      .execute()
      .then(() => (++this.writes % 100 === 0 ? this.sweep() : undefined))
      .then(() => cb?.())
      .catch((err) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.db
      .updateTable('sessions')
      .set({ expires_at: this.expiry(sess) })
      .where('sid', '=', PREFIX + sid)
      .execute()
      .then(() => cb?.())
      .catch((err) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.db
      .deleteFrom('sessions')
      .where('sid', '=', PREFIX + sid)
      .execute()
      .then(() => cb?.())
      .catch((err) => cb?.(err));
  }

  /** deletes expired sessions */
  async sweep(): Promise<void> {
    await this.db
      .deleteFrom('sessions')
      .where('sid', 'like', `${PREFIX}%`)
      .where('expires_at', '<=', this.clock.now().toISOString())
      .execute();
  }
}
