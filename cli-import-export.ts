// `npm run crm -- import …` and `npm run crm -- export …` (registered in cli.ts). Thin: arguments
// in, one core call, counts and a progress bar out.
import { basename, dirname, extname, join } from 'node:path';
import type { CliContext } from './cli.js';
import type { ImportProgress } from './core/import/import-service.js';
import { FIELDS, type ColumnMapping, type Field } from './core/import/columns.js';
import { exportLeads } from './core/export/leads-export.js';
import { exportKpi } from './core/export/kpi-export.js';
import { analyticsTables, writeTables } from './core/export/analytics-export.js';
import { asLang } from './core/i18n/i18n.js';
import type { LeadSource, LeadStatus } from './db/types.js';

function flags(args: string[]): { positional: string[]; f: Record<string, string> } {
  const f: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [k, inline] = a.slice(2).split('=', 2);
    f[k] = inline ?? (args[i + 1] && !args[i + 1].startsWith('--') ? args[++i] : 'true');
  }
  return { positional, f };
}

const list = (v: string | undefined) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : undefined);

/** A one-line bar on stderr: redrawn in place on a terminal, a line per 10% otherwise. */
function progressBar(write: (s: string) => void, tty: boolean) {
  let lastPhase = '';
  let lastTenth = -1;
  return {
    update(p: ImportProgress) {
      const label = p.phase === 'reading' ? 'reading   ' : 'committing';
      const width = 30;
      const filled = Math.round((p.percent / 100) * width);
      const line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(p.percent).padStart(3)}%  ${p.rows.toLocaleString('en-US')} rows`;
      if (tty) {
        if (lastPhase && lastPhase !== p.phase) write('\n');
        write(`\r${line}`);
      } else if (lastPhase !== p.phase || Math.floor(p.percent / 10) !== lastTenth) {
        write(`${line}\n`);
      }
      lastPhase = p.phase;
      lastTenth = Math.floor(p.percent / 10);
    },
    done() {
      if (tty && lastPhase) write('\n');
    },
  };
}

function parseMapping(v: string | undefined): ColumnMapping | undefined {
  if (!v) return undefined;
  const out: ColumnMapping = {};
  for (const pair of v.split(',')) {
    const [k, col] = pair.split('=', 2).map((s) => s?.trim());
    if (!k || !col || !(FIELDS as readonly string[]).includes(k)) throw new Error(`--map: "${pair}" is not field=column (fields: ${FIELDS.join(', ')})`);
    out[k as Field] = /^\d+$/.test(col) ? Number(col) : col;
  }
  return out;
}

export const importUsage =
  'import <file.xlsx> [--dry-run] [--distribute-now] [--map name=Kontakt,phone=C] [--errors report.xlsx] [--lang uz|ru|en] | import --commit <id> [--distribute-now]   (Excel leads: parked unless --distribute-now)';

export async function importCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positional, f } = flags(args);
  const imports = ctx.services.imports;
  const lang = asLang(f.lang);
  const bar = progressBar((s) => process.stderr.write(s), Boolean(process.stderr.isTTY));
  const distributeNow = f['distribute-now'] === 'true';
  try {
    if (f.commit) {
      const id = Number(f.commit);
      const done = await imports.commit(id, { distributeNow, onProgress: bar.update });
      bar.done();
      ctx.out(`import ${id} committed: ${done.created} created, ${done.touched} touched${done.reactivated ? `, ${done.reactivated} reactivated` : ''}${done.failed ? `, ${done.failed} refused` : ''}${distributeNow ? ' (distributed)' : ' (parked)'}`);
      return 0;
    }
    const file = positional[0];
    if (!file) {
      ctx.err(`usage: ${importUsage}`);
      return 1;
    }
    const summary = await imports.dryRun(file, { mapping: parseMapping(f.map), lang, onProgress: bar.update });
    const c = summary.counts;
    bar.done();
    ctx.out(`import ${summary.importId}: ${c.total} rows: ${c.new} new, ${c.duplicate} duplicate (${c.duplicateInFile} within the file, ${c.duplicateInDb} already in the database), ${c.invalid} invalid${c.skipped ? `, ${c.skipped} skipped` : ''}`);
    if (c.invalid > 0) {
      const report = f.errors ?? join(dirname(file), `${basename(file, extname(file))}.errors.xlsx`);
      await imports.writeErrorReport(summary.importId, report, lang);
      ctx.out(`invalid rows with their reasons: ${report}`);
    }
    if (f['dry-run'] === 'true') {
      ctx.out(`dry run: no lead written. Commit it with: npm run crm -- import --commit ${summary.importId}${distributeNow ? ' --distribute-now' : ''}`);
      return 0;
    }
    const done = await imports.commit(summary.importId, { distributeNow, onProgress: bar.update });
    bar.done();
    ctx.out(`committed: ${done.created} created, ${done.touched} touched${done.reactivated ? `, ${done.reactivated} reactivated` : ''}${done.failed ? `, ${done.failed} refused` : ''}${distributeNow ? ' (distributed)' : ' (parked: release them from the back office)'}`);
    return 0;
  } finally {
    bar.done();
  }
}

export const exportUsage =
  'export leads|kpi|analytics --out file.xlsx [--from YYYY-MM-DD --to YYYY-MM-DD] [--status new,lost] [--source excel,form] [--assigned ID|none] [--course ID] [--parked yes|no] [--user ID] [--lang uz|ru|en]';

export async function exportCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positional, f } = flags(args);
  const what = positional[0];
  const out = f.out;
  if (!out || !['leads', 'kpi', 'analytics'].includes(what ?? '')) {
    ctx.err(`usage: ${exportUsage}`);
    return 1;
  }
  const lang = asLang(f.lang);
  const deps = ctx.services.deps;
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: deps.tz }).format(deps.clock.now());
  if (what === 'leads') {
    const n = await exportLeads(
      deps,
      out,
      {
        from: f.from,
        to: f.to,
        status: list(f.status) as LeadStatus[] | undefined,
        source: list(f.source) as LeadSource[] | undefined,
        assignedTo: f.assigned === undefined ? undefined : f.assigned === 'none' ? null : Number(f.assigned),
        courseId: f.course ? Number(f.course) : undefined,
        parked: f.parked === undefined ? undefined : f.parked === 'yes' || f.parked === 'true',
      },
      { lang },
    );
    ctx.out(`${n} leads written to ${out}`);
    return 0;
  }
  const from = f.from ?? `${today.slice(0, 8)}01`;
  const to = f.to ?? today;
  if (what === 'kpi') {
    const n = await exportKpi(deps, out, { from, to, userId: f.user ? Number(f.user) : undefined }, { lang });
    ctx.out(`${n} KPI rows (${from} … ${to}) written to ${out}`);
    return 0;
  }
  const result = await ctx.services.analytics.analytics({ from, to, salesId: f.user ? Number(f.user) : undefined, source: f.source as LeadSource | undefined });
  const counts = await writeTables(out, analyticsTables(result, lang));
  ctx.out(`analytics ${from} … ${to}: ${counts.length} sheets written to ${out}`);
  return 0;
}
