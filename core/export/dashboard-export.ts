import type { AnalyticsService } from '../kpi/analytics.js';
import type { createGroupService } from '../groups/group-service.js';
import { hasKey, t, type Lang } from '../i18n/i18n.js';
import { STATUSES, SOURCES } from '../leads/statuses.js';
import type { ExportTable } from './analytics-export.js';

type Analytics = Awaited<ReturnType<AnalyticsService['analytics']>>;
type GroupRow = Awaited<ReturnType<ReturnType<typeof createGroupService>['listGroups']>>[number];

export type CellKind = 'text' | 'number' | 'percent' | 'money';
export type Cell = string | number | null;

export interface DashboardSection {
  key: 'leadsBySource' | 'funnel' | 'lostReasons' | 'salespeople' | 'revenue' | 'groups';
  title: string;
  columns: { key: string; header: string; kind: CellKind }[];
  rows: Record<string, Cell>[];
}

/**
 * What the back-office dashboard shows for a period, already in the reader's language: the
 * charts draw from these rows and the Excel export writes the very same rows, so the file holds
 * exactly what was on the screen.
 */
export interface Dashboard {
  period: { from: string; to: string };
  totals: { key: string; label: string; value: Cell; kind: CellKind }[];
  sections: DashboardSection[];
}

const round1 = (v: number | null | undefined): number | null => (v == null ? null : Math.round(v * 10) / 10);

export function buildDashboard(a: Analytics, groups: GroupRow[], lang: Lang): Dashboard {
  const h = (key: string) => t(lang, `adm.dash.${key}`);
  const named = (prefix: string, v: string) => (hasKey(`${prefix}.${v}`) ? t(lang, `${prefix}.${v}`) : v);

  // sources in their canonical order, only those that brought leads in the period
  const present = new Set(a.createdBySource.map((r) => r.source));
  const sources = SOURCES.filter((s) => present.has(s)).concat([...present].filter((s) => !(SOURCES as string[]).includes(s)) as never[]);
  const perDay = new Map<string, Record<string, Cell>>(a.series.map((d) => [d.date, { date: d.date, ...Object.fromEntries(sources.map((s) => [s, 0])), total: 0 }]));
  for (const r of a.createdBySource) {
    const row = perDay.get(r.date);
    if (!row) continue;
    row[r.source] = Number(row[r.source] ?? 0) + r.count;
    row.total = Number(row.total) + r.count;
  }

  return {
    period: { from: a.period.from, to: a.period.to },
    totals: [
      { key: 'created', label: h('total.created'), value: a.totals.created, kind: 'number' },
      { key: 'enrolled', label: h('total.enrolled'), value: a.totals.enrolled, kind: 'number' },
      { key: 'lost', label: h('total.lost'), value: a.totals.lost, kind: 'number' },
      { key: 'revenue', label: h('total.revenue'), value: a.totals.revenue, kind: 'money' },
      { key: 'conversion', label: h('total.conversion'), value: round1(a.totals.conversionRate), kind: 'percent' },
      { key: 'responseTime', label: h('total.responseTime'), value: round1(a.totals.responseTime), kind: 'number' },
    ],
    sections: [
      {
        key: 'leadsBySource',
        title: h('section.leadsBySource'),
        columns: [
          { key: 'date', header: h('col.date'), kind: 'text' },
          ...sources.map((s) => ({ key: s, header: named('source', s), kind: 'number' as const })),
          { key: 'total', header: h('col.total'), kind: 'number' },
        ],
        rows: [...perDay.values()],
      },
      {
        key: 'funnel',
        title: h('section.funnel'),
        columns: [
          { key: 'status', header: h('col.status'), kind: 'text' },
          { key: 'count', header: h('col.count'), kind: 'number' },
        ],
        rows: STATUSES.map((s) => ({ status: named('status', s), count: a.funnel.byStatus[s] ?? 0 })),
      },
      {
        key: 'lostReasons',
        title: h('section.lostReasons'),
        columns: [
          { key: 'reason', header: h('col.reason'), kind: 'text' },
          { key: 'count', header: h('col.count'), kind: 'number' },
          { key: 'share', header: h('col.share'), kind: 'percent' },
        ],
        rows: a.lostReasons.map((r) => ({ reason: r.reason === 'unknown' ? h('unknownReason') : named('lost', r.reason), count: r.count, share: round1(r.share) })),
      },
      {
        key: 'salespeople',
        title: h('section.salespeople'),
        columns: [
          { key: 'name', header: h('col.salesperson'), kind: 'text' },
          { key: 'assigned', header: h('col.assigned'), kind: 'number' },
          { key: 'enrolled', header: h('col.enrolled'), kind: 'number' },
          { key: 'conversion', header: h('col.conversion'), kind: 'percent' },
          { key: 'responseTime', header: h('col.responseTime'), kind: 'number' },
          { key: 'revenue', header: h('col.revenue'), kind: 'money' },
        ],
        rows: a.salespeople.map((s) => ({
          name: s.name,
          assigned: s.assigned,
          enrolled: s.enrolled,
          conversion: round1(s.conversionRate),
          responseTime: round1(s.responseTime),
          revenue: s.revenue,
        })),
      },
      {
        key: 'revenue',
        title: h('section.revenue'),
        columns: [
          { key: 'date', header: h('col.date'), kind: 'text' },
          { key: 'enrolled', header: h('col.enrolled'), kind: 'number' },
          { key: 'revenue', header: h('col.revenue'), kind: 'money' },
        ],
        rows: a.series.map((d) => ({ date: d.date, enrolled: d.enrolled, revenue: d.revenue })),
      },
      {
        key: 'groups',
        title: h('section.groups'),
        columns: [
          { key: 'group', header: h('col.group'), kind: 'text' },
          { key: 'course', header: h('col.course'), kind: 'text' },
          { key: 'students', header: h('col.students'), kind: 'number' },
          { key: 'trials', header: h('col.trials'), kind: 'number' },
          { key: 'capacity', header: h('col.capacity'), kind: 'number' },
          { key: 'occupancy', header: h('col.occupancy'), kind: 'percent' },
        ],
        rows: groups.map((g) => ({ group: g.name, course: g.course_name, students: g.current_students, trials: g.trials, capacity: g.capacity, occupancy: g.percent })),
      },
    ],
  };
}

const numFmt = (kind: CellKind): string | undefined => (kind === 'money' ? '#,##0' : kind === 'percent' ? '0.0' : undefined);

/** The dashboard as sheets: the totals, then one sheet per chart with the rows the chart was drawn from. */
export function dashboardTables(d: Dashboard, lang: Lang): ExportTable[] {
  const h = (key: string) => t(lang, `adm.dash.${key}`);
  return [
    {
      name: h('sheet.totals'),
      columns: [
        { key: 'metric', header: h('metric'), width: 28 },
        { key: 'value', header: h('value'), width: 16 },
      ],
      rows: [
        { metric: h('from'), value: d.period.from },
        { metric: h('to'), value: d.period.to },
        ...d.totals.map((x) => ({ metric: x.label, value: x.value })),
      ],
    },
    ...d.sections.map((s) => ({
      name: s.title,
      columns: s.columns.map((c) => ({ key: c.key, header: c.header, numFmt: numFmt(c.kind), width: c.kind === 'text' ? 24 : undefined })),
      rows: s.rows,
    })),
  ];
}
