import React, { useEffect, useRef, useState } from 'react';
import { Box, Button, H3, H5, Text } from '@adminjs/design-system';

type Option = { value: string; label: string };
type ImportRow = {
  id: number;
  kind: string;
  fileName: string | null;
  status: string;
  statusText: string;
  progress: number;
  createdAt: string;
  error: string | null;
  counts: { new: number; duplicate: number; invalid: number };
  commit: { created: number; touched: number } | null;
};
type SheetsState = { lastRow: number; lastSuccessAt: string | null; retryAt: string | null; lastError: { kind: string; message: string; at: string } | null };
type State = {
  ui: Record<string, string>;
  maxMb: number;
  imports: ImportRow[];
  sheets: SheetsState | null;
  filters: { statuses: Option[]; sources: Option[]; salespeople: Option[] };
  period: { from: string; to: string };
};
type DryRun = { importId: number; fileName: string; counts: { new: number; duplicate: number; invalid: number }; invalid: { rowNo: number; reason: string }[] };

// the back office lives under /admin (admin/admin.ts ROOT_PATH)
const ROOT = '/admin';
const cell: React.CSSProperties = { padding: '6px 10px', borderBottom: '1px solid #eeeef2', textAlign: 'left', verticalAlign: 'top' };
const fmt = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : '');

async function json<T>(res: Response): Promise<T> {
  const body = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

/** Import / Export page: upload → dry-run counts → commit with progress; imports list; Sheets status; exports. */
const CrmImports: React.FC = () => {
  const [state, setState] = useState<State | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [dry, setDry] = useState<DryRun | null>(null);
  const [distribute, setDistribute] = useState(false);
  const [running, setRunning] = useState<ImportRow | null>(null);
  const [exp, setExp] = useState({ status: '', source: '', assigned: '' });
  const [period, setPeriod] = useState({ from: '', to: '' });
  const fileRef = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = () =>
    fetch(`${ROOT}/imports/state`, { credentials: 'same-origin' })
      .then((r) => json<State>(r))
      .then((s) => {
        setState(s);
        setPeriod((p) => (p.from ? p : s.period));
      })
      .catch((e: Error) => setError(e.message));

  useEffect(() => {
    void load();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const upload = async () => {
    const file = fileRef.current?.files?.[0];
    if (!file) return setError(state?.ui.noFile ?? 'file?');
    setBusy(true);
    setError(null);
    setDry(null);
    setRunning(null);
    try {
      const body = new FormData();
      body.append('file', file);
      const res = await fetch(`${ROOT}/imports/upload`, { method: 'POST', body, credentials: 'same-origin' });
      setDry(await json<DryRun>(res));
      void load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const poll = (id: number) => {
    fetch(`${ROOT}/imports/${id}/progress`, { credentials: 'same-origin' })
      .then((r) => json<ImportRow>(r))
      .then((row) => {
        setRunning(row);
        if (row.status === 'committing') timer.current = setTimeout(() => poll(id), 400);
        else void load();
      })
      .catch((e: Error) => setError(e.message));
  };

  const commit = async () => {
    if (!dry) return;
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`${ROOT}/imports/${dry.importId}/commit`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ distributeNow: distribute }),
      });
      await json(res);
      setRunning({ id: dry.importId, status: 'committing', progress: 0 } as ImportRow);
      poll(dry.importId);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (!state) return <Box p="xl">{error ? <Text color="error">{error}</Text> : '…'}</Box>;
  const u = state.ui;
  const leadsHref = `${ROOT}/exports/leads.xlsx?${new URLSearchParams(Object.entries(exp).filter(([, v]) => v !== '')).toString()}`;
  const kpiHref = `${ROOT}/exports/kpi.xlsx?${new URLSearchParams(period).toString()}`;
  const select = (key: keyof typeof exp, label: string, options: Option[], extra: Option[] = []) => (
    <label style={{ marginRight: 16, display: 'inline-block' }}>
      {label}{' '}
      <select data-testid={`exp-${key}`} value={exp[key]} onChange={(e) => setExp({ ...exp, [key]: e.target.value })}>
        <option value="">{u['export.any']}</option>
        {[...extra, ...options].map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <Box p="lg" data-testid="imports-page">
      <Box variant="white" p="xl" mb="lg">
        <H3>{u.title}</H3>
        <Text mb="lg">{u.hint.replace('{mb}', String(state.maxMb))}</Text>
        <input ref={fileRef} type="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" data-testid="import-file" />{' '}
        <Button variant="contained" disabled={busy} onClick={() => void upload()} data-testid="import-upload">
          {busy && !dry ? u.checking : u.upload}
        </Button>
        {error && (
          <Text color="error" mt="lg" data-testid="import-error">
            {error}
          </Text>
        )}
        {dry && (
          <Box mt="xl" data-testid="dry-run">
            <H5>{dry.fileName}</H5>
            <table style={{ borderCollapse: 'collapse', marginBottom: 12 }}>
              <tbody>
                <tr>
                  <th style={cell}>{u.new}</th>
                  <td style={cell} data-testid="count-new">{dry.counts.new}</td>
                  <th style={cell}>{u.duplicate}</th>
                  <td style={cell} data-testid="count-duplicate">{dry.counts.duplicate}</td>
                  <th style={cell}>{u.invalid}</th>
                  <td style={cell} data-testid="count-invalid">{dry.counts.invalid}</td>
                </tr>
              </tbody>
            </table>
            {dry.invalid.length > 0 && (
              <table style={{ borderCollapse: 'collapse', marginBottom: 12 }} data-testid="invalid-rows">
                <thead>
                  <tr>
                    <th style={cell}>{u.row}</th>
                    <th style={cell}>{u.reason}</th>
                  </tr>
                </thead>
                <tbody>
                  {dry.invalid.map((r) => (
                    <tr key={r.rowNo}>
                      <td style={cell}>{r.rowNo}</td>
                      <td style={cell}>{r.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {dry.counts.invalid > 0 && (
              <p>
                <a href={`${ROOT}/imports/${dry.importId}/errors.xlsx`} data-testid="error-report" download>
                  {u.errorReport}
                </a>
              </p>
            )}
            <p>
              <label>
                <input type="checkbox" checked={distribute} onChange={(e) => setDistribute(e.target.checked)} data-testid="distribute-now" /> {u.distributeNow}
              </label>
            </p>
            <Button variant="contained" disabled={busy || running !== null} onClick={() => void commit()} data-testid="import-commit">
              {u.commit}
            </Button>
            {running && (
              <Box mt="lg" data-testid="commit-progress">
                <Text>
                  {u.progress}: <span data-testid="progress-percent">{running.progress}%</span>
                </Text>
                <div style={{ background: '#eeeef2', height: 10, width: 320, borderRadius: 5 }}>
                  <div style={{ background: '#3040d6', height: 10, width: `${running.progress * 3.2}px`, borderRadius: 5 }} />
                </div>
                {running.status === 'committed' && running.commit && (
                  <Text mt="md" data-testid="commit-done">
                    {u.done.replace('{created}', String(running.commit.created)).replace('{touched}', String(running.commit.touched))}
                  </Text>
                )}
                {running.status === 'failed' && (
                  <Text mt="md" color="error" data-testid="commit-failed">
                    {u.failed.replace('{error}', running.error ?? '')}
                  </Text>
                )}
              </Box>
            )}
          </Box>
        )}
      </Box>

      {state.sheets && (
        <Box variant="white" p="xl" mb="lg" data-testid="sheets-status">
          <H3>{u.sheets}</H3>
          <Text>
            {u['sheets.lastSuccess']}: {fmt(state.sheets.lastSuccessAt) || u['sheets.never']} · {u['sheets.lastRow']}: {state.sheets.lastRow}
          </Text>
          {state.sheets.lastError ? (
            <Text color="error" data-testid="sheets-error">
              {u['sheets.lastError']} ({fmt(state.sheets.lastError.at)}): {state.sheets.lastError.message}
              {state.sheets.retryAt ? ` · ${u['sheets.retryAt']}: ${fmt(state.sheets.retryAt)}` : ''}
            </Text>
          ) : (
            <Text>{u['sheets.ok']}</Text>
          )}
        </Box>
      )}

      <Box variant="white" p="xl" mb="lg">
        <H3>{u.export}</H3>
        <H5>{u['export.leads']}</H5>
        <Box mb="lg">
          {select('status', u['export.status'], state.filters.statuses)}
          {select('source', u['export.source'], state.filters.sources)}
          {select('assigned', u['export.assigned'], state.filters.salespeople, [{ value: 'none', label: u['export.unassigned'] }])}
          <a href={leadsHref} data-testid="export-leads" download>
            {u['export.download']}
          </a>
        </Box>
        <H5>{u['export.kpi']}</H5>
        <Box>
          <label style={{ marginRight: 16 }}>
            {u['export.from']} <input type="date" value={period.from} onChange={(e) => setPeriod({ ...period, from: e.target.value })} data-testid="kpi-from" />
          </label>
          <label style={{ marginRight: 16 }}>
            {u['export.to']} <input type="date" value={period.to} onChange={(e) => setPeriod({ ...period, to: e.target.value })} data-testid="kpi-to" />
          </label>
          <a href={kpiHref} data-testid="export-kpi" download>
            {u['export.download']}
          </a>
        </Box>
      </Box>

      <Box variant="white" p="xl" data-testid="imports-history">
        <H3>{u.history}</H3>
        <table style={{ borderCollapse: 'collapse', width: '100%' }}>
          <thead>
            <tr>
              {[u['col.id'], u['col.file'], u['col.kind'], u['col.status'], u['col.created'], u['col.counts'], u['col.result']].map((h, i) => (
                <th key={i} style={{ ...cell, fontWeight: 600 }}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {state.imports.map((r) => (
              <tr key={r.id} data-testid={`import-${r.id}`}>
                <td style={cell}>{r.id}</td>
                <td style={cell}>{r.fileName ?? ''}</td>
                <td style={cell}>{r.kind}</td>
                <td style={cell}>
                  {r.statusText}
                  {r.status === 'committing' ? ` ${r.progress}%` : ''}
                </td>
                <td style={cell}>{fmt(r.createdAt)}</td>
                <td style={cell}>
                  {r.counts.new} / {r.counts.duplicate} / {r.counts.invalid}
                </td>
                <td style={{ ...cell, color: r.error ? '#a4161a' : undefined }}>
                  {r.error ?? (r.commit ? u.done.replace('{created}', String(r.commit.created)).replace('{touched}', String(r.commit.touched)) : '')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Box>
    </Box>
  );
};

export default CrmImports;
