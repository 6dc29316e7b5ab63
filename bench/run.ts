// `npm run bench [-- name …]`: every figure of shared/BENCH.md this project measures, or only the named ones.
// Each module exports `figures` (the names it prints) and `run(names)`.
type BenchModule = { figures: string[]; run(names: string[]): Promise<void> };

const modules: Record<string, () => Promise<BenchModule>> = {
  intake: () => import('./intake.js'),
  scans: () => import('./scans.js'),
  telegram: () => import('./telegram-delivery.js'),
  landing: () => import('./landing-intake.js'),
  my_leads: () => import('./my-leads.js'),
  kpi_day: () => import('./kpi-day.js'),
  analytics_period: () => import('./analytics-period.js'),
  admin_list: () => import('./admin-list.js'),
  xlsx_import: () => import('./xlsx-import.js'),
  miniapp: () => import('./miniapp.js'),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let matched = 0;
for (const [key, load] of Object.entries(modules)) {
  const mod = await load();
  const names = wanted.length ? mod.figures.filter((f) => wanted.includes(f)) : mod.figures;
  if (!names.length) continue;
  matched += names.length;
  process.stdout.write(`# ${key}: ${names.join(', ')}\n`);
  await mod.run(names);
}
if (wanted.length && matched === 0) {
  process.stderr.write(`no such figure: ${wanted.join(', ')}\n`);
  process.exit(1);
}
