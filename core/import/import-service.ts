import type { Tx } from '../../db/connection.js';
import type { LeadSource, User } from '../../db/types.js';
import { AppError, forbidden, notFound } from '../errors.js';
import { tx, type CoreDeps } from '../deps.js';
import { t, type Lang } from '../i18n/i18n.js';
import type { IntakeInput, IntakeResult, NormalizedIntake } from '../leads/intake.js';
import type { Actor } from '../leads/lead-ops.js';
import {
  cellText,
  courseLookup,
  detectColumns,
  judgeRow,
  reasonText,
  type ColumnMapping,
  type Columns,
  type RawRow,
  type RowContext,
} from './columns.js';
import { commitParkedChunk, type ParkedChunkResult } from './parked-commit.js';
import { insertFlat, selectIn } from './bulk-insert.js';
import { checkXlsxFile, readXlsxRows, type SheetRow } from './xlsx-reader.js';
import { openXlsxWriter, type XlsxOut } from '../export/xlsx-writer.js';

/**
 * Excel / Google Sheets import (SPEC §4): a dry run stages every row with its verdict (new,
 * duplicate, invalid) and writes no lead; the commit reads the staged rows (the file is not
 * parsed again) and applies the intake rules: parked by default through a set-based path that
 * mirrors the lead core's parked intake, or lead by lead through `leads.intake` when the manager
 * chooses "distribute now".
 */

export interface ImportCounts {
  /** data rows judged (empty rows and footer junk not included) */
  total: number;
  new: number;
  duplicate: number;
  duplicateInFile: number;
  duplicateInDb: number;
  invalid: number;
  /** empty rows and junk under the table */
  skipped: number;
}

export interface CommitCounts {
  processed: number;
  created: number;
  /** a phone match recorded as a touch on the existing lead */
  touched: number;
  reactivated: number;
  studentTouched: number;
  /** rows the intake refused at commit time (kept with their reason) */
  failed: number;
}

export interface ImportProgress {
  importId: number | null;
  phase: 'reading' | 'committing';
  /** rows read or committed so far */
  rows: number;
  percent: number;
}

export interface StageOptions {
  fileName?: string | null;
  mapping?: ColumnMapping;
  /** language of reasons and note labels */
  lang?: Lang;
  actor?: Actor & Partial<User>;
  onProgress?: (p: ImportProgress) => void;
}

export interface CommitOptions {
  /** assign and plan follow-ups now instead of parking (SPEC §4) */
  distributeNow?: boolean;
  actor?: Actor & Partial<User>;
  onProgress?: (p: ImportProgress) => void;
}

export interface ImportSummary {
  importId: number;
  status: string;
  counts: ImportCounts;
  columns: Columns;
}

/** import_rows.data: `i` = the normalized input (compact, see encodeInput), `raw` = the cells of an invalid row */
export interface StagedData {
  i?: unknown[];
  raw?: RawRow;
  params?: Record<string, string | number>;
}

/**
 * The normalized input as a short array: 100k staged rows are written twice by SQLite's WAL, so
 * their size is most of the dry run's disk time.
 */
export function encodeInput(x: NormalizedIntake): unknown[] {
  const a: unknown[] = [
    x.name, x.phone, x.phone2 ?? null, x.courseId ?? null, x.note ?? null,
    x.utm?.source ?? null, x.utm?.medium ?? null, x.utm?.campaign ?? null, x.utm?.content ?? null, x.utm?.term ?? null,
    x.studentName ?? null, x.studentAge ?? null, x.studentLevel ?? null,
  ];
  while (a.length > 2 && a[a.length - 1] == null) a.pop();
  return a;
}

export function decodeInput(a: unknown[], source: LeadSource, parked: boolean): NormalizedIntake {
  const v = (k: number) => (a[k] ?? null) as never;
  const utm: Record<string, string> = {};
  (['source', 'medium', 'campaign', 'content', 'term'] as const).forEach((key, n) => {
    if (a[5 + n] != null) utm[key] = a[5 + n] as string;
  });
  return {
    name: v(0),
    phone: v(1),
    phone2: v(2),
    courseId: v(3),
    note: v(4),
    utm,
    studentName: v(10),
    studentAge: v(11),
    studentLevel: v(12),
    source,
    parked,
  };
}

type IntakeFn = (input: IntakeInput, actor: (Actor & Partial<User>) | null) => Promise<IntakeResult>;

export interface ImportServiceOptions {
  /** IMPORT_MAX_BYTES */
  maxBytes: number;
  /** the lead core's intake (services.leads.intake), used row by row for "distribute now" */
  intake: IntakeFn;
}

// rows per transaction: large enough that SQLite's WAL does not rewrite the same index pages for
// every few hundred rows (that cost more than the inserts), small enough to hold the write lock
// ~0.1 s. A commit chunk holds far more per row (leads, phones, events), so it is read and written
// 1000 rows at a time, and on SQLite several chunks share one transaction (COMMIT_TX_ROWS).
const STAGE_FLUSH = 5000;
const COMMIT_CHUNK = 1000;
const COMMIT_TX_ROWS = 5000;
// rows per INSERT statement (SQLite allows 32766 bound values)
const STAGE_BATCH = 500;
const STAGE_COLUMNS = ['import_id', 'row_no', 'outcome', 'reason', 'data'];
const HEADER_SCAN_ROWS = 30;

const emptyCounts = (): ImportCounts => ({ total: 0, new: 0, duplicate: 0, duplicateInFile: 0, duplicateInDb: 0, invalid: 0, skipped: 0 });
const emptyCommit = (): CommitCounts => ({ processed: 0, created: 0, touched: 0, reactivated: 0, studentTouched: 0, failed: 0 });

interface StoredCounts extends ImportCounts {
  commit?: CommitCounts;
  /** last staged row committed: a failed commit resumes after it */
  cursor?: number;
  columns?: Columns;
  headerRow?: number;
}

export function createImportService(deps: CoreDeps, opts: ImportServiceOptions) {
  const nowIso = () => deps.clock.now().toISOString();

  function assertMayImport(actor: Actor | undefined) {
    if (actor && actor.role !== 'admin' && actor.role !== 'sales_manager') throw forbidden('only managers and admins import leads');
  }

  async function phonesInDb(db: Tx, phones: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const hits = await selectIn<{ phone: string; lead_id: number }>(db, deps.dialect, 'select "phone", "lead_id" from "lead_phones" where', '"phone"', phones);
    for (const h of hits) out.set(h.phone, h.lead_id);
    return out;
  }

  async function dropImport(importId: number) {
    await tx(deps, async (t) => {
      await t.deleteFrom('import_rows').where('import_id', '=', importId).execute();
      await t.deleteFrom('imports').where('id', '=', importId).execute();
    });
  }

  /**
   * Reads rows (header first), judges each one and stores the verdicts. Nothing is kept when the
   * rows cannot be read to the end: the import and its staged rows are removed and the error thrown.
   */
  async function stage(
    rows: AsyncIterable<SheetRow>,
    meta: {
      kind: 'excel' | 'google_sheets';
      source: LeadSource;
      parked: boolean;
      fileName?: string | null;
      date1904?: () => boolean;
      bytesPercent?: () => number;
      /** moves the rows on to the next worksheet (a workbook whose leads are not on its first sheet) */
      skipSheet?: () => void;
    },
    o: StageOptions = {},
  ): Promise<ImportSummary> {
    assertMayImport(o.actor);
    const lang = o.lang ?? 'uz';
    const courses = await deps.db.selectFrom('courses').select(['id', 'name', 'active']).orderBy('active', 'desc').orderBy('id').execute();
    const findCourse = courseLookup(courses);
    let columns: Columns | null = null;
    let headerRow = 0;
    let firstHeaders: string[] | null = null;
    let scanned = 0;
    let importId: number | null = null;
    const counts = emptyCounts();
    const fileFirstRow = new Map<string, number>();
    // judged rows waiting for their batch, column by column (one array per field, the staged data
    // already as its JSON text): per-row objects that wait across awaits are kept alive through young
    // collections, so V8 starts allocating them in the old generation, which then grows with
    // garbage until the next full collection (tens of MB on a 100k-row file)
    const pRow: number[] = [];
    const pPhone: (string | null)[] = [];
    const pPhone2: (string | null)[] = [];
    const pReason: (string | null)[] = [];
    const pData: string[] = [];
    let lastPercent = -1;
    let rowCtx: RowContext | undefined;

    const flush = async () => {
      const n = pRow.length;
      if (!n || importId == null) return;
      const phones: string[] = [];
      for (let i = 0; i < n; i++) {
        const phone = pPhone[i];
        if (phone === null) continue;
        phones.push(phone);
        const phone2 = pPhone2[i];
        if (phone2) phones.push(phone2);
      }
      const inDb = await phonesInDb(deps.db, [...new Set(phones)]);
      const percent = Math.min(99, Math.floor(meta.bytesPercent?.() ?? 0));
      await tx(deps, async (t) => {
        for (let start = 0; start < n; start += STAGE_BATCH) {
          const end = Math.min(n, start + STAGE_BATCH);
          const params: unknown[] = new Array((end - start) * STAGE_COLUMNS.length);
          let k = 0;
          // (plain code, no per-row closures: this runs for every row of the file)
          for (let i = start; i < end; i++) {
            const rowNo = pRow[i];
            const phone = pPhone[i];
            let outcome: 'new' | 'duplicate' | 'invalid' = 'invalid';
            let reason = pReason[i];
            let data = pData[i];
            if (phone === null) counts.invalid++;
            else {
              const phone2 = pPhone2[i];
              const sameAs = fileFirstRow.get(phone) ?? (phone2 ? fileFirstRow.get(phone2) : undefined);
              if (!fileFirstRow.has(phone)) fileFirstRow.set(phone, sameAs ?? rowNo);
              if (phone2 && !fileFirstRow.has(phone2)) fileFirstRow.set(phone2, sameAs ?? rowNo);
              outcome = 'new';
              let detail: string | null = null;
              if (sameAs !== undefined) {
                outcome = 'duplicate';
                reason = 'duplicate_in_file';
                detail = `{"row":${sameAs}}`;
                counts.duplicateInFile++;
              } else {
                const leadId = inDb.get(phone) ?? (phone2 ? inDb.get(phone2) : undefined);
                if (leadId !== undefined) {
                  outcome = 'duplicate';
                  reason = 'duplicate_in_db';
                  detail = `{"leadId":${leadId}}`;
                  counts.duplicateInDb++;
                }
              }
              counts[outcome]++;
              // the raw cells are kept only where a person needs them (invalid rows); the input is what the commit reads
              if (detail) data = `${data.slice(0, -1)},"params":${detail}}`;
            }
            params[k++] = importId;
            params[k++] = rowNo;
            params[k++] = outcome;
            params[k++] = reason;
            params[k++] = data;
          }
          await insertFlat(t, deps.dialect, 'import_rows', STAGE_COLUMNS, params, end - start);
        }
        counts.total = counts.new + counts.duplicate + counts.invalid;
        if (percent !== lastPercent) {
          await t.updateTable('imports').set({ progress: percent, counts: JSON.stringify({ ...counts, columns, headerRow }) }).where('id', '=', importId!).execute();
        }
      });
      pRow.length = pPhone.length = pPhone2.length = pReason.length = pData.length = 0;
      lastPercent = percent;
      o.onProgress?.({ importId, phase: 'reading', rows: counts.total + counts.skipped, percent });
    };

    let sheet = 0;
    try {
      for await (const row of rows) {
        if ((row.sheet ?? 0) !== sheet) {
          // the header's sheet holds the leads: the sheets after it are other tables
          if (columns) break;
          sheet = row.sheet ?? 0;
          scanned = 0;
        }
        if (!columns) {
          const texts = row.values.map((v) => cellText(v));
          if (!texts.some(Boolean)) continue;
          firstHeaders ??= texts.filter(Boolean);
          const found = detectColumns(row.values, o.mapping);
          if (found.phone === undefined) {
            if (++scanned >= HEADER_SCAN_ROWS) {
              if (!meta.skipSheet) break;
              meta.skipSheet();
            }
            continue;
          }
          if (found.name === undefined) {
            throw fileError(lang, 'import.error.no_name_column', { headers: texts.filter(Boolean).join(', ').slice(0, 300) });
          }
          columns = found;
          headerRow = row.rowNo;
          const created = await deps.db
            .insertInto('imports')
            .values({
              kind: meta.kind,
              file_name: meta.fileName ?? null,
              status: 'staging',
              counts: JSON.stringify({ ...counts, columns, headerRow }),
              progress: 0,
              distribute_now: 0,
              created_by: o.actor?.id ?? null,
              created_at: nowIso(),
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          importId = created.id;
          continue;
        }
        rowCtx ??= { columns, courses, source: meta.source, parked: meta.parked, lang, date1904: meta.date1904?.() };
        const verdict = judgeRow(row.values, rowCtx, findCourse);
        if (verdict.kind === 'empty') continue;
        if (verdict.kind === 'skip') {
          counts.skipped++;
          continue;
        }
        pRow.push(row.rowNo);
        if (verdict.kind === 'invalid') {
          pPhone.push(null);
          pPhone2.push(null);
          pReason.push(verdict.reason);
          pData.push(JSON.stringify({ raw: verdict.raw, params: verdict.params }));
        } else {
          pPhone.push(verdict.input.phone);
          pPhone2.push(verdict.input.phone2);
          pReason.push(null);
          // the staged data as it is stored (a duplicate gets its params added at the flush)
          pData.push(JSON.stringify({ i: encodeInput(verdict.input) }));
        }
        if (pRow.length >= STAGE_FLUSH) await flush();
      }
      if (!columns) {
        if (!firstHeaders) throw fileError(lang, 'import.error.empty', {});
        throw fileError(lang, 'import.error.no_phone_column', { headers: firstHeaders.join(', ').slice(0, 300) });
      }
      await flush();
      await deps.db
        .updateTable('imports')
        .set({ status: 'staged', progress: 100, counts: JSON.stringify({ ...counts, columns, headerRow }) })
        .where('id', '=', importId!)
        .execute();
      o.onProgress?.({ importId, phase: 'reading', rows: counts.total + counts.skipped, percent: 100 });
      return { importId: importId!, status: 'staged', counts, columns };
    } catch (err) {
      if (importId != null) await dropImport(importId);
      throw err;
    }
  }

  /** Dry run of an .xlsx file: stages the rows, writes no lead. */
  async function dryRun(path: string, o: StageOptions = {}): Promise<ImportSummary> {
    assertMayImport(o.actor);
    const lang = o.lang ?? 'uz';
    const { size } = await checkXlsxFile(path, opts.maxBytes, lang);
    let percent = 0;
    const src = readXlsxRows(path, size, { lang, onBytes: (read, total) => (percent = (read / total) * 100) });
    return stage(
      src.rows,
      {
        kind: 'excel',
        source: 'excel',
        parked: true,
        fileName: o.fileName ?? path.split(/[\\/]/).pop(),
        date1904: src.date1904,
        bytesPercent: () => percent,
        skipSheet: src.skipSheet,
      },
      o,
    );
  }

  async function getRow(importId: number) {
    const row = await deps.db.selectFrom('imports').selectAll().where('id', '=', importId).executeTakeFirst();
    if (!row) throw notFound('import');
    return row;
  }

  const parseCounts = (s: string | null): StoredCounts => ({ ...emptyCounts(), ...(s ? JSON.parse(s) : {}) });

  /**
   * Applies the staged rows. A commit that failed half way can be run again: it continues after the
   * last chunk that was written (each chunk commits with its cursor).
   */
  async function commit(importId: number, o: CommitOptions = {}): Promise<CommitCounts> {
    assertMayImport(o.actor);
    const current = await getRow(importId);
    const distributeNow = o.distributeNow ?? current.distribute_now === 1;
    const claimed = await deps.db
      .updateTable('imports')
      .set({ status: 'committing', distribute_now: distributeNow ? 1 : 0, error: null })
      .where('id', '=', importId)
      .where('status', 'in', ['staged', 'failed'])
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) {
      const message = t('uz', 'import.error.not_staged', { status: current.status });
      throw new AppError('CONFLICT', message, { import: message });
    }
    const stored = parseCounts(current.counts);
    const done: CommitCounts = { ...emptyCommit(), ...stored.commit };
    const total = stored.new + stored.duplicate;
    let cursor = stored.cursor ?? 0;
    const source: LeadSource = current.kind === 'google_sheets' ? 'google_sheets' : 'excel';
    const ctxOf = () => ({ tz: deps.tz, now: deps.clock.now(), dialect: deps.dialect });

    const save = async (t: Tx, counts: CommitCounts, after: number) => {
      const percent = total ? Math.min(100, Math.floor((counts.processed / total) * 100)) : 100;
      await t
        .updateTable('imports')
        .set({ progress: percent, counts: JSON.stringify({ ...stored, commit: counts, cursor: after }) })
        .where('id', '=', importId)
        .execute();
      return percent;
    };

    const readChunk = (db: Tx, after: number) =>
      db
        .selectFrom('import_rows')
        .select(['row_no', 'data'])
        .where('import_id', '=', importId)
        .where('outcome', 'in', ['new', 'duplicate'])
        .where('row_no', '>', after)
        .orderBy('row_no')
        .limit(COMMIT_CHUNK)
        .execute();
    const decode = (chunk: { row_no: number; data: string }[]) =>
      chunk.map((r) => ({ rowNo: r.row_no, input: decodeInput((JSON.parse(r.data) as StagedData).i!, source, !distributeNow) }));

    try {
      if (!distributeNow) {
        // several chunks per transaction on SQLite: each commit rewrites the index pages it touched
        // and the WAL checkpoints follow, so fewer, larger transactions write far less. PostgreSQL
        // keeps one chunk per transaction: each holds an advisory lock per phone until it ends.
        const txRows = deps.dialect === 'sqlite' ? COMMIT_TX_ROWS : COMMIT_CHUNK;
        for (let more = true; more; ) {
          // counters and cursor change only once their transaction has committed
          const next = { ...done };
          let nextCursor = cursor;
          const percent = await tx(deps, async (t) => {
            let rowsInTx = 0;
            while (rowsInTx < txRows) {
              const chunk = await readChunk(t, nextCursor);
              if (!chunk.length) {
                more = false;
                break;
              }
              const rows = decode(chunk);
              const r: ParkedChunkResult = await commitParkedChunk(t, ctxOf(), rows, { importId, actorId: o.actor?.id ?? null });
              next.created += r.created;
              next.touched += r.touched;
              next.processed += rows.length;
              rowsInTx += rows.length;
              nextCursor = rows[rows.length - 1].rowNo;
            }
            return save(t, next, nextCursor);
          });
          Object.assign(done, next);
          cursor = nextCursor;
          o.onProgress?.({ importId, phase: 'committing', rows: done.processed, percent });
        }
      } else {
        for (;;) {
          const chunk = await readChunk(deps.db, cursor);
          if (!chunk.length) break;
          for (const row of decode(chunk)) {
            const note = await noteUnlessKnown(row.input);
            try {
              const r = await opts.intake({ ...row.input, note, parked: false }, o.actor ?? null);
              if (r.outcome === 'created') done.created++;
              else if (r.outcome === 'reactivated') done.reactivated++;
              else if (r.outcome === 'student_touched') done.studentTouched++;
              else done.touched++;
            } catch (err) {
              if (!(err instanceof AppError) || err.code !== 'VALIDATION') throw err;
              // refused by the intake at commit time: shown with the invalid rows and in the error report
              done.failed++;
              await deps.db
                .updateTable('import_rows')
                .set({ outcome: 'invalid', reason: 'commit_failed', data: JSON.stringify({ i: encodeInput(row.input), params: { message: err.message.slice(0, 300) } }) })
                .where('import_id', '=', importId)
                .where('row_no', '=', row.rowNo)
                .execute();
            }
            done.processed++;
            cursor = row.rowNo;
          }
          const percent = await save(deps.db, done, cursor);
          o.onProgress?.({ importId, phase: 'committing', rows: done.processed, percent });
        }
      }
      await deps.db
        .updateTable('imports')
        .set({ status: 'committed', progress: 100, finished_at: nowIso(), counts: JSON.stringify({ ...stored, commit: done, cursor }) })
        .where('id', '=', importId)
        .execute();
      o.onProgress?.({ importId, phase: 'committing', rows: done.processed, percent: 100 });
      return done;
    } catch (err) {
      await deps.db
        .updateTable('imports')
        .set({ status: 'failed', error: String(err instanceof Error ? err.message : err).slice(0, 1000), counts: JSON.stringify({ ...stored, commit: done, cursor }) })
        .where('id', '=', importId)
        .execute();
      throw err;
    }
  }

  /**
   * Importing the same file twice must add no notes: a note the matched lead already holds (from
   * any earlier import, not only the last one) is not handed to the intake again.
   */
  async function noteUnlessKnown(input: NormalizedIntake): Promise<string | null> {
    if (!input.note) return null;
    const phones = input.phone2 ? [input.phone, input.phone2] : [input.phone];
    const hit = await deps.db
      .selectFrom('lead_phones')
      .innerJoin('leads', 'leads.id', 'lead_phones.lead_id')
      .select(['leads.notes'])
      .where('lead_phones.phone', 'in', phones)
      .executeTakeFirst();
    return hit?.notes?.includes(input.note) ? null : input.note;
  }

  /** Dry run and commit in one go (the command line without --dry-run). */
  async function importFile(path: string, o: StageOptions & CommitOptions = {}) {
    const summary = await dryRun(path, o);
    const committed = await commit(summary.importId, o);
    return { ...summary, status: 'committed', committed };
  }

  async function get(importId: number) {
    const row = await getRow(importId);
    return { ...row, counts: parseCounts(row.counts) };
  }

  async function list(limit = 50) {
    const rows = await deps.db.selectFrom('imports').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({ ...r, counts: parseCounts(r.counts) }));
  }

  /** Forgets a dry run that will not be committed. */
  async function discard(importId: number, actor?: Actor) {
    assertMayImport(actor ?? undefined);
    const row = await getRow(importId);
    if (row.status === 'committing' || row.status === 'committed') {
      const message = t('uz', 'import.error.not_staged', { status: row.status });
      throw new AppError('CONFLICT', message, { import: message });
    }
    await dropImport(importId);
  }

  /** The invalid rows with their row numbers and reasons, as an .xlsx (streamed). */
  async function writeErrorReport(importId: number, out: XlsxOut, lang: Lang = 'uz'): Promise<number> {
    await getRow(importId);
    const w = openXlsxWriter(out);
    const sheet = w.addSheet(t(lang, 'export.sheet.errors'), [
      { header: t(lang, 'export.col.row'), width: 8 },
      { header: t(lang, 'export.col.reason'), width: 40 },
      { header: t(lang, 'export.col.name'), width: 28 },
      { header: t(lang, 'export.col.phone'), width: 20 },
      { header: t(lang, 'export.col.phone2'), width: 20 },
      { header: t(lang, 'export.col.course'), width: 18 },
      { header: t(lang, 'export.col.comment'), width: 40 },
      { header: t(lang, 'export.col.source'), width: 14 },
      { header: t(lang, 'export.col.date'), width: 12 },
    ]);
    let after = 0;
    let n = 0;
    for (;;) {
      const rows = await deps.db
        .selectFrom('import_rows')
        .select(['row_no', 'reason', 'data'])
        .where('import_id', '=', importId)
        .where('outcome', '=', 'invalid')
        .where('row_no', '>', after)
        .orderBy('row_no')
        .limit(1000)
        .execute();
      if (!rows.length) break;
      for (const r of rows) {
        const d = JSON.parse(r.data) as StagedData;
        // rows refused at commit kept their normalized input rather than the cells
        const raw = d.raw ?? (d.i ? { name: String(d.i[0] ?? ''), phone: String(d.i[1] ?? ''), phone2: d.i[2] ? String(d.i[2]) : undefined } : {});
        sheet.addRow([r.row_no, reasonText(lang, r.reason, d.params), raw.name ?? '', raw.phone ?? '', raw.phone2 ?? '', raw.course ?? '', raw.comment ?? '', raw.source ?? '', raw.date ?? '']);
        n++;
      }
      after = rows[rows.length - 1].row_no;
    }
    await w.commit();
    return n;
  }

  /** Staged rows of an import for the back office (one page, by row number). */
  async function rows(importId: number, o: { outcome?: 'new' | 'duplicate' | 'invalid'; after?: number; limit?: number; lang?: Lang } = {}) {
    const { kind } = await getRow(importId);
    let q = deps.db.selectFrom('import_rows').select(['row_no', 'outcome', 'reason', 'data']).where('import_id', '=', importId);
    if (o.outcome) q = q.where('outcome', '=', o.outcome);
    const page = await q
      .where('row_no', '>', o.after ?? 0)
      .orderBy('row_no')
      .limit(Math.min(o.limit ?? 100, 1000))
      .execute();
    return page.map((r) => {
      const d = JSON.parse(r.data) as StagedData;
      const input = d.i ? decodeInput(d.i, kind === 'google_sheets' ? 'google_sheets' : 'excel', true) : null;
      return { rowNo: r.row_no, outcome: r.outcome, reason: r.reason, reasonText: reasonText(o.lang ?? 'uz', r.reason, d.params), input, raw: d.raw ?? {} };
    });
  }

  return { stage, dryRun, commit, importFile, get, list, discard, writeErrorReport, rows };
}

export type ImportService = ReturnType<typeof createImportService>;

function fileError(lang: Lang, key: string, params: Record<string, string>) {
  const message = t(lang, key, params);
  return new AppError('VALIDATION', message, { file: message }, { reason: key.replace('import.error.', '') });
}
