import type { AnalyticsService } from '../kpi/analytics.js';
import { hasKey, t, type Lang } from '../i18n/i18n.js';
import { openXlsxWriter, type XlsxOut } from './xlsx-writer.js';

/** One sheet: named columns and rows keyed by column (a row may be any iterable, even streamed). */
export interface ExportTable {
  name: string;
  columns: { key: string; header: string; numFmt?: string; width?: number }[];
  rows: Iterable<Record<string, unknown>> | AsyncIterable<Record<string, unknown>>;
}

/** Writes tables as sheets of one .xlsx, streamed. Returns rows written per sheet. */
export async function writeTables(out: XlsxOut, tables: ExportTable[]): Promise<number[]> {
  const w = openXlsxWriter(out);
  const counts: number[] = [];
  for (const table of tables) {
    const sheet = w.addSheet(table.name, table.columns.map((c) => ({ header: c.header, numFmt: c.numFmt, width: c.width })));
    for await (const row of table.rows) sheet.addRow(table.columns.map((c) => row[c.key] ?? null));
    counts.push(sheet.rowCount);
  }
  await w.commit();
  return counts;
}

type Analytics = Awaited<ReturnType<AnalyticsService['analytics']>>;
const PCT = '0.0%';
const pct = (v: number | null | undefined) => (v == null ? null : v / 100);

/**
 * The analytics of a period (SPEC §6.3) as tables: totals, the per-day series, the funnel by
 * status and by source, lost reasons and the salespeople's ranking figures.
 */
export function analyticsTables(a: Analytics, lang: Lang = 'uz'): ExportTable[] {
  const h = (key: string) => t(lang, `export.analytics.${key}`);
  const named = (prefix: string, v: string) => (hasKey(`${prefix}.${v}`) ? t(lang, `${prefix}.${v}`) : v);
  const totals = a.totals;
  return [
    {
      name: h('sheet.totals'),
      columns: [
        { key: 'metric', header: h('metric'), width: 30 },
        { key: 'value', header: h('value'), width: 16 },
      ],
      rows: [
        { metric: h('created'), value: totals.created },
        { metric: h('enrolled'), value: totals.enrolled },
        { metric: h('lost'), value: totals.lost },
        { metric: h('revenue'), value: totals.revenue },
        { metric: h('trials'), value: totals.trials },
        { metric: h('trials_attended'), value: totals.trialsAttended },
        { metric: h('conversion'), value: totals.conversionRate == null ? null : Math.round(totals.conversionRate * 10) / 10 },
        { metric: h('response_time'), value: totals.responseTime == null ? null : Math.round(totals.responseTime * 10) / 10 },
      ],
    },
    {
      name: h('sheet.days'),
      columns: [
        { key: 'date', header: h('date'), width: 12 },
        { key: 'created', header: h('created') },
        { key: 'enrolled', header: h('enrolled') },
        { key: 'lost', header: h('lost') },
        { key: 'revenue', header: h('revenue'), numFmt: '#,##0' },
        { key: 'contacts', header: h('contacts') },
      ],
      rows: a.series,
    },
    {
      name: h('sheet.funnel'),
      columns: [
        { key: 'status', header: h('status'), width: 22 },
        { key: 'count', header: h('count') },
      ],
      rows: Object.entries(a.funnel.byStatus).map(([status, count]) => ({ status: named('status', status), count })),
    },
    {
      name: h('sheet.sources'),
      columns: [
        { key: 'source', header: h('source'), width: 16 },
        { key: 'total', header: h('created') },
        { key: 'open', header: h('open') },
        { key: 'enrolled', header: h('enrolled') },
        { key: 'lost', header: h('lost') },
        { key: 'conversion', header: h('conversion'), numFmt: PCT },
      ],
      rows: a.funnel.bySource.map((s) => ({ ...s, source: named('source', s.source), conversion: pct(s.conversionRate) })),
    },
    {
      name: h('sheet.lost_reasons'),
      columns: [
        { key: 'reason', header: h('reason'), width: 26 },
        { key: 'count', header: h('count') },
        { key: 'share', header: h('share'), numFmt: PCT },
      ],
      rows: a.lostReasons.map((r) => ({ reason: named('lost', r.reason), count: r.count, share: pct(r.share) })),
    },
    {
      name: h('sheet.salespeople'),
      columns: [
        { key: 'name', header: h('salesperson'), width: 24 },
        { key: 'assigned', header: h('assigned') },
        { key: 'enrolled', header: h('enrolled') },
        { key: 'revenue', header: h('revenue'), numFmt: '#,##0' },
        { key: 'conversion', header: h('conversion'), numFmt: PCT },
        { key: 'responseTime', header: h('response_time'), numFmt: '0.0' },
        { key: 'completion', header: h('completion'), numFmt: PCT },
        { key: 'contacts', header: h('contacts') },
        { key: 'followupsDone', header: h('followups_done') },
        { key: 'trialsRegistered', header: h('trials') },
      ],
      rows: a.salespeople.map((s) => ({ ...s, conversion: pct(s.conversionRate), completion: pct(s.completionRate) })),
    },
  ];
}
