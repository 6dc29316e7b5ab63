// `npm run crm -- import …` and `npm run crm -- export …` (registered in cli.ts). Thin: arguments
// in, one core call, counts and a progress bar out.
import { basename, dirname, extname, join } from 'node:path';
import type { CliContext } from './cli.js';
import type { ImportProgress } from './core/import/import-service.js';
import { FIELDS, type ColumnMapping, type Field } from './core/import/columns.js';
import { exportLeads } from './core/export/leads-export.js';
import { exportKpi } from './core/export/kpi-export.js';
import { analyticsTables, writeTables } from './core/export/analytics-export.js';
import { LANGS } from './core/i18n/i18n.js';
import { SOURCES, STATUSES } from './core/leads/statuses.js';
import { AppError } from './core/errors.js';
import { CliUsageError, calendarDay, oneOf, parseFlags, positiveInt, someOf, writableFile } from './cli-args.js';


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
    if (!k || !col || !(FIELDS as readonly string[]).includes(k)) throw new CliUsageError(`--map: "${pair}" is not field=column (fields: ${FIELDS.join(', ')})`);
    out[k as Field] = /^\d+$/.test(col) ? Number(col) : col;
  }
  return out;
}

export const importUsage =
  'import <file.xlsx> [--dry-run] [--distribute-now] [--map name=Kontakt,phone=C] [--errors report.xlsx] [--lang uz|ru|en] | import --commit <id> [--distribute-now]   (Excel leads: parked unless --distribute-now)';

export async function importCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positional, f } = parseFlags(args, { values: ['commit', 'map', 'errors', 'lang'], switches: ['dry-run', 'distribute-now'] }, 'import');
  const imports = ctx.services.imports;
  const lang = f.lang === undefined ? 'uz' : oneOf('--lang', f.lang, LANGS);
  const mapping = parseMapping(f.map);
  if (f.commit !== undefined && positional.length) throw new CliUsageError('import: give either a file to read or --commit <id>, not both');
  if (f.commit !== undefined && (f['dry-run'] || f.map || f.errors)) throw new CliUsageError('import --commit: only --distribute-now goes with it (the file was read by the dry run)');
  if (positional.length > 1) throw new CliUsageError(`import: one file at a time (got ${positional.join(', ')})`);
  if (f.errors !== undefined) writableFile('--errors', f.errors);
  const bar = progressBar((s) => process.stderr.write(s), Boolean(process.stderr.isTTY));
  const distributeNow = f['distribute-now'] === 'true';
  try {
    if (f.commit !== undefined) {
      const id = positiveInt('--commit', f.commit);
      const done = await imports.commit(id, { distributeNow, onProgress: bar.update }).catch((e: unknown) => {
        throw e instanceof AppError && e.code === 'NOT_FOUND' ? new CliUsageError(`--commit: no import with id ${id}`) : e;
      });
      bar.done();
      ctx.out(`import ${id} committed: ${done.created} created, ${done.touched} touched${done.reactivated ? `, ${done.reactivated} reactivated` : ''}${done.failed ? `, ${done.failed} refused` : ''}${distributeNow ? ' (distributed)' : ' (parked)'}`);
      return 0;
    }
    const file = positional[0];
    if (!file) throw new CliUsageError(`import: which file? usage: ${importUsage}`);
    let summary: Awaited<ReturnType<typeof imports.dryRun>>;
    try {
      summary = await imports.dryRun(file, { mapping, lang, onProgress: bar.update });
    } catch (e) {
      // the reason alone ("file not found") does not say which file
      if (e instanceof AppError && e.fields?.file) throw new AppError(e.code, `import: ${file}: ${e.message}`, e.fields, e.details);
      throw e;
    }
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
  const { positional, f } = parseFlags(
    args,
    { values: ['out', 'from', 'to', 'status', 'source', 'assigned', 'course', 'parked', 'user', 'lang'] },
    'export',
  );
  const what = positional[0];
  if (!what) throw new CliUsageError(`export: what to export? leads, kpi or analytics (usage: ${exportUsage})`);
  if (!['leads', 'kpi', 'analytics'].includes(what)) throw new CliUsageError(`export: unknown export "${what}": leads, kpi or analytics`);
  if (positional.length > 1) throw new CliUsageError(`export: unexpected "${positional[1]}" (values go after their flag, e.g. --out leads.xlsx)`);
  if (!f.out) throw new CliUsageError(`export ${what}: --out file.xlsx is required`);
  const out = writableFile('--out', f.out);
  // flags that mean nothing for this export are refused: a filter silently ignored gives the wrong file
  const allowed: Record<string, string[]> = {
    leads: ['out', 'from', 'to', 'status', 'source', 'assigned', 'course', 'parked', 'lang'],
    kpi: ['out', 'from', 'to', 'user', 'lang'],
    analytics: ['out', 'from', 'to', 'source', 'user', 'lang'],
  };
  const stray = Object.keys(f).find((k) => !allowed[what].includes(k));
  if (stray) throw new CliUsageError(`export ${what}: --${stray} does not apply (flags: ${allowed[what].map((k) => `--${k}`).join(', ')})`);
  const lang = f.lang === undefined ? 'uz' : oneOf('--lang', f.lang, LANGS);
  const fromFlag = f.from === undefined ? undefined : calendarDay('--from', f.from);
  const toFlag = f.to === undefined ? undefined : calendarDay('--to', f.to);
  if (fromFlag && toFlag && toFlag < fromFlag) throw new CliUsageError(`export: --to ${toFlag} is before --from ${fromFlag}`);
  const deps = ctx.services.deps;
  const userExists = async (flag: string, id: number) => {
    if (!(await deps.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst())) {
      throw new CliUsageError(`${flag}: no user with id ${id} (ids: npm run crm -- user list)`);
    }
    return id;
  };
  const userId = f.user === undefined ? undefined : await userExists('--user', positiveInt('--user', f.user));
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: deps.tz }).format(deps.clock.now());
  if (what === 'leads') {
    const assigned = f.assigned === undefined ? undefined : f.assigned.trim() === 'none' ? null : await userExists('--assigned', positiveIntOrNone(f.assigned));
    const courseId = f.course === undefined ? undefined : positiveInt('--course', f.course);
    if (courseId !== undefined && !(await deps.db.selectFrom('courses').select('id').where('id', '=', courseId).executeTakeFirst())) {
      throw new CliUsageError(`--course: no course with id ${courseId}`);
    }
    const n = await exportLeads(
      deps,
      out,
      {
        from: fromFlag,
        to: toFlag,
        status: f.status === undefined ? undefined : someOf('--status', f.status, STATUSES),
        source: f.source === undefined ? undefined : someOf('--source', f.source, SOURCES),
        assignedTo: assigned,
        courseId,
        parked: f.parked === undefined ? undefined : oneOf('--parked', f.parked.toLowerCase(), ['yes', 'no']) === 'yes',
      },
      { lang },
    );
    ctx.out(`${n} leads written to ${out}`);
    return 0;
  }
  // the month so far by default; a lone --to ends the period (from the first of its month), a lone --from starts it
  const from = fromFlag ?? `${(toFlag && toFlag < today ? toFlag : today).slice(0, 8)}01`;
  const to = toFlag ?? (fromFlag && fromFlag > today ? fromFlag : today);
  if (to < from) throw new CliUsageError(`export: --to ${to} is before --from ${from}`);
  if (what === 'kpi') {
    const n = await exportKpi(deps, out, { from, to, userId }, { lang });
    ctx.out(`${n} KPI rows (${from} … ${to}) written to ${out}`);
    return 0;
  }
  const source = f.source === undefined ? undefined : oneOf('--source', f.source, SOURCES);
  const result = await ctx.services.analytics.analytics({ from, to, salesId: userId, source });
  const counts = await writeTables(out, analyticsTables(result, lang));
  ctx.out(`analytics ${from} … ${to}: ${counts.length} sheets written to ${out}`);
  return 0;
}

function positiveIntOrNone(v: string): number {
  if (!/^\s*\d+\s*$/.test(v) || Number(v) < 1) throw new CliUsageError(`--assigned: "${v}" is not a user id or none`);
  return Number(v);
}
