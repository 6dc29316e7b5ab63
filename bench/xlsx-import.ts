import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

export async function writeFile(path: string): Promise<void> {
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

interface ReadResult {
  seconds: number;
  cpuSeconds: number;
  rows: number;
}

interface ImportResult {
  seconds: number;
  dryRunSeconds: number;
  cpuSeconds: number;
  dryRunCpuSeconds: number;
  rssMb: number;
  counts: Record<string, number>;
  committed: Record<string, number>;
  leads: number;
}

function child<T>(args: string[]): Promise<T> {
  const script = fileURLToPath(new URL('./xlsx-import-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench child ${args[0]} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (err) {
        reject(err);
      }
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(names: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-bench-xlsx-'));
  try {
    const file = join(dir, 'leads-100k.xlsx');
    const g0 = performance.now();
    await writeFile(file);
    note(`wrote ${ROWS} rows (${DUPLICATE_SHARE * 100}% duplicate phones) in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
    // the reference: exceljs stream-reading the same file alone, in a fresh process like the import,
    // before and after it (the machine is shared: the median of three)
    const reads: ReadResult[] = [await child<ReadResult>(['read', file])];
    const r = await child<ImportResult>(['import', file, dir]);
    reads.push(await child<ReadResult>(['read', file]), await child<ReadResult>(['read', file]));
    for (const x of reads) if (x.rows !== ROWS + 1) throw new Error(`the reference read ${x.rows} rows, expected ${ROWS + 1}`);
    const ref = median(reads.map((x) => x.seconds));
    note(`dry run ${r.dryRunSeconds.toFixed(1)} s, commit ${(r.seconds - r.dryRunSeconds).toFixed(1)} s; CPU ${r.cpuSeconds.toFixed(1)} s (reference ${median(reads.map((x) => x.cpuSeconds)).toFixed(1)} s)`);
    note(`counts ${JSON.stringify(r.counts)}; committed ${JSON.stringify(r.committed)}; leads ${r.leads}`);
    if (r.leads !== Math.round(ROWS * (1 - DUPLICATE_SHARE))) throw new Error(`expected ${ROWS * (1 - DUPLICATE_SHARE)} leads, found ${r.leads}`);
    if (names.includes('xlsx_import_100k')) benchLine('xlsx_import_100k', r.seconds, 's', ref);
    if (names.includes('xlsx_import_100k_rss')) benchLine('xlsx_import_100k_rss', r.rssMb, 'MB', 300);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const figures = ['xlsx_import_100k', 'xlsx_import_100k_rss'];
