import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';

/**
 * A thin streaming .xlsx writer (exceljs WorkbookWriter): each row is committed as soon as it is
 * added, so an export of 100k leads holds one row in memory, not the workbook.
 */

/** a file path, or a stream the workbook is piped into (an HTTP response, a file stream) */
export type XlsxOut = string | Writable;

export interface XlsxColumn {
  header: string;
  width?: number;
  /** Excel number format, e.g. '0.0%', 'yyyy-mm-dd hh:mm', '#,##0' */
  numFmt?: string;
}

export interface XlsxSheet {
  addRow(values: unknown[]): void;
  readonly rowCount: number;
}

/** Excel refuses sheet names over 31 characters or with []:*?/\ */
export function safeSheetName(name: string, taken: Set<string>): string {
  let base = name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Sheet';
  let n = 2;
  let candidate = base;
  while (taken.has(candidate.toLowerCase())) {
    const suffix = ` (${n++})`;
    candidate = base.slice(0, 31 - suffix.length) + suffix;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}

export function openXlsxWriter(out: XlsxOut) {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter(
    typeof out === 'string' ? { filename: out, useStyles: true, useSharedStrings: false } : { stream: out, useStyles: true, useSharedStrings: false },
  );
  const names = new Set<string>();
  let current: ExcelJS.Worksheet | null = null;

  function addSheet(name: string, columns: XlsxColumn[]): XlsxSheet {
    // a streamed sheet is finished before the next one starts
    if (current) current.commit();
    const ws = workbook.addWorksheet(safeSheetName(name, names), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = columns.map((c, i) => ({ key: `c${i}`, width: c.width ?? Math.min(Math.max(c.header.length + 2, 10), 50), style: c.numFmt ? { numFmt: c.numFmt } : {} }));
    const header = ws.addRow(columns.map((c) => c.header));
    header.font = { bold: true };
    header.commit();
    current = ws;
    let count = 0;
    return {
      addRow(values: unknown[]) {
        ws.addRow(values.map((v) => (v === undefined ? null : v))).commit();
        count++;
      },
      get rowCount() {
        return count;
      },
    };
  }

  async function commit(): Promise<void> {
    if (!current) addSheet('Sheet1', []);
    await workbook.commit();
  }

  return { addSheet, commit };
}
