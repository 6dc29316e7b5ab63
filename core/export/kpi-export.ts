import type { User } from '../../db/types.js';
import type { CoreDeps } from '../deps.js';
import { validation } from '../errors.js';
import { t, type Lang } from '../i18n/i18n.js';
import { openXlsxWriter, type XlsxOut } from './xlsx-writer.js';

export interface KpiExportFilter {
  /** local dates, inclusive */
  from: string;
  to: string;
  userId?: number;
}

type Actor = Pick<User, 'id' | 'role'> | null | undefined;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The daily KPI rows (table kpi_daily, SPEC §6.3) of a period, by date then salesperson. Rates are
 * stored as percents and written as Excel percentages; empty metrics stay empty cells. A
 * salesperson exports only their own rows. Returns the number of rows written.
 */
export async function exportKpi(deps: CoreDeps, out: XlsxOut, f: KpiExportFilter, opts: { lang?: Lang; actor?: Actor } = {}): Promise<number> {
  const lang = opts.lang ?? 'uz';
  if (!DAY.test(f.from)) throw validation('from', 'must be YYYY-MM-DD');
  if (!DAY.test(f.to)) throw validation('to', 'must be YYYY-MM-DD');
  if (f.to < f.from) throw validation('to', 'must not be before from');
  const userId = opts.actor?.role === 'sales' ? opts.actor.id : f.userId;

  const w = openXlsxWriter(out);
  const sheet = w.addSheet(t(lang, 'export.sheet.kpi'), [
    { header: t(lang, 'export.kpi.date'), width: 12 },
    { header: t(lang, 'export.kpi.user'), width: 24 },
    { header: t(lang, 'export.kpi.daily_contacts') },
    { header: t(lang, 'export.kpi.daily_followups') },
    { header: t(lang, 'export.kpi.followup_completion_rate'), numFmt: '0.0%' },
    { header: t(lang, 'export.kpi.trials_registered') },
    { header: t(lang, 'export.kpi.trials_to_sales') },
    { header: t(lang, 'export.kpi.conversion_rate'), numFmt: '0.0%' },
    { header: t(lang, 'export.kpi.response_time'), numFmt: '0.0' },
    { header: t(lang, 'export.kpi.overdue_count') },
    { header: t(lang, 'export.kpi.on_leave') },
  ]);
  const pct = (v: number | null) => (v == null ? null : Number(v) / 100);
  let after = { date: '', user: 0 };
  for (;;) {
    const page = await deps.db
      .selectFrom('kpi_daily')
      .innerJoin('users', 'users.id', 'kpi_daily.user_id')
      .select([
        'kpi_daily.date', 'kpi_daily.user_id', 'users.full_name', 'kpi_daily.daily_contacts', 'kpi_daily.daily_followups',
        'kpi_daily.followup_completion_rate', 'kpi_daily.trials_registered', 'kpi_daily.trials_to_sales', 'kpi_daily.conversion_rate',
        'kpi_daily.response_time', 'kpi_daily.overdue_count', 'kpi_daily.on_leave',
      ])
      .where('kpi_daily.date', '>=', f.from)
      .where('kpi_daily.date', '<=', f.to)
      .$if(userId !== undefined, (q) => q.where('kpi_daily.user_id', '=', userId!))
      .where((eb) => eb.or([eb('kpi_daily.date', '>', after.date), eb.and([eb('kpi_daily.date', '=', after.date), eb('kpi_daily.user_id', '>', after.user)])]))
      .orderBy('kpi_daily.date')
      .orderBy('kpi_daily.user_id')
      .limit(1000)
      .execute();
    for (const k of page) {
      sheet.addRow([
        k.date,
        k.full_name,
        k.daily_contacts,
        k.daily_followups,
        pct(k.followup_completion_rate),
        k.trials_registered,
        k.trials_to_sales,
        pct(k.conversion_rate),
        k.response_time == null ? null : Number(k.response_time),
        k.overdue_count,
        t(lang, k.on_leave ? 'export.yes' : 'export.no'),
      ]);
    }
    if (page.length < 1000) break;
    const last = page[page.length - 1];
    after = { date: last.date, user: last.user_id };
  }
  await w.commit();
  return sheet.rowCount;
}
