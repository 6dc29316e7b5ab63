import React, { useEffect, useState } from 'react';
import { Box, Button, H2, H5, Label, Text } from '@adminjs/design-system';
import { ApiClient } from 'adminjs';

// The home page: the period's analytics as charts (plain SVG, nothing loaded from elsewhere), each
// with the table it was drawn from, and an Excel download of exactly those rows. All words and
// labels come from the server in the reader's language; values are rendered as text.

type Cell = string | number | null;
type Kind = 'text' | 'number' | 'percent' | 'money';
type Section = { key: string; title: string; columns: { key: string; header: string; kind: Kind }[]; rows: Record<string, Cell>[] };
type Dashboard = { period: { from: string; to: string }; totals: { key: string; label: string; value: Cell; kind: Kind }[]; sections: Section[] };
type Ui = { title: string; from: string; to: string; apply: string; export: string; empty: string; totals: string; showTable: string };
type Answer = { ok: boolean; ui: Ui; dashboard?: Dashboard; exportPath?: string; error?: string };

const ROOT = '/admin';
const api = new ApiClient();
const PALETTE = ['#3040d6', '#e07b00', '#1b9e77', '#d6336c', '#7048e8', '#0b7285', '#f59f00', '#5c940d', '#868e96', '#c92a2a', '#495057'];

function fmt(v: Cell, kind: Kind): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number') {
    if (kind === 'money') return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
    return String(v);
  }
  return v;
}

const bandColour = (p: number) => (p >= 80 ? '#e03131' : p >= 50 ? '#f2b705' : '#2f9e44');

/** Columns per day, stacked by series. */
const Columns: React.FC<{ rows: Record<string, Cell>[]; x: string; series: { key: string; label: string }[]; testId: string }> = ({ rows, x, series, testId }) => {
  const W = 760;
  const H = 220;
  const pad = { l: 44, r: 8, t: 10, b: 34 };
  const totals = rows.map((r) => series.reduce((s, c) => s + Number(r[c.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const bw = (W - pad.l - pad.r) / Math.max(1, rows.length);
  const y = (v: number) => ((H - pad.t - pad.b) * v) / max;
  const every = Math.max(1, Math.ceil(rows.length / 10));
  return (
    <Box>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" data-testid={testId} style={{ maxWidth: W }}>
        <line x1={pad.l} y1={H - pad.b} x2={W - pad.r} y2={H - pad.b} stroke="#adb5bd" />
        <text x={pad.l - 6} y={pad.t + 8} textAnchor="end" fontSize="11" fill="#495057">
          {fmt(max, 'money')}
        </text>
        <text x={pad.l - 6} y={H - pad.b} textAnchor="end" fontSize="11" fill="#495057">
          0
        </text>
        {rows.map((r, i) => {
          let acc = 0;
          return (
            <g key={String(r[x])}>
              {series.map((s, j) => {
                const v = Number(r[s.key] ?? 0);
                if (!v) return null;
                const h = y(v);
                acc += h;
                return (
                  <rect key={s.key} x={pad.l + i * bw + 1} y={H - pad.b - acc} width={Math.max(1, bw - 2)} height={h} fill={PALETTE[j % PALETTE.length]}>
                    <title>{`${String(r[x])} · ${s.label}: ${v}`}</title>
                  </rect>
                );
              })}
              {i % every === 0 ? (
                <text x={pad.l + i * bw + bw / 2} y={H - pad.b + 16} textAnchor="middle" fontSize="10" fill="#495057">
                  {String(r[x]).slice(5)}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      {series.length > 1 ? (
        <Box flex flexDirection="row" style={{ flexWrap: 'wrap', gap: 12 }} mt="sm">
          {series.map((s, j) => (
            <Text key={s.key} fontSize="sm">
              <span style={{ display: 'inline-block', width: 10, height: 10, background: PALETTE[j % PALETTE.length], marginRight: 4 }} />
              {s.label}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
};

/** One horizontal bar per row. */
const Bars: React.FC<{ items: { label: string; value: number; text: string; colour?: string }[]; max?: number; testId: string }> = ({ items, max, testId }) => {
  const top = Math.max(1, max ?? Math.max(0, ...items.map((i) => i.value)));
  return (
    <Box data-testid={testId}>
      {items.map((it, i) => (
        <Box key={`${it.label}-${i}`} flex flexDirection="row" alignItems="center" mb="sm">
          <Text style={{ width: 200, flexShrink: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={it.label}>
            {it.label}
          </Text>
          <div style={{ flexGrow: 1, background: '#f1f3f5', height: 16, borderRadius: 3, margin: '0 8px' }}>
            <div style={{ width: `${Math.min(100, (100 * Math.max(0, it.value)) / top)}%`, height: 16, borderRadius: 3, background: it.colour ?? PALETTE[0] }} />
          </div>
          <Text style={{ width: 90, textAlign: 'right', flexShrink: 0 }}>{it.text}</Text>
        </Box>
      ))}
    </Box>
  );
};

const DataTable: React.FC<{ section: Section; label: string }> = ({ section, label }) => (
  <details style={{ marginTop: 16, overflowX: 'auto' }} data-testid={`details-${section.key}`}>
    <summary style={{ cursor: 'pointer', color: '#3040d6' }}>{label}</summary>
    <table data-testid={`table-${section.key}`} style={{ borderCollapse: 'collapse', width: '100%', fontSize: 13 }}>
      <thead>
        <tr>
          {section.columns.map((c) => (
            <th key={c.key} style={{ textAlign: c.kind === 'text' ? 'left' : 'right', padding: '4px 8px', borderBottom: '1px solid #dee2e6' }}>
              {c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {section.rows.map((r, i) => (
          <tr key={i}>
            {section.columns.map((c) => (
              <td key={c.key} style={{ textAlign: c.kind === 'text' ? 'left' : 'right', padding: '4px 8px', borderBottom: '1px solid #f1f3f5' }}>
                {fmt(r[c.key], c.kind)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  </details>
);

function Chart({ section }: { section: Section }) {
  const num = (v: Cell) => (typeof v === 'number' ? v : 0);
  const firstText = section.columns.find((c) => c.kind === 'text')?.key ?? section.columns[0].key;
  switch (section.key) {
    case 'leadsBySource':
      return (
        <Columns
          rows={section.rows}
          x="date"
          series={section.columns.filter((c) => c.key !== 'date' && c.key !== 'total').map((c) => ({ key: c.key, label: c.header }))}
          testId="chart-leadsBySource"
        />
      );
    case 'revenue':
      return <Columns rows={section.rows} x="date" series={[{ key: 'revenue', label: section.columns.find((c) => c.key === 'revenue')?.header ?? '' }]} testId="chart-revenue" />;
    case 'funnel':
    case 'lostReasons':
      return <Bars testId={`chart-${section.key}`} items={section.rows.map((r) => ({ label: String(r[firstText] ?? ''), value: num(r.count), text: String(r.count ?? 0) }))} />;
    case 'salespeople': {
      const conv = section.columns.find((c) => c.key === 'conversion');
      const resp = section.columns.find((c) => c.key === 'responseTime');
      return (
        <Box flex flexDirection="row" style={{ flexWrap: 'wrap', gap: 24 }}>
          <Box style={{ flex: '1 1 360px' }}>
            <Label>{conv?.header}</Label>
            <Bars testId="chart-conversion" max={100} items={section.rows.map((r) => ({ label: String(r.name), value: num(r.conversion), text: fmt(r.conversion, 'percent') }))} />
          </Box>
          <Box style={{ flex: '1 1 360px' }}>
            <Label>{resp?.header}</Label>
            <Bars testId="chart-response" items={section.rows.map((r) => ({ label: String(r.name), value: num(r.responseTime), text: fmt(r.responseTime, 'number'), colour: PALETTE[1] }))} />
          </Box>
        </Box>
      );
    }
    case 'groups':
      return (
        <Bars
          testId="chart-groups"
          max={100}
          items={section.rows.map((r) => ({ label: `${r.group} (${r.course})`, value: num(r.occupancy), text: `${fmt(r.occupancy, 'percent')}%`, colour: bandColour(num(r.occupancy)) }))}
        />
      );
    default:
      return null;
  }
}

const CrmDashboard: React.FC = () => {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [loading, setLoading] = useState(false);

  const load = async (params: { from?: string; to?: string }) => {
    setLoading(true);
    try {
      const res = await api.getDashboard({ params });
      const a = res.data as Answer;
      setAnswer(a);
      if (a.dashboard) {
        setFrom(a.dashboard.period.from);
        setTo(a.dashboard.period.to);
      }
    } catch (e) {
      setAnswer((prev) => ({ ok: false, ui: prev?.ui ?? ({} as Ui), error: (e as Error).message }));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load({});
  }, []);

  if (!answer) return <Box p="xxl">…</Box>;
  const { ui, dashboard: d } = answer;
  const exportHref = d ? `${ROOT}${answer.exportPath}?from=${encodeURIComponent(d.period.from)}&to=${encodeURIComponent(d.period.to)}` : '#';

  return (
    <Box variant="grey" p="xl" data-testid="dashboard">
      <Box variant="white" p="xl" mb="lg">
        <H2 mb="lg">{ui.title}</H2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void load({ from, to });
          }}
        >
          <Box flex flexDirection="row" alignItems="flex-end" style={{ flexWrap: 'wrap', gap: 16 }}>
            <Box>
              <Label htmlFor="dash-from">{ui.from}</Label>
              <input id="dash-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="dash-from" style={{ padding: 6 }} />
            </Box>
            <Box>
              <Label htmlFor="dash-to">{ui.to}</Label>
              <input id="dash-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="dash-to" style={{ padding: 6 }} />
            </Box>
            <Button type="submit" variant="contained" disabled={loading} data-testid="dash-apply">
              {ui.apply}
            </Button>
            {d ? (
              <a href={exportHref} download data-testid="dash-export" style={{ padding: '8px 12px', border: '1px solid #3040d6', borderRadius: 4, color: '#3040d6', textDecoration: 'none' }}>
                {ui.export}
              </a>
            ) : null}
          </Box>
        </form>
        {answer.error ? (
          <Text color="error" mt="lg" data-testid="dash-error">
            {answer.error}
          </Text>
        ) : null}
      </Box>
      {d ? (
        <>
          <Box flex flexDirection="row" style={{ flexWrap: 'wrap', gap: 12 }} mb="lg" data-testid="dash-totals">
            {d.totals.map((x) => (
              <Box key={x.key} variant="white" p="lg" style={{ minWidth: 150 }} data-testid={`total-${x.key}`}>
                <Text color="grey60" fontSize="sm">
                  {x.label}
                </Text>
                <Text fontSize="xl" fontWeight="bold">
                  {fmt(x.value, x.kind)}
                </Text>
              </Box>
            ))}
          </Box>
          {d.sections.map((s) => (
            <Box key={s.key} variant="white" p="xl" mb="lg" data-testid={`section-${s.key}`}>
              <H5 mb="lg">{s.title}</H5>
              {s.rows.length ? <Chart section={s} /> : <Text color="grey60">{ui.empty}</Text>}
              {s.rows.length ? <DataTable section={s} label={ui.showTable} /> : null}
            </Box>
          ))}
        </>
      ) : null}
    </Box>
  );
};

export default CrmDashboard;
