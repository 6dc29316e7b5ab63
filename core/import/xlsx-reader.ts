import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { t, type Lang } from '../i18n/i18n.js';

/**
 * Streaming .xlsx reading: rows come one at a time from exceljs's WorkbookReader, so a 100k-row
 * history file is read in bounded memory. The file is checked before anything is parsed
 * (size, zip signature, a complete central directory), because a truncated zip read as a stream
 * can simply end early and look like a shorter, valid sheet.
 */

export interface SheetRow {
  /** 1-based row number as Excel shows it */
  rowNo: number;
  /** 1-based cell values, as exceljs gives them (index 0 unused) */
  values: unknown[];
}

const fileError = (lang: Lang, key: string, params: Record<string, string | number> = {}, code: 'VALIDATION' | 'PAYLOAD_TOO_LARGE' = 'VALIDATION') => {
  const message = t(lang, key, params);
  return new AppError(code, message, { file: message }, { reason: key.replace('import.error.', '') });
};

/** Throws a clear AppError (field `file`) unless `path` looks like a complete .xlsx within the size limit. */
export async function checkXlsxFile(path: string, maxBytes: number, lang: Lang = 'uz'): Promise<{ size: number }> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new Error('not a file');
    size = s.size;
  } catch {
    throw fileError(lang, 'import.error.not_found');
  }
  if (size > maxBytes) {
    const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
    throw fileError(lang, 'import.error.too_large', { size: mb(size), limit: mb(maxBytes) }, 'PAYLOAD_TOO_LARGE');
  }
  if (size === 0) throw fileError(lang, 'import.error.empty');
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(8, size));
    await fh.read(head, 0, head.length, 0);
    if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) throw fileError(lang, 'import.error.old_xls');
    if (head.length < 4 || head.readUInt32LE(0) !== 0x04034b50) throw fileError(lang, 'import.error.not_xlsx');

    // end of central directory: in the last 22 + 65535 bytes; missing when the upload was cut short
    const tailLen = Math.min(size, 22 + 65_535);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw fileError(lang, 'import.error.truncated');
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || cdSize === 0xffffffff) return { size }; // zip64: trust the reader
    const eocdPos = size - tailLen + eocd;
    if (cdOffset + cdSize > eocdPos) throw fileError(lang, 'import.error.truncated');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const names: string[] = [];
    for (let p = 0; p + 46 <= cd.length; ) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw fileError(lang, 'import.error.truncated');
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      names.push(cd.toString('utf8', p + 46, p + 46 + nameLen));
      p += 46 + nameLen + extraLen + commentLen;
    }
    if (!names.includes('xl/workbook.xml')) throw fileError(lang, 'import.error.not_xlsx');
    if (!names.some((n) => /^xl\/worksheets\/sheet\d+\.xml$/.test(n))) throw fileError(lang, 'import.error.no_sheet');
    return { size };
  } finally {
    await fh.close();
  }
}

export interface ReadOptions {
  /** called as the compressed file is consumed: bytes read so far, file size */
  onBytes?: (read: number, size: number) => void;
  lang?: Lang;
}

export interface XlsxRowSource {
  rows: AsyncGenerator<SheetRow>;
  /** true when the workbook counts dates from 1904 (old Mac Excel) */
  date1904(): boolean;
}

/**
 * Rows of the workbook's first worksheet, streamed. Parse failures become AppError VALIDATION
 * (`file`); the caller decides what to undo.
 */
export function readXlsxRows(path: string, size: number, opts: ReadOptions = {}): XlsxRowSource {
  const lang = opts.lang ?? 'uz';
  const file = createReadStream(path, { highWaterMark: 256 * 1024 });
  let read = 0;
  // counts bytes as the parser pulls them (a 'data' listener would start the flow before the parser is attached)
  const input = new Transform({
    transform(chunk: Buffer, _enc, done) {
      read += chunk.length;
      opts.onBytes?.(read, size);
      done(null, chunk);
    },
  });
  file.on('error', (err) => input.destroy(err));
  file.pipe(input);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    // styles are not needed: dates are recognized by their column, and skipping them is faster
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  async function* rows(): AsyncGenerator<SheetRow> {
    try {
      let sheets = 0;
      for await (const ws of reader) {
        sheets++;
        for await (const row of ws) {
          yield { rowNo: row.number, values: row.values as unknown[] };
        }
        // only the first worksheet is imported
        break;
      }
      if (sheets === 0) throw fileError(lang, 'import.error.no_sheet');
    } catch (err) {
      if (err instanceof AppError) throw err;
      const detail = err instanceof Error ? err.message.slice(0, 120) : String(err);
      throw fileError(lang, 'import.error.damaged', { detail });
    } finally {
      file.destroy();
      input.destroy();
    }
  }
  return {
    rows: rows(),
    date1904: () => Boolean((reader as unknown as { properties?: { model?: { date1904?: boolean } } }).properties?.model?.date1904),
  };
}
