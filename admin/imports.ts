import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import express, { type Request, type Response, type Router } from 'express';
import { can, type Action } from '../core/policy/policy.js';
import { AppError } from '../core/errors.js';
import { allKeys, t, type Lang } from '../core/i18n/i18n.js';
import { exportLeads, type LeadExportFilter } from '../core/export/leads-export.js';
import { exportKpi } from '../core/export/kpi-export.js';
import { addLocalDays, localDate } from '../core/worktime/worktime.js';
import type { Services } from '../core/services.js';
import type { LeadSource, LeadStatus } from '../db/types.js';
import type { AdminPrincipal } from './adapter/spec.js';
import { currentLang, describeError } from './actions/kit.js';

/** The AdminJS custom page's name (its address is <root>/pages/imports). */
export const IMPORTS_PAGE = 'imports';

export const LEAD_STATUSES: LeadStatus[] = [
  'new', 'contacted', 'interested', 'trial_registered', 'trial_attended', 'trial_not_attended', 'offer_sent', 'enrolled', 'lost', 'reactivation',
];
export const LEAD_SOURCES: LeadSource[] = [
  'instagram', 'telegram', 'youtube', 'organic', 'form', 'excel', 'google_sheets', 'walk_in', 'phone_call', 'referral', 'other',
];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DAY = /^\d{4}-\d{2}-\d{2}$/;
// invalid rows shown on the page; the error report holds all of them
const SHOWN_INVALID = 50;

const hostOf = (origin: string) => {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
};

const principal = (req: Request): AdminPrincipal | null => (req.session as unknown as { adminUser?: AdminPrincipal } | undefined)?.adminUser ?? null;

/**
 * Signed in and allowed `action` (SPEC §10), else answered with 401/403 here. Writes must also
 * come from this site: a cross-site form post carrying the session cookie is refused.
 */
function guard(req: Request, res: Response, action: Action): AdminPrincipal | null {
  const lang = currentLang();
  const admin = principal(req);
  let refused: 401 | 403 | null = null;
  if (!admin) refused = 401;
  else if (!can(admin, action)) refused = 403;
  else if (req.method !== 'GET' && req.headers.origin && req.headers.origin !== 'null' && hostOf(req.headers.origin) !== req.headers.host) refused = 403;
  if (refused) {
    res.status(refused).json({ message: t(lang, refused === 401 ? 'adm.err.UNAUTHORIZED' : 'adm.err.FORBIDDEN') });
    return null;
  }
  return admin;
}

const words = (lang: Lang) =>
  Object.fromEntries(allKeys(lang).filter((k) => k.startsWith('adm.imp.')).map((k) => [k.slice('adm.imp.'.length), t(lang, k)]));

function sendError(res: Response, err: unknown, services: Services) {
  const lang = currentLang();
  const status = err instanceof AppError ? (err.code === 'VALIDATION' ? 400 : err.code === 'NOT_FOUND' ? 404 : err.code === 'CONFLICT' ? 409 : err.code === 'FORBIDDEN' ? 403 : 400) : 500;
  // the file's own problem (not an xlsx, too large, no phone column) is the clearest words we have
  const fileMessage = err instanceof AppError ? err.fields?.file : undefined;
  res.status(status).json({ message: fileMessage ?? describeError(err, lang, {}, services.deps.log).message });
}

function xlsxHeaders(res: Response, name: string) {
  res.status(200);
  res.setHeader('Content-Type', XLSX_TYPE);
  res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
  res.setHeader('Cache-Control', 'no-store');
}

/** One import as the page lists it. */
function importView(r: Awaited<ReturnType<Services['imports']['list']>>[number], lang: Lang) {
  return {
    id: r.id,
    kind: r.kind,
    fileName: r.file_name,
    status: r.status,
    statusText: t(lang, `adm.imp.status.${r.status}`),
    progress: r.progress,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    error: r.error,
    counts: { total: r.counts.total, new: r.counts.new, duplicate: r.counts.duplicate, invalid: r.counts.invalid },
    commit: r.counts.commit ?? null,
  };
}

/**
 * Receives the multipart upload's "file" part into a temporary file, stopping at the limit.
 * Resolves with its path and name, or null when no file part came; `tooLarge` when cut off.
 */
async function receiveFile(req: Request, dir: string, maxBytes: number): Promise<{ path: string; name: string; tooLarge: boolean } | null> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      // one byte over the limit is enough to know the file is too large
      bb = busboy({ headers: req.headers, limits: { files: 1, fileSize: maxBytes + 1, fields: 20 } });
    } catch (err) {
      return reject(new AppError('VALIDATION', 'multipart/form-data expected', { file: 'multipart/form-data expected' }));
    }
    let got: Promise<{ path: string; name: string; tooLarge: boolean }> | null = null;
    bb.on('file', (field, stream, info) => {
      if (field !== 'file' || got) return void stream.resume();
      const path = join(dir, 'upload.xlsx');
      let tooLarge = false;
      stream.on('limit', () => (tooLarge = true));
      got = pipeline(stream, createWriteStream(path)).then(() => ({ path, name: (info.filename || 'upload.xlsx').replace(/[\\/]/g, '_').slice(0, 200), tooLarge }));
    });
    bb.on('error', reject);
    bb.on('close', () => {
      if (!got) return resolve(null);
      got.then(resolve, reject);
    });
    req.pipe(bb);
  });
}

function leadFilterOf(q: Record<string, unknown>): LeadExportFilter {
  // both the page's own names and AdminJS's list filters (filters.status…) are understood
  const pick = (k: string) => {
    const v = q[k] ?? q[`filters.${k}`];
    return typeof v === 'string' && v !== '' ? v : null;
  };
  const f: LeadExportFilter = {};
  const status = pick('status');
  if (status) f.status = status.split(',').filter((s): s is LeadStatus => (LEAD_STATUSES as string[]).includes(s));
  const source = pick('source');
  if (source) f.source = source.split(',').filter((s): s is LeadSource => (LEAD_SOURCES as string[]).includes(s));
  const assigned = pick('assigned') ?? pick('assigned_to');
  if (assigned === 'none') f.assignedTo = null;
  else if (assigned && /^\d+$/.test(assigned)) f.assignedTo = Number(assigned);
  const from = pick('from');
  const to = pick('to');
  if (from && DAY.test(from)) f.from = from;
  if (to && DAY.test(to)) f.to = to;
  return f;
}

/**
 * The Import / Export page's routes under <root>: upload → dry run, commit (runs on in the
 * background, polled through /progress), error report, import list with the Google Sheets
 * status, and the leads / KPI exports. Each checks the signed-in user's role on the server.
 */
export function mountImportRoutes(router: Router, services: Services, opts: { maxBytes: number }): void {
  const imports = services.imports;

  router.get('/imports/state', async (req, res) => {
    const lang = currentLang();
    if (!guard(req, res, 'lead.import')) return;
    try {
      const [list, sheets, salespeople] = await Promise.all([
        imports.list(20),
        services.sheets ? services.sheets.status() : Promise.resolve(null),
        services.deps.db.selectFrom('users').select(['id', 'full_name']).where('role', '=', 'sales').orderBy('full_name').execute(),
      ]);
      const today = localDate(services.deps.clock.now(), services.deps.tz);
      res.json({
        ui: words(lang),
        maxMb: Math.round((opts.maxBytes / 1024 / 1024) * 10) / 10,
        imports: list.map((r) => importView(r, lang)),
        sheets,
        filters: {
          statuses: LEAD_STATUSES.map((s) => ({ value: s, label: t(lang, `status.${s}`) })),
          sources: LEAD_SOURCES.map((s) => ({ value: s, label: t(lang, `source.${s}`) })),
          salespeople: salespeople.map((u) => ({ value: String(u.id), label: u.full_name })),
        },
        period: { from: addLocalDays(today, -29), to: today },
      });
    } catch (err) {
      sendError(res, err, services);
    }
  });

  router.post('/imports/upload', async (req, res) => {
    const lang = currentLang();
    const admin = guard(req, res, 'lead.import');
    if (!admin) return;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > opts.maxBytes + 64 * 1024) {
      // refused before reading a byte of it
      const message = t(lang, 'import.error.too_large', { size: (declared / 1048576).toFixed(1), limit: (opts.maxBytes / 1048576).toFixed(1) });
      res.setHeader('Connection', 'close');
      return void res.status(413).json({ message });
    }
    const dir = mkdtempSync(join(tmpdir(), 'crm-upload-'));
    try {
      const file = await receiveFile(req, dir, opts.maxBytes);
      if (!file) return void res.status(400).json({ message: t(lang, 'adm.imp.noFile') });
      if (file.tooLarge) {
        const message = t(lang, 'import.error.too_large', { size: `>${(opts.maxBytes / 1048576).toFixed(1)}`, limit: (opts.maxBytes / 1048576).toFixed(1) });
        return void res.status(413).json({ message });
      }
      const summary = await imports.dryRun(file.path, { fileName: file.name, lang, actor: { id: Number(admin.id), role: admin.role } });
      const invalid = await imports.rows(summary.importId, { outcome: 'invalid', limit: SHOWN_INVALID, lang });
      const duplicates = await imports.rows(summary.importId, { outcome: 'duplicate', limit: SHOWN_INVALID, lang });
      res.json({
        importId: summary.importId,
        fileName: file.name,
        counts: summary.counts,
        invalid: invalid.map((r) => ({ rowNo: r.rowNo, reason: r.reasonText })),
        duplicates: duplicates.map((r) => ({ rowNo: r.rowNo, reason: r.reasonText })),
      });
    } catch (err) {
      sendError(res, err, services);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  router.post('/imports/:id/commit', express.json({ limit: '4kb' }), async (req, res) => {
    const admin = guard(req, res, 'lead.import');
    if (!admin) return;
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) return void res.status(404).json({ message: t(currentLang(), 'adm.err.NOT_FOUND') });
    try {
      const current = await imports.get(id);
      if (current.status !== 'staged' && current.status !== 'failed') {
        return void res.status(409).json({ message: t(currentLang(), 'import.error.not_staged', { status: current.status }) });
      }
      const distributeNow = (req.body as { distributeNow?: unknown } | undefined)?.distributeNow === true;
      // a large file takes minutes: the page polls /progress; the outcome (or error) is kept on the import
      imports.commit(id, { distributeNow, actor: { id: Number(admin.id), role: admin.role } }).catch((err) => {
        services.deps.log.warn({ err, importId: id }, 'admin: import commit failed');
      });
      res.status(202).json({ importId: id });
    } catch (err) {
      sendError(res, err, services);
    }
  });

  router.get('/imports/:id/progress', async (req, res) => {
    const lang = currentLang();
    if (!guard(req, res, 'lead.import')) return;
    try {
      const r = await imports.get(Number(req.params.id));
      res.setHeader('Cache-Control', 'no-store');
      res.json(importView(r, lang));
    } catch (err) {
      sendError(res, err, services);
    }
  });

  router.get('/imports/:id/errors.xlsx', async (req, res) => {
    const lang = currentLang();
    if (!guard(req, res, 'lead.import')) return;
    const id = Number(req.params.id);
    try {
      await imports.get(id);
    } catch (err) {
      return void sendError(res, err, services);
    }
    xlsxHeaders(res, `import-${id}-errors.xlsx`);
    try {
      await imports.writeErrorReport(id, res, lang);
    } catch (err) {
      services.deps.log.error({ err }, 'admin: error report failed');
      res.destroy(err as Error);
    }
  });

  router.get('/exports/leads.xlsx', async (req, res) => {
    const lang = currentLang();
    const admin = guard(req, res, 'lead.list');
    if (!admin) return;
    const filter = leadFilterOf(req.query as Record<string, unknown>);
    xlsxHeaders(res, `leads-${localDate(services.deps.clock.now(), services.deps.tz)}.xlsx`);
    try {
      await exportLeads(services.deps, res, filter, { lang, actor: { id: Number(admin.id), role: admin.role } });
    } catch (err) {
      if (!res.headersSent || res.writableLength === 0) services.deps.log.error({ err }, 'admin: leads export failed');
      res.destroy(err as Error);
    }
  });

  router.get('/exports/kpi.xlsx', async (req, res) => {
    const lang = currentLang();
    const admin = guard(req, res, 'analytics.export');
    if (!admin) return;
    const today = localDate(services.deps.clock.now(), services.deps.tz);
    const q = req.query as Record<string, unknown>;
    const to = typeof q.to === 'string' && DAY.test(q.to) ? q.to : today;
    const from = typeof q.from === 'string' && DAY.test(q.from) ? q.from : addLocalDays(to, -29);
    if (to < from) return void res.status(400).json({ message: describeError(new AppError('VALIDATION', 'to < from', { to: 'must not be before from' }), lang).message });
    xlsxHeaders(res, `kpi-${from}-${to}.xlsx`);
    try {
      await exportKpi(services.deps, res, { from, to }, { lang, actor: { id: Number(admin.id), role: admin.role } });
    } catch (err) {
      services.deps.log.error({ err }, 'admin: KPI export failed');
      res.destroy(err as Error);
    }
  });
}
