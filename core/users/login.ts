import type { Role, User } from '../../db/types.js';
import { AppError } from '../errors.js';
import type { CoreDeps } from '../deps.js';
import { verifyPassword } from './passwords.js';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

// verified against when the username is unknown, so a wrong username costs the same time as a wrong password
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/**
 * Password sign-in for the back office. Five wrong passwords in a row lock the account for 15
 * minutes (counted in the database, so every process sees the same count); while locked even the
 * right password is refused. Only the given roles may sign in.
 * Errors: UNAUTHORIZED (wrong name or password), LOCKED, FORBIDDEN (role or deactivated).
 */
export function createStaffLogin(deps: CoreDeps) {
  async function signIn(username: string, password: string, allowedRoles: readonly Role[]): Promise<User> {
    const name = String(username ?? '').trim();
    const user = name ? await deps.db.selectFrom('users').selectAll().where('username', '=', name).executeTakeFirst() : undefined;
    if (!user) {
      await verifyPassword(String(password ?? ''), DUMMY_HASH).catch(() => false);
      throw new AppError('UNAUTHORIZED', 'invalidCredentials');
    }
    const now = deps.clock.now();
    if (user.locked_until && new Date(user.locked_until) > now) throw new AppError('LOCKED', 'accountLocked');

    const ok = await verifyPassword(String(password ?? ''), user.password_hash);
    if (!ok) {
      // counted in SQL, so two wrong attempts at the same moment both count; an expired lock starts afresh
      const row = await deps.db
        .updateTable('users')
        .set((eb) => ({
          failed_logins: eb.case().when('locked_until', 'is not', null).then(1).else(eb('failed_logins', '+', 1)).end(),
          locked_until: null,
        }))
        .where('id', '=', user.id)
        .returning('failed_logins')
        .executeTakeFirstOrThrow();
      const lock = row.failed_logins >= MAX_FAILED_LOGINS;
      if (lock) {
        await deps.db
          .updateTable('users')
          .set({ failed_logins: 0, locked_until: new Date(now.getTime() + LOCK_MINUTES * 60_000).toISOString() })
          .where('id', '=', user.id)
          .execute();
      }
      if (lock) deps.log.warn({ userId: user.id }, 'back-office account locked after repeated wrong passwords');
      throw new AppError(lock ? 'LOCKED' : 'UNAUTHORIZED', lock ? 'accountLocked' : 'invalidCredentials');
    }
    if (!user.is_active || !allowedRoles.includes(user.role)) throw new AppError('FORBIDDEN', 'roleNotAllowed');
    if (user.failed_logins || user.locked_until) {
      await deps.db.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('id', '=', user.id).execute();
    }
    return user;
  }

  return { signIn };
}
