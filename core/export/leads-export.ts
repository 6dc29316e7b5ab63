import { DateTime } from 'luxon';
import type { Lead, LeadSource, LeadStatus, User } from '../../db/types.js';
import type { CoreDeps } from '../deps.js';
import { validation } from '../errors.js';
import { hasKey, t, type Lang } from '../i18n/i18n.js';
import { addLocalDays, localInstant } from '../worktime/worktime.js';
import { openXlsxWriter, type XlsxOut } from './xlsx-writer.js';

/** The back office's lead filter, as an export takes it. Dates are local days on `created_at`, inclusive. */
export interface LeadExportFilter {
  from?: string;
  to?: string;
  status?: LeadStatus[];
  source?: LeadSource[];
  /** a salesperson's id, or null for unassigned leads */
  assignedTo?: number | null;
  courseId?: number;
  parked?: boolean;
}

type Actor = Pick<User, 'id' | 'role'> | null | undefined;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PAGE = 1000;

/**
 * An instant as Excel shows it: a date-time in the center's zone (Excel cells carry no zone, so the
 * local wall time is written as if it were UTC).
 */
export function excelLocal(iso: string | null, tz: string): Date | null {
  if (!iso) return null;
  const d = DateTime.fromISO(iso, { zone: 'utc' }).setZone(tz);
  return new Date(Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second));
}

const label = (lang: Lang, key: string, fallback: string | null) => (fallback == null ? null : hasKey(key) ? t(lang, key) : fallback);

/**
 * Streams the leads of a filter into an .xlsx, oldest first, a page at a time (keyset on id).
 * A salesperson's export holds only their own leads (SPEC §10). Returns the number of leads written.
 */
export async function exportLeads(deps: CoreDeps, out: XlsxOut, filter: LeadExportFilter = {}, opts: { lang?: Lang; actor?: Actor } = {}): Promise<number> {
  const lang = opts.lang ?? 'uz';
  if (filter.from && !DAY.test(filter.from)) throw validation('from', 'must be YYYY-MM-DD');
  if (filter.to && !DAY.test(filter.to)) throw validation('to', 'must be YYYY-MM-DD');
  const db = deps.db;
  const users = new Map((await db.selectFrom('users').select(['id', 'full_name']).execute()).map((u) => [u.id, u.full_name]));
  const courses = new Map((await db.selectFrom('courses').select(['id', 'name']).execute()).map((c) => [c.id, c.name]));
  const F = filter.from ? new Date(localInstant(filter.from, '00:00', deps.tz)).toISOString() : null;
  const T = filter.to ? new Date(localInstant(addLocalDays(filter.to, 1), '00:00', deps.tz)).toISOString() : null;
  const ownOnly = opts.actor?.role === 'sales' ? opts.actor.id : undefined;

  const w = openXlsxWriter(out);
  const sheet = w.addSheet(t(lang, 'export.sheet.leads'), [
    { header: t(lang, 'export.col.id'), width: 8 },
    { header: t(lang, 'export.col.name'), width: 28 },
    { header: t(lang, 'export.col.phone'), width: 16 },
    { header: t(lang, 'export.col.phone2'), width: 16 },
    { header: t(lang, 'export.col.course'), width: 18 },
    { header: t(lang, 'export.col.source'), width: 14 },
    { header: t(lang, 'export.col.status'), width: 18 },
    { header: t(lang, 'export.col.assignee'), width: 22 },
    { header: t(lang, 'export.col.parked'), width: 9 },
    { header: t(lang, 'export.col.created_at'), width: 17, numFmt: 'yyyy-mm-dd hh:mm' },
    { header: t(lang, 'export.col.student_name'), width: 20 },
    { header: t(lang, 'export.col.student_age'), width: 8 },
    { header: t(lang, 'export.col.student_level'), width: 12 },
    { header: t(lang, 'export.col.lost_reason'), width: 18 },
    { header: t(lang, 'export.col.agreed_price'), width: 14, numFmt: '#,##0' },
    { header: t(lang, 'export.col.utm_source'), width: 14 },
    { header: t(lang, 'export.col.utm_medium'), width: 14 },
    { header: t(lang, 'export.col.utm_campaign'), width: 16 },
    { header: t(lang, 'export.col.notes'), width: 50 },
  ]);

  let after = 0;
  for (;;) {
    let q = db.selectFrom('leads').selectAll().where('merged_into', 'is', null).where('id', '>', after);
    if (ownOnly !== undefined) q = q.where('assigned_to', '=', ownOnly);
    else if (filter.assignedTo !== undefined) q = filter.assignedTo === null ? q.where('assigned_to', 'is', null) : q.where('assigned_to', '=', filter.assignedTo);
    if (F) q = q.where('created_at', '>=', F);
    if (T) q = q.where('created_at', '<', T);
    if (filter.status?.length) q = q.where('status', 'in', filter.status);
    if (filter.source?.length) q = q.where('source', 'in', filter.source);
    if (filter.courseId !== undefined) q = q.where('course_id', '=', filter.courseId);
    if (filter.parked !== undefined) q = q.where('parked', '=', filter.parked ? 1 : 0);
    const page: Lead[] = await q.orderBy('id').limit(PAGE).execute();
    for (const l of page) {
      sheet.addRow([
        l.id,
        l.name,
        l.phone,
        l.phone2,
        l.course_id != null ? (courses.get(l.course_id) ?? null) : null,
        label(lang, `source.${l.source}`, l.source),
        label(lang, `status.${l.status}`, l.status),
        l.assigned_to != null ? (users.get(l.assigned_to) ?? null) : null,
        t(lang, l.parked ? 'export.yes' : 'export.no'),
        excelLocal(l.created_at, deps.tz),
        l.student_name,
        l.student_age,
        l.student_level,
        l.lost_reason ? (l.lost_reason === 'other' && l.lost_reason_text ? l.lost_reason_text : label(lang, `lost.${l.lost_reason}`, l.lost_reason)) : null,
        l.agreed_price,
        l.utm_source,
        l.utm_medium,
        l.utm_campaign,
        l.notes,
      ]);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1].id;
  }
  await w.commit();
  return sheet.rowCount;
}
