import { createRequire } from 'node:module';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInflateRaw } from 'node:zlib';
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { AppError } from '../errors.js';
import { t, type Lang } from '../i18n/i18n.js';
import { SharedStringsParser, WorksheetParser } from './xlsx-xml.js';

/**
 * Streaming .xlsx reading: rows come one at a time as the worksheet is inflated and parsed, so a
 * 100k-row history file is read in bounded memory (only the shared strings are held, as exceljs
 * holds them). The file is checked before anything is parsed (size, zip signature, a complete
 * central directory), because a truncated zip read as a stream can simply end early and look like
 * a shorter, valid sheet.
 */

export interface SheetRow {
  /** 1-based row number as Excel shows it */
  rowNo: number;
  /** 1-based cell values, as exceljs's streaming reader gives them (index 0 unused; rich text joined) */
  values: unknown[];
  /** 0-based position of the row's worksheet among those read (workbook order, visible first) */
  sheet?: number;
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
    if (head.length >= 4 && head.readUInt32BE(0) === 0xd0cf11e0) {
      // Excel stores a password-protected .xlsx inside the same OLE container as an old .xls:
      // "save it as .xlsx" would not help, removing the password does
      throw fileError(lang, (await isEncryptedOle(fh, size)) ? 'import.error.encrypted' : 'import.error.old_xls');
    }
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

/**
 * True when an OLE compound file holds an encrypted OOXML package: its first directory sector
 * names the streams EncryptionInfo / EncryptedPackage (an .xls names Workbook instead).
 */
async function isEncryptedOle(fh: Awaited<ReturnType<typeof open>>, size: number): Promise<boolean> {
  if (size < 512) return false;
  const header = Buffer.alloc(512);
  await fh.read(header, 0, 512, 0);
  const shift = header.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return false;
  const sectorSize = 1 << shift;
  const start = (header.readUInt32LE(0x30) + 1) * sectorSize;
  if (start + sectorSize > size) return false;
  const dir = Buffer.alloc(sectorSize);
  await fh.read(dir, 0, sectorSize, start);
  for (let p = 0; p + 128 <= sectorSize; p += 128) {
    const len = Math.min(dir.readUInt16LE(p + 0x40), 64);
    const name = dir.toString('utf16le', p, p + Math.max(len - 2, 0));
    if (name === 'EncryptionInfo' || name === 'EncryptedPackage') return true;
  }
  return false;
}

export interface ReadOptions {
  /** called as the worksheet is consumed: uncompressed bytes read so far, the worksheet's size */
  onBytes?: (read: number, size: number) => void;
  lang?: Lang;
}

export interface XlsxRowSource {
  rows: AsyncGenerator<SheetRow>;
  /** true when the workbook counts dates from 1904 (old Mac Excel) */
  date1904(): boolean;
  /**
   * Leaves the worksheet being read: the rows go on with the next one. A workbook often holds a
   * cover or instructions sheet before the leads, so the importer looks for its header sheet by sheet.
   */
  skipSheet(): void;
  /** name of the worksheet being read */
  sheetName(): string | null;
}

// exceljs's own copies of unzipper and its xmlDecode (resolved from exceljs, whatever the hoisting)
const fromExceljs = createRequire(createRequire(import.meta.url).resolve('exceljs'));
const unzipper = fromExceljs('unzipper') as {
  Open: { file(path: string): Promise<{ files: ZipFile[] }> };
};
const { xmlDecode } = fromExceljs('./lib/utils/utils.js') as { xmlDecode(s: string): string };

interface ZipFile {
  path: string;
  flags: number;
  compressionMethod: number;
  compressedSize: number;
  uncompressedSize: number;
  offsetToLocalFileHeader: number;
  stream(): Readable;
}

/**
 * An entry's bytes, read and inflated straight from the file. unzipper's own entry stream passes
 * 16 KB at a time through three stream stages; on a 100k-row sheet (22 MB of XML) those hops cost
 * more than inflating. Entries only it can read (encrypted, other methods) still go through it.
 */
async function entryStream(path: string, f: ZipFile): Promise<Readable> {
  if (f.flags & 1 || (f.compressionMethod !== 0 && f.compressionMethod !== 8) || !f.compressedSize) return f.stream();
  const fh = await open(path, 'r');
  let start: number;
  try {
    const head = Buffer.alloc(30);
    await fh.read(head, 0, 30, f.offsetToLocalFileHeader);
    if (head.readUInt32LE(0) !== 0x04034b50) throw new Error(`no local header for ${f.path}`);
    // the local header's name and extra field may differ in length from the central directory's
    start = f.offsetToLocalFileHeader + 30 + head.readUInt16LE(26) + head.readUInt16LE(28);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(path, { start, end: start + f.compressedSize - 1, highWaterMark: 64 * 1024 });
  if (f.compressionMethod === 0) return raw;
  // 32 KB out at a time: decoded, a chunk stays under V8's large-object size (128 KB) even as
  // two-byte text, so it is collected young like any string
  const inflate = createInflateRaw({ chunkSize: 32 * 1024 });
  raw.on('error', (err) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

/** The parts of exceljs 4.4's WorkbookReader this reader drives (pinned version; see readXlsxRows). */
interface WorkbookReaderInternals {
  model?: { sheets?: { id: number; name: string; rId: string; state?: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  properties?: { model?: { date1904?: boolean } };
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
}

/**
 * Rows of the workbook's worksheets, one sheet after the other (see skipSheet), streamed. The archive is opened through its central
 * directory (unzipper.Open) rather than exceljs's single forward pass: that pass intermittently
 * loses xl/workbook.xml when it is stored last, which exceljs itself and many tools do (exceljs
 * issue #3064, "reading 'sheets'"), and it spools the worksheet to a temp file whenever the shared
 * strings come after it. exceljs's WorkbookReader parses the workbook and its relations (which
 * sheet is first, the 1904 date system); the shared strings and the worksheet, nearly all of the
 * bytes, go through ./xlsx-xml.ts, which gives the same values several times faster.
 * Parse failures become AppError VALIDATION (`file`).
 */
export function readXlsxRows(path: string, _size: number, opts: ReadOptions = {}): XlsxRowSource {
  const lang = opts.lang ?? 'uz';
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {
    sharedStrings: 'ignore',
    hyperlinks: 'ignore',
    // styles are not needed: dates are recognized by their column, and skipping them is faster
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  }) as unknown as WorkbookReaderInternals;
  const streams: Readable[] = [];
  let skip = false;
  let currentName: string | null = null;
  const entry = (f: ZipFile) => {
    const s = f.stream();
    streams.push(s);
    return s;
  };
  const bigEntry = async (f: ZipFile) => {
    const s = await entryStream(path, f);
    streams.push(s);
    return s;
  };

  async function* rows(): AsyncGenerator<SheetRow> {
    try {
      const zip = await unzipper.Open.file(path);
      const files = new Map(zip.files.map((f) => [f.path.replace(/^\//, ''), f]));
      const rels = files.get('xl/_rels/workbook.xml.rels');
      if (rels) await reader._parseRels(entry(rels));
      const book = files.get('xl/workbook.xml');
      if (!book) throw fileError(lang, 'import.error.not_xlsx');
      await reader._parseWorkbook(entry(book));
      let strings: (string | null)[] = [];
      const shared = files.get('xl/sharedStrings.xml');
      if (shared) {
        const parser = new SharedStringsParser();
        const utf8 = new TextDecoder('utf-8');
        for await (const chunk of await bigEntry(shared)) parser.write(utf8.decode(chunk as Buffer, { stream: true }));
        parser.write(utf8.decode());
        parser.end();
        strings = parser.strings;
      }

      // the sheets in the workbook's order (visible before hidden), else the sheet parts by number
      const sheetParts = [...files.keys()].filter((p) => /^xl\/worksheets\/sheet\d+\.xml$/.test(p)).sort((a, b) => sheetNumber(a) - sheetNumber(b));
      const ordered: { path: string; name: string | null }[] = [];
      const listed = [...(reader.model?.sheets ?? [])].sort((a, b) => Number(Boolean(a.state && a.state !== 'visible')) - Number(Boolean(b.state && b.state !== 'visible')));
      for (const s of listed) {
        const target = reader.workbookRels?.find((r) => r.Id === s.rId)?.Target;
        const p = target ? (target.startsWith('/') ? target.slice(1) : `xl/${target}`) : null;
        if (p && files.has(p) && !ordered.some((o) => o.path === p)) ordered.push({ path: p, name: s.name ?? null });
      }
      if (!ordered.length) for (const p of sheetParts) ordered.push({ path: p, name: null });
      if (!ordered.length) throw fileError(lang, 'import.error.no_sheet');
      for (let n = 0; n < ordered.length; n++) {
        currentName = ordered[n].name;
        skip = false;
        const sheetFile = files.get(ordered[n].path)!;
        const sheet = new WorksheetParser(strings, xmlDecode);
        const utf8 = new TextDecoder('utf-8');
        const stream = await bigEntry(sheetFile);
        let read = 0;
        const tag = (row: SheetRow) => ((row.sheet = n), row);
        chunks: for await (const chunk of stream) {
          read += (chunk as Buffer).length;
          opts.onBytes?.(read, sheetFile.uncompressedSize || 1);
          for (const row of sheet.write(utf8.decode(chunk as Buffer, { stream: true }))) {
            yield tag(row);
            if (skip) break chunks;
          }
        }
        if (skip) {
          stream.destroy();
          continue;
        }
        for (const row of sheet.write(utf8.decode())) yield tag(row);
        for (const row of sheet.end()) yield tag(row);
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      const detail = err instanceof Error ? err.message.slice(0, 120) : String(err);
      throw fileError(lang, 'import.error.damaged', { detail });
    } finally {
      for (const s of streams) s.destroy();
    }
  }
  return {
    rows: rows(),
    date1904: () => Boolean(reader.properties?.model?.date1904),
    skipSheet: () => {
      skip = true;
    },
    sheetName: () => currentName,
  };
}

const sheetNumber = (p: string) => Number(/sheet(\d+)\.xml$/.exec(p)?.[1] ?? 0);
