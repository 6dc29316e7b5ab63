import { DateTime } from 'luxon';
import { ManualClock } from '../clock.js';
import type { CoreDeps } from '../deps.js';
import { createServices } from '../services.js';
import { AppError } from '../errors.js';
import { isLessonDay } from '../groups/groups.js';
import type { Course, LeadSource, Room, StudyGroup, User } from '../../db/types.js';

/**
 * `crm demo`: fills an EMPTY database with a believable center so a newcomer can try every
 * screen. History is produced through the real use cases on a clock stepped over the last
 * 30 days, so timelines, follow-ups, KPI inputs and notifications look like a real month.
 */
export interface DemoResult {
  users: { username: string; role: string; password: string | null }[];
  leads: number;
}

const FIRST = ['Aziz', 'Dilnoza', 'Jasur', 'Malika', 'Sardor', 'Nodira', 'Bekzod', 'Shahnoza', 'Otabek', 'Gulnora', 'Timur', 'Zarina', 'Anvar', 'Kamola', 'Rustam', 'Madina', 'Akmal', 'Laylo', 'Sherzod', 'Feruza', 'Ольга', 'Дмитрий', 'Nilufar', 'Javohir'];
const LAST = ['Karimov', 'Rahimova', 'Tursunov', 'Yusupova', 'Aliyev', 'Sodiqova', 'Ergashev', 'Nazarova', 'Qodirov', 'Islomova', 'Иванова', 'Петров'];
const SOURCES: LeadSource[] = ['instagram', 'instagram', 'telegram', 'telegram', 'form', 'form', 'youtube', 'organic', 'walk_in', 'phone_call', 'referral', 'other'];

export async function seedDemo(deps: CoreDeps, opts: { days?: number; leadsPerDay?: number } = {}): Promise<DemoResult> {
  const db = deps.db;
  const existing = await db.selectFrom('leads').select('id').limit(1).executeTakeFirst();
  if (existing) throw new AppError('CONFLICT', 'demo data goes into an empty database only (leads already exist)');
  const realNow = deps.clock.now();
  const days = opts.days ?? 30;
  const perDay = opts.leadsPerDay ?? 10;
  const start = DateTime.fromJSDate(realNow, { zone: deps.tz }).minus({ days }).startOf('day');
  const clock = new ManualClock(start.toJSDate());
  const s = createServices({ ...deps, clock });
  let rnd = 7;
  const rand = () => ((rnd = (rnd * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const iso = () => clock.now().toISOString();

  await db.updateTable('center_settings').set({
    center_name: 'Bilim Plus o‘quv markazi',
    address: 'Toshkent, Chilonzor tumani, Bunyodkor ko‘chasi 12',
    map_link: 'https://maps.google.com/?q=41.2825,69.2044',
    contact_phone: '+998712001122',
    landing_texts: JSON.stringify({
      uz: { title: 'Bilim Plus — ingliz tili, IELTS va dasturlash kurslari', description: 'Bepul sinov darsiga yoziling: qo‘ng‘iroq qilamiz va qulay guruhni tanlaymiz.' },
      ru: { title: 'Bilim Plus — английский, IELTS и программирование', description: 'Запишитесь на бесплатный пробный урок: мы перезвоним и подберём группу.' },
      en: { title: 'Bilim Plus — English, IELTS and coding courses', description: 'Book a free trial lesson: we will call you and find a group that fits.' },
    }),
    updated_at: iso(),
  }).where('id', '=', 1).execute();

  const courses: Course[] = [];
  for (const [name, price, minutes] of [['General English', 450_000, 90], ['IELTS', 750_000, 120], ['Python', 900_000, 120], ['Rus tili', 400_000, 90]] as const) {
    courses.push(await db.insertInto('courses').values({ name, price, lesson_minutes: minutes, lessons_per_week: 3, active: 1, created_at: iso(), sales_script: `${name}: ask about the goal, the level and a convenient time; offer a free trial.` }).returningAll().executeTakeFirstOrThrow());
  }
  const rooms: Room[] = [];
  for (const [name, capacity] of [['101', 14], ['102', 12], ['Lab', 16]] as const) rooms.push(await db.insertInto('rooms').values({ name, capacity, active: 1 }).returningAll().executeTakeFirstOrThrow());
  const groups: StudyGroup[] = [];
  const groupSpecs = [
    [0, 'GE-1 odd 09:00', 'odd', '09:00', 0, 30, 9],
    [0, 'GE-2 even 15:00', 'even', '15:00', 0, 24, 19],
    [1, 'IELTS odd 17:00', 'odd', '17:00', 1, 24, 7],
    [1, 'IELTS even 11:00', 'even', '11:00', 1, 20, 4],
    [2, 'Python odd 14:00', 'odd', '14:00', 2, 30, 11],
    [3, 'Rus daily 10:00', 'daily', '10:00', 1, 30, 10],
  ] as const;
  for (const [ci, name, gdays, time, ri, cap, cur] of groupSpecs) {
    groups.push(await db.insertInto('study_groups').values({ course_id: courses[ci].id, name, days: gdays, start_time: time, room_id: rooms[ri].id, capacity: cap, current_students: cur, start_date: start.toISODate(), created_at: iso(), active: 1 }).returningAll().executeTakeFirstOrThrow());
  }

  const users: DemoResult['users'] = [];
  const mk = async (username: string, fullName: string, role: 'sales' | 'sales_manager', extra: Record<string, unknown> = {}) => {
    const { user, password } = await s.users.create({ username, fullName, role, ...extra } as any);
    users.push({ username, role, password });
    return user;
  };
  const manager = await mk('manager', 'Nargiza Hamidova', 'sales_manager');
  const sales: User[] = [
    await mk('dilnoza', 'Dilnoza Rahimova', 'sales', { workStart: '09:00', workEnd: '18:00', language: 'uz' }),
    await mk('jasur', 'Jasur Tursunov', 'sales', { workStart: '09:00', workEnd: '18:00' }),
    await mk('malika', 'Malika Yusupova', 'sales', { workStart: '10:00', workEnd: '19:00' }),
    await mk('sardor', 'Sardor Aliyev', 'sales', { workStart: '13:00', workEnd: '21:00', courseIds: [courses[2].id] }),
    await mk('olga', 'Ольга Иванова', 'sales', { workStart: '09:00', workEnd: '18:00', language: 'ru', workDays: [1, 2, 3, 4, 5] }),
  ];

  await db.insertInto('offers').values([
    { title: 'Do‘stingiz bilan 10% chegirma', description: 'Ikki kishi birga yozilsa, har biriga 10% chegirma', type: 'discount', priority: 10, channel: 'all', audience: 'all', active: 1, created_by: manager.id, created_at: iso(), valid_from: start.toUTC().toISO()!, valid_until: start.plus({ days: days + 60 }).toUTC().toISO()! },
    { title: 'IELTS: bepul mock test', description: 'Yozilganlarga bepul mock test', type: 'bonus', priority: 5, channel: 'trial', audience: 'trial', course_id: courses[1].id, active: 1, created_by: manager.id, created_at: iso() },
    { title: 'Qaytganlarga birinchi oy 20% arzon', type: 'discount', priority: 8, channel: 'reactivation', audience: 'lost', active: 1, created_by: manager.id, created_at: iso() },
  ]).execute();

  let phoneSeq = 1_000_000 + Math.floor(rand() * 1000);
  let leads = 0;
  const nextLessonDay = (groupIdx: number) => {
    const g = groups[groupIdx];
    let d = DateTime.fromJSDate(clock.now(), { zone: deps.tz }).plus({ days: 1 });
    while (!isLessonDay(g.days, d.toISODate()!)) d = d.plus({ days: 1 });
    return d.toISODate()!;
  };
  const safe = async (f: () => Promise<unknown>) => {
    try {
      await f();
      return true;
    } catch (e) {
      if (e instanceof AppError) return false;
      throw e;
    }
  };

  for (let day = 0; day < days; day++) {
    const date = start.plus({ days: day });
    if (date.weekday === 7) continue;
    for (let i = 0; i < perDay; i++) {
      clock.set(date.set({ hour: 9 + Math.floor(rand() * 9), minute: Math.floor(rand() * 60) }).toJSDate());
      const courseIdx = Math.floor(rand() * courses.length);
      const source = pick(SOURCES);
      const own = source === 'walk_in' || source === 'phone_call';
      const actor = own ? pick(sales) : null;
      const r = await s.leads.intake(
        {
          name: `${pick(FIRST)} ${pick(LAST)}`,
          phone: `+99890${String(phoneSeq++).slice(-7)}`,
          courseId: courses[courseIdx].id,
          source,
          note: rand() < 0.3 ? pick(['Kechki guruh kerak', 'Narxini so‘radi', 'Farzandi uchun', 'IELTS 7.0 maqsad', 'Shanba kuni qulay']) : undefined,
          utm: source === 'form' ? { source: 'instagram', medium: 'cpc', campaign: 'autumn' } : undefined,
        },
        actor,
      );
      leads++;
      const lead = r.lead;
      const owner = lead.assigned_to ? sales.find((x) => x.id === lead.assigned_to) ?? null : null;
      if (!owner) continue;
      const age = days - day;
      // older leads went further down the funnel
      clock.advance(10 * 60_000 + Math.floor(rand() * 50 * 60_000));
      if (age < 1 && rand() < 0.5) continue;
      if (rand() < 0.15) {
        await s.leads.logCall(lead.id, { outcome: 'no_answer' }, owner);
        if (rand() < 0.5) await safe(() => s.leads.move(lead.id, { to: 'lost', lostReason: 'no_answer' }, owner));
        continue;
      }
      await s.leads.logCall(lead.id, { outcome: 'reached', note: 'Gaplashildi' }, owner);
      await s.leads.move(lead.id, { to: 'contacted' }, owner);
      if (rand() < 0.2) {
        await s.leads.move(lead.id, { to: 'lost', lostReason: pick(['price', 'schedule', 'other_center', 'not_interested']) }, owner);
        continue;
      }
      if (rand() < 0.15) continue;
      await s.leads.move(lead.id, { to: 'interested' }, owner);
      const options = groups.map((g, idx) => (g.course_id === courses[courseIdx].id ? idx : -1)).filter((idx) => idx >= 0);
      const gi = options.length ? pick(options) : -1;
      if (age < 4) {
        // recent leads have trials still ahead of them
        if (gi >= 0 && rand() < 0.5) await safe(() => s.leads.bookTrial(lead.id, { groupId: groups[gi].id, date: nextLessonDay(gi) }, owner));
        continue;
      }
      if (rand() < 0.25) continue;
      const booked = gi >= 0 && (await safe(() => s.leads.bookTrial(lead.id, { groupId: groups[gi].id, date: nextLessonDay(gi) }, owner)));
      if (!booked) continue;
      const trial = await db.selectFrom('trials').selectAll().where('lead_id', '=', lead.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      if (Date.parse(trial.ends_at) + 3_600_000 > +realNow) continue;
      clock.set(new Date(Date.parse(trial.ends_at) + 20 * 60_000));
      if (rand() < 0.2) {
        await s.leads.recordTrialResult(trial.id, 'not_attended', owner);
        continue;
      }
      await s.leads.recordTrialResult(trial.id, 'attended', owner);
      const roll = rand();
      if (roll < 0.45) await safe(() => s.leads.recordTrialResult(trial.id, 'accepted', owner));
      else if (roll < 0.65) await s.leads.recordTrialResult(trial.id, 'rejected', owner, { lostReason: pick(['price', 'schedule']) });
      else if (roll < 0.85) await s.leads.recordTrialResult(trial.id, 'offer_sent', owner);
    }
    // each evening most of the day's due follow-ups get done
    clock.set(date.set({ hour: 17, minute: 30 }).toJSDate());
    const due = await db.selectFrom('follow_ups').select(['id', 'sales_id']).where('state', '=', 'open').where('due_at', '<=', iso()).execute();
    for (const f of due) {
      if (rand() < 0.8 && f.sales_id) await safe(() => s.followUps.complete(f.id, { id: f.sales_id!, role: 'sales' }));
    }
  }

  // a few lost prospects come back through the landing form: they return as `reactivation`
  clock.set(new Date(+realNow - 2 * 3_600_000));
  const lost = await db.selectFrom('leads').select(['name', 'phone', 'course_id']).where('status', '=', 'lost').orderBy('id').limit(6).execute();
  for (const l of lost) await s.leads.intake({ name: l.name, phone: l.phone, courseId: l.course_id, source: 'form', note: 'Yana qiziqib qoldi' });

  clock.set(realNow);
  const tomorrow = DateTime.fromJSDate(realNow, { zone: deps.tz }).plus({ days: 3 }).toISODate()!;
  const startsAt = DateTime.fromISO(tomorrow, { zone: deps.tz }).toUTC().toISO()!;
  const endsAt = DateTime.fromISO(tomorrow, { zone: deps.tz }).plus({ days: 1 }).toUTC().toISO()!;
  await db.insertInto('leave_requests').values({ user_id: sales[2].id, start_date: tomorrow, end_date: tomorrow, starts_at: startsAt, ends_at: endsAt, reason: 'Oilaviy sabab', status: 'pending', created_at: iso() }).execute();
  const msg = await db.insertInto('sales_messages').values({ sender_id: manager.id, subject: 'Haftalik reja', body: 'Bu hafta IELTS guruhlariga e‘tibor bering: yangi guruh ochiladi.', priority: 'high', sent_to_telegram: 0, created_at: iso() }).returningAll().executeTakeFirstOrThrow();
  await db.insertInto('sales_message_recipients').values(sales.map((u) => ({ message_id: msg.id, user_id: u.id }))).execute();
  return { users, leads };
}
