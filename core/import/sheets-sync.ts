import { createHash } from 'node:crypto';
import type { CoreDeps } from '../deps.js';
import { kvGet, kvSet } from '../shared/kv-state.js';
import type { ImportService } from './import-service.js';
import { createSheetsFetcher, SheetsError, type SheetsErrorKind, type SheetsFetcher } from './sheets-fetcher.js';
import type { SheetRow } from './xlsx-reader.js';
import { detectColumns } from './columns.js';

/**
 * Google Sheets as a live lead source (SPEC §4, §8: every 5 minutes when configured). Only rows
 * below the last one handled become leads, through the same staging and intake rules as an Excel
 * import (source `google_sheets`): the first sync parks the rows already in the sheet, later
 * rows are distributed like landing leads. The last row handled and the last error live in
 * kv_state, so a restart neither re-imports nor forgets a failure. `run()` never throws: a
 * failing sheet (auth, quota, a sheet without a phone column) is recorded for the back office
 * and the rest of the product carries on.
 */

export interface SheetsSyncState {
  /** sheet row number of the last row handled (0 = never synced) */
  lastRow: number;
  /** its content's fingerprint, to find it again when rows are inserted or deleted above it */
  lastRowHash: string | null;
  firstSyncAt: string | null;
  lastSuccessAt: string | null;
  lastAttemptAt: string | null;
  lastImportId: number | null;
  lastError: { kind: SheetsErrorKind | 'bad_sheet' | 'internal'; message: string; at: string; status?: number } | null;
  /** consecutive failed runs */
  failures: number;
  /** no request before this instant (429 Retry-After, or backoff after repeated failures) */
  retryAt: string | null;
}

export type SheetsSyncResult =
  | { ok: true; skipped?: false; first: boolean; rows: number; created: number; touched: number; invalid: number; importId: number | null }
  | { ok: false; skipped: true; retryAt: string }
  | { ok: false; skipped?: false; error: NonNullable<SheetsSyncState['lastError']>; retryAt: string | null };

export interface SheetsSyncOptions {
  spreadsheetId: string;
  range: string;
  fetcher: SheetsFetcher;
  imports: ImportService;
}

const fresh = (): SheetsSyncState => ({
  lastRow: 0,
  lastRowHash: null,
  firstSyncAt: null,
  lastSuccessAt: null,
  lastAttemptAt: null,
  lastImportId: null,
  lastError: null,
  failures: 0,
  retryAt: null,
});

const rowHash = (row: unknown[] | undefined) => (row ? createHash('sha1').update(JSON.stringify(row)).digest('hex').slice(0, 16) : '');

/** The sheet row number of the first value row: `Leads!A5:F` → 5; a bare sheet name → 1. */
export function firstRowOf(range: string): number {
  const m = /!?\$?[A-Z]*\$?(\d+)(?::|$)/i.exec(range.includes('!') ? range.split('!').pop()! : range);
  return m ? Number(m[1]) : 1;
}

export function createSheetsSync(deps: CoreDeps, o: SheetsSyncOptions) {
  const key = `sheets_sync:${o.spreadsheetId}:${o.range}`;

  async function status(): Promise<SheetsSyncState> {
    return { ...fresh(), ...((await kvGet<Partial<SheetsSyncState>>(deps.db, key)) ?? {}) };
  }

  async function save(state: SheetsSyncState) {
    await kvSet(deps.db, key, state, deps.clock.now());
  }

  async function fail(state: SheetsSyncState, err: unknown): Promise<SheetsSyncResult> {
    const now = deps.clock.now();
    const error: NonNullable<SheetsSyncState['lastError']> =
      err instanceof SheetsError
        ? { kind: err.kind, message: err.message, at: now.toISOString(), status: err.status }
        : { kind: (err as { code?: string })?.code === 'VALIDATION' ? 'bad_sheet' : 'internal', message: String((err as Error)?.message ?? err).slice(0, 500), at: now.toISOString() };
    const failures = state.failures + 1;
    // a quota answer says when to come back; otherwise the next run retries once, then backs off
    // (5, 10, 20 … minutes, at most 2 hours) so a broken sheet does not hammer the API
    const quota = err instanceof SheetsError && err.kind === 'quota';
    const waitS = quota ? ((err as SheetsError).retryAfter ?? 60) : failures < 2 ? 0 : Math.min(300 * 2 ** (failures - 2), 7200);
    const retryAt = waitS > 0 ? new Date(+now + waitS * 1000).toISOString() : null;
    await save({ ...state, lastAttemptAt: now.toISOString(), lastError: error, failures, retryAt });
    deps.log.warn({ sheet: o.spreadsheetId, kind: error.kind, status: error.status, retryAt }, `Google Sheets sync failed: ${error.message}`);
    return { ok: false, error, retryAt };
  }

  /** One sync. Never throws. */
  async function run(): Promise<SheetsSyncResult> {
    let state = fresh();
    try {
      state = await status();
      const now = deps.clock.now();
      if (state.retryAt && Date.parse(state.retryAt) > +now) return { ok: false, skipped: true, retryAt: state.retryAt };

      const { range, values } = await o.fetcher.getValues();
      const base = firstRowOf(range);
      const first = state.lastRow === 0;
      const lastRow = base + values.length - 1;
      if (state.lastRow > 0 && state.lastRowHash && rowHash(values[state.lastRow - base]) !== state.lastRowHash) {
        // rows were inserted or deleted above: find the last handled row by its content and go on after it
        let found = -1;
        for (let i = values.length - 1; i >= 0 && found < 0; i--) if (rowHash(values[i]) === state.lastRowHash) found = i;
        const moved = found >= 0 ? base + found : Math.min(state.lastRow, lastRow);
        deps.log.warn({ sheet: o.spreadsheetId, was: state.lastRow, now: moved, found: found >= 0 }, 'Google Sheets: rows moved above the last imported row');
        state = { ...state, lastRow: moved };
      }
      const newRows = values.map((v, i) => ({ rowNo: base + i, v })).filter((r) => r.rowNo > state.lastRow);
      const done = (extra: Partial<SheetsSyncState>) =>
        save({ ...state, ...extra, lastAttemptAt: now.toISOString(), lastSuccessAt: now.toISOString(), lastError: null, failures: 0, retryAt: null });

      if (!values.length || (!first && !newRows.length)) {
        await done(state.lastRow > 0 ? { lastRowHash: rowHash(values[state.lastRow - base]) || state.lastRowHash } : {});
        return { ok: true, first, rows: 0, created: 0, touched: 0, invalid: 0, importId: null };
      }

      // later syncs: the header row (detected as in Excel files) followed by the new rows only
      const headerAt = values.slice(0, 30).findIndex((v) => detectColumns([undefined, ...v]).phone !== undefined);
      const picked = first ? values.map((v, i) => ({ rowNo: base + i, v })) : [...(headerAt >= 0 ? [{ rowNo: base + headerAt, v: values[headerAt] }] : []), ...newRows];
      async function* rows(): AsyncGenerator<SheetRow> {
        for (const r of picked) yield { rowNo: r.rowNo, values: [undefined, ...r.v] };
      }
      const staged = await o.imports.stage(rows(), { kind: 'google_sheets', source: 'google_sheets', parked: first, fileName: `${o.spreadsheetId} ${o.range}` }, {});
      const committed = await o.imports.commit(staged.importId, { distributeNow: !first });
      await done({ lastRow: Math.max(lastRow, state.lastRow), lastRowHash: rowHash(values[values.length - 1]), firstSyncAt: state.firstSyncAt ?? now.toISOString(), lastImportId: staged.importId });
      return {
        ok: true,
        first,
        rows: staged.counts.total,
        created: committed.created,
        touched: committed.touched + committed.reactivated + committed.studentTouched,
        invalid: staged.counts.invalid,
        importId: staged.importId,
      };
    } catch (err) {
      try {
        return await fail(state, err);
      } catch (again) {
        deps.log.error({ err: again }, 'Google Sheets sync could not record its failure');
        return { ok: false, error: { kind: 'internal', message: String((again as Error)?.message ?? again), at: deps.clock.now().toISOString() }, retryAt: null };
      }
    }
  }

  // `sync` is the name the scheduler's job table calls
  return { run, sync: run, status, key };
}

export interface SheetsSyncConfig {
  spreadsheetId: string;
  range: string;
  keyFile: string;
  apiRoot?: string;
}

/** The sync's settings from configuration, or null when GOOGLE_SHEETS_ID is not set. */
export function sheetsConfigFrom(c: {
  GOOGLE_SHEETS_ID?: string;
  GOOGLE_SHEETS_RANGE?: string;
  GOOGLE_SHEETS_KEY_FILE?: string;
  GOOGLE_SHEETS_API_ROOT?: string;
}): SheetsSyncConfig | null {
  if (!c.GOOGLE_SHEETS_ID) return null;
  return {
    spreadsheetId: c.GOOGLE_SHEETS_ID,
    // columns A:Z of the first sheet unless a range is configured
    range: c.GOOGLE_SHEETS_RANGE ?? 'A:Z',
    // a missing key file is reported by each run (kind `config`), not at start-up
    keyFile: c.GOOGLE_SHEETS_KEY_FILE ?? '',
    apiRoot: c.GOOGLE_SHEETS_API_ROOT,
  };
}

/** The sync wired with the real Sheets API fetcher. */
export function createConfiguredSheetsSync(deps: CoreDeps, cfg: SheetsSyncConfig, imports: ImportService): SheetsSync {
  return createSheetsSync(deps, { spreadsheetId: cfg.spreadsheetId, range: cfg.range, imports, fetcher: createSheetsFetcher(cfg) });
}

export type SheetsSync = ReturnType<typeof createSheetsSync>;
