import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { benchLine, note } from './format.js';

/**
 * xlsx_import_100k: seconds for the dry run + commit (parked) of a 100k-row file with 10% duplicates,
 * against seconds for exceljs to stream-read the same file alone. xlsx_import_100k_rss: the peak RSS
 * of that import, measured in a child process of its own so the file generation does not count.
 */

const ROWS = 100_000;
const DUPLICATE_SHARE = 0.1;

function phoneFor(i: number): string | number {
  const n = 1_000_000 + i * 7; // distinct 7-digit tails
  const tail = String(n).padStart(7, '0');
  const op = ['90', '91', '93', '94', '97', '99', '33', '88'][i % 8];
  // the formats real sheets mix: numbers, +998 with spaces, brackets and dashes, bare 9 digits
  switch (i % 4) {
    case 0:
      return Number(`998${op}${tail}`);
    case 1:
      return `+998 ${op} ${tail.slice(0, 3)} ${tail.slice(3, 5)} ${tail.slice(5)}`;
    case 2:
      return `(${op}) ${tail.slice(0, 3)}-${tail.slice(3, 5)}-${tail.slice(5)}`;
    default:
      return `${op}${tail}`;
  }
}

async function writeFile(path: string): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true, useStyles: false });
  const ws = wb.addWorksheet('Mijozlar');
  ws.addRow(['Ism', 'Telefon', 'Kurs', 'Izoh', 'Manba', 'Sana']).commit();
  const unique = Math.round(ROWS * (1 - DUPLICATE_SHARE));
  const names = ['Aziz', 'Dilnoza', 'Шахзод', 'Малика', "O'g'iloy", 'Jasur', 'Нодира', 'Bobur'];
  for (let i = 0; i < ROWS; i++) {
    // the last 10% repeat phones from earlier in the file
    const src = i < unique ? i : (i * 7919) % unique;
    ws.addRow([
      `${names[i % names.length]} ${i}`,
      phoneFor(src),
      ['English', 'Matematika', 'IT'][i % 3],
      i % 5 === 0 ? `Qo'ng'iroq qilish kerak ${i}` : null,
      ['Instagram', 'Telegram', null][i % 3],
      45_000 + (i % 700),
    ]).commit();
  }
  ws.commit();
  await wb.commit();
}

/** The reference: exceljs streaming through every row, doing nothing with it. */
async function streamReadSeconds(path: string): Promise<number> {
  const t0 = performance.now();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(path), { sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore', worksheets: 'emit' });
  let n = 0;
  for await (const ws of reader) {
    for await (const row of ws) if (row.values) n++;
  }
  if (n !== ROWS + 1) throw new Error(`read ${n} rows, expected ${ROWS + 1}`);
  return (performance.now() - t0) / 1000;
}

interface ChildResult {
  seconds: number;
  dryRunSeconds: number;
  rssMb: number;
  counts: Record<string, number>;
  committed: Record<string, number>;
  leads: number;
}

function runChild(file: string, dir: string): Promise<ChildResult> {
  const child = fileURLToPath(new URL('./xlsx-import-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, file, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`import child exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (err) {
        reject(err);
      }
    });
  });
}

export async function run(names: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-xlsx-'));
  try {
    const file = join(dir, 'leads-100k.xlsx');
    const g0 = performance.now();
    await writeFile(file);
    note(`wrote ${ROWS} rows (${DUPLICATE_SHARE * 100}% duplicate phones) in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
    const ref = await streamReadSeconds(file);
    const r = await runChild(file, dir);
    note(`dry run ${r.dryRunSeconds.toFixed(1)} s, commit ${(r.seconds - r.dryRunSeconds).toFixed(1)} s; counts ${JSON.stringify(r.counts)}; committed ${JSON.stringify(r.committed)}; leads ${r.leads}`);
    if (names.includes('xlsx_import_100k')) benchLine('xlsx_import_100k', r.seconds, 's', ref);
    if (names.includes('xlsx_import_100k_rss')) benchLine('xlsx_import_100k_rss', r.rssMb, 'MB', 300);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const figures = ['xlsx_import_100k', 'xlsx_import_100k_rss'];
