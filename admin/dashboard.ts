import type { Request, Response, Router } from 'express';
import { can } from '../core/policy/policy.js';
import { AppError } from '../core/errors.js';
import { t, type Lang } from '../core/i18n/i18n.js';
import { addLocalDays, localDate } from '../core/worktime/worktime.js';
import { buildDashboard, dashboardTables, type Dashboard } from '../core/export/dashboard-export.js';
import { writeTables } from '../core/export/analytics-export.js';
import type { Services } from '../core/services.js';
import type { AdminPrincipal } from './adapter/spec.js';
import { currentLang, describeError } from './actions/kit.js';

export const DASHBOARD_EXPORT_PATH = '/dashboard/export.xlsx';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period asked for (from/to, local dates); the last 30 days ending today when not given. */
export function periodOf(query: Record<string, unknown>, services: Services): { from: string; to: string } {
  const today = localDate(services.deps.clock.now(), services.deps.tz);
  const pick = (v: unknown) => (typeof v === 'string' && DAY.test(v) ? v : null);
  const to = pick(query.to) ?? today;
  const from = pick(query.from) ?? addLocalDays(to, -29);
  return { from, to };
}

/** The dashboard's rows for a period: period analytics plus today's group occupancy, in `lang`. */
export async function loadDashboard(services: Services, period: { from: string; to: string }, lang: Lang): Promise<Dashboard> {
  const [analytics, groups] = await Promise.all([services.analytics.analytics(period), services.groups.listGroups({ activeOnly: true })]);
  return buildDashboard(analytics, groups, lang);
}

function words(lang: Lang) {
  const w = (k: string) => t(lang, `adm.dash.${k}`);
  return { title: w('title'), from: w('from'), to: w('to'), apply: w('apply'), export: w('export'), empty: w('empty'), totals: w('totals'), showTable: w('showTable') };
}

/** AdminJS dashboard handler (GET /admin/api/dashboard?from=&to=): what the dashboard component draws. */
export function dashboardHandler(services: Services) {
  return async (request: { query?: Record<string, unknown> }, _response: unknown, context: { currentAdmin?: unknown }) => {
    const lang = currentLang();
    const admin = (context.currentAdmin as AdminPrincipal | undefined) ?? null;
    if (!can(admin, 'analytics.view')) return { ok: false, ui: words(lang), error: t(lang, 'adm.err.FORBIDDEN') };
    try {
      const period = periodOf(request.query ?? {}, services);
      const dashboard = await loadDashboard(services, period, lang);
      return { ok: true, ui: words(lang), dashboard, exportPath: DASHBOARD_EXPORT_PATH };
    } catch (err) {
      return { ok: false, ui: words(lang), error: describeError(err, lang, {}, services.deps.log).message };
    }
  };
}

/**
 * GET <root>/dashboard/export.xlsx?from=&to=: the dashboard of that period as an .xlsx, streamed
 * (exceljs), the same rows the page shows. Signed-in admins and managers only (analytics.export).
 */
export function mountDashboardExport(router: Router, services: Services): void {
  router.get(DASHBOARD_EXPORT_PATH, async (req: Request, res: Response) => {
    const lang = currentLang();
    const admin = (req.session as unknown as { adminUser?: AdminPrincipal } | undefined)?.adminUser ?? null;
    if (!admin) return void res.status(401).type('text/plain').send(t(lang, 'adm.err.UNAUTHORIZED'));
    if (!can(admin, 'analytics.export')) return void res.status(403).type('text/plain').send(t(lang, 'adm.err.FORBIDDEN'));
    let dashboard: Dashboard;
    try {
      dashboard = await loadDashboard(services, periodOf(req.query as Record<string, unknown>, services), lang);
    } catch (err) {
      const status = err instanceof AppError && err.code === 'VALIDATION' ? 400 : 500;
      return void res.status(status).type('text/plain').send(describeError(err, lang, {}, services.deps.log).message);
    }
    const name = `dashboard-${dashboard.period.from}-${dashboard.period.to}.xlsx`;
    res.status(200);
    res.setHeader('Content-Type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await writeTables(res, dashboardTables(dashboard, lang));
    } catch (err) {
      services.deps.log.error({ err }, 'admin: dashboard export failed');
      res.destroy(err as Error);
    }
  });
}
