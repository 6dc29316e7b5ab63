import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';

/** A temp folder for one suite's files. */
export function tempDir(prefix = 'crm-xlsx-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, path: (name: string) => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes rows (first = header, or a title row before it) with exceljs's regular writer. */
export async function writeXlsx(path: string, rows: unknown[][], sheetName = 'Mijozlar'): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(sheetName);
  rows.forEach((r, i) => {
    const row = ws.getRow(i + 1);
    r.forEach((v, c) => {
      if (v !== undefined && v !== null) row.getCell(c + 1).value = v as ExcelJS.CellValue;
    });
    row.commit();
  });
  await wb.xlsx.writeFile(path);
}

/**
 * Converts a CSV to .xlsx with LibreOffice (soffice --headless --convert-to xlsx), reading the CSV
 * as UTF-8 with comma separators, as a center's staff would get when opening and saving it.
 */
export function libreOfficeXlsx(csvPath: string, outDir: string, format: 'xlsx' | 'xls' = 'xlsx'): string {
  const profile = mkdtempSync(join(tmpdir(), 'lo-profile-'));
  try {
    execFileSync(
      'soffice',
      [`-env:UserInstallation=file://${profile}`, '--headless', '--infilter=CSV:44,34,76,1', '--convert-to', format, '--outdir', outDir, csvPath],
      { stdio: 'pipe', timeout: 120_000 },
    );
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  return join(outDir, csvPath.split('/').pop()!.replace(/\.csv$/, `.${format}`));
}

/**
 * The OLE compound file Excel writes for a password-protected .xlsx: a 512-byte header and one
 * directory sector naming the encryption streams (their contents are not needed to tell it apart
 * from an old .xls, whose directory names a Workbook stream).
 */
export function encryptedXlsx(path: string): void {
  const header = Buffer.alloc(512);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header, 0);
  header.writeUInt16LE(0x3e, 0x18); // minor version
  header.writeUInt16LE(3, 0x1a); // major version 3: 512-byte sectors
  header.writeUInt16LE(0xfffe, 0x1c); // byte order
  header.writeUInt16LE(9, 0x1e); // sector shift
  header.writeUInt16LE(6, 0x20); // mini sector shift
  header.writeUInt32LE(0, 0x30); // first directory sector
  header.writeUInt32LE(0x1000, 0x38); // mini stream cutoff
  const dir = Buffer.alloc(512);
  ['Root Entry', 'EncryptionInfo', 'EncryptedPackage', '\u0006DataSpaces'].forEach((name, i) => {
    const at = i * 128;
    dir.write(name, at, 'utf16le');
    dir.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    dir.writeUInt8(i === 0 ? 5 : i === 3 ? 1 : 2, at + 0x42);
  });
  writeFileSync(path, Buffer.concat([header, dir, Buffer.alloc(1024)]));
}

export function writeCsv(path: string, rows: string[][]): void {
  const esc = (v: string) => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  writeFileSync(path, rows.map((r) => r.map(esc).join(',')).join('\n') + '\n', 'utf8');
}

/** Reads a whole workbook back (small files only): sheet name → rows of cell values (1-based → 0-based). */
export async function readBack(path: string): Promise<Record<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const out: Record<string, unknown[][]> = {};
  wb.eachSheet((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow({ includeEmpty: false }, (row) => {
      const values = row.values as unknown[];
      rows.push(Array.from({ length: Math.max(values.length - 1, 0) }, (_, i) => values[i + 1] ?? null));
    });
    out[ws.name] = rows;
  });
  return out;
}
