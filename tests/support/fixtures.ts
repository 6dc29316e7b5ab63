import { AppError } from '../../core/errors.js';
import { ManualClock } from '../../core/clock.js';
import { silentLogger } from '../../core/deps.js';
import { createServices, type Services } from '../../core/services.js';
import type { TestDatabase } from './db.js';
import type { User } from '../../db/types.js';

/** Services on a test database with a steppable clock in the center's zone. */
export function servicesFor(database: TestDatabase, start: string, tz = 'Asia/Tashkent') {
  const clock = new ManualClock(start);
  const services = createServices({ db: database.db, dialect: database.dialect, clock, log: silentLogger, tz });
  return { clock, services };
}

let seq = 0;
export async function addUser(services: Services, over: Partial<Parameters<Services['users']['create']>[0]> = {}): Promise<User> {
  seq++;
  const { user } = await services.users.create({
    username: over.username ?? `user${seq}_${Math.random().toString(36).slice(2, 6)}`,
    fullName: over.fullName ?? `User ${seq}`,
    role: over.role ?? 'sales',
    workStart: '09:00',
    workEnd: '18:00',
    workDays: [1, 2, 3, 4, 5, 6],
    ...over,
  });
  return user;
}

export async function addCourse(database: TestDatabase, over: { name?: string; price?: number; lesson_minutes?: number } = {}) {
  return database.db
    .insertInto('courses')
    .values({ name: over.name ?? 'English', price: over.price ?? 500_000, lesson_minutes: over.lesson_minutes ?? 90, lessons_per_week: 3, active: 1, created_at: new Date().toISOString() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function addGroup(
  database: TestDatabase,
  courseId: number,
  over: { name?: string; days?: 'odd' | 'even' | 'daily'; start_time?: string; capacity?: number; current_students?: number; room_id?: number | null } = {},
) {
  return database.db
    .insertInto('study_groups')
    .values({
      course_id: courseId,
      name: over.name ?? 'G1',
      days: over.days ?? 'odd',
      start_time: over.start_time ?? '15:00',
      capacity: over.capacity ?? 12,
      current_students: over.current_students ?? 0,
      room_id: over.room_id ?? null,
      created_at: new Date().toISOString(),
      active: 1,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Local Tashkent wall time → ISO instant (UTC+5, no DST), for readable test data. */
export const tash = (local: string) => new Date(`${local}+05:00`).toISOString();

/** The AppError a core call is refused with; fails the test when the call succeeds or throws something else. */
export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the call to be refused');
}
