import React, { useEffect, useState } from 'react';
import { Box, Button, H3, Text } from '@adminjs/design-system';
import { ApiClient, useNotice, type ActionProps } from 'adminjs';

type Row = { job: string; what: string; pattern: string; lastRun: string; status: string; statusCode: string | null; duration: number | null; error: string };
type Overview = { title: string; runLabel: string; headers: Record<string, string>; rows: Row[] };

const api = new ApiClient();
const cell: React.CSSProperties = { padding: '8px 10px', borderBottom: '1px solid #eeeef2', textAlign: 'left', verticalAlign: 'top' };
const colour = (s: string | null) => (s === 'ok' ? '#17663a' : s === 'failed' ? '#a4161a' : '#7a5b00');

/** Every scheduled job with its last run (when, outcome, duration, error) and a "run now" button. */
const CrmJobs: React.FC<ActionProps> = (props) => {
  const [data, setData] = useState<Overview | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const addNotice = useNotice();

  useEffect(() => {
    api
      .resourceAction({ resourceId: props.resource.id, actionName: 'jobs' })
      .then((res) => {
        const d = res.data as { crm?: { data?: Overview }; notice?: { message: string } };
        if (d.crm?.data) setData(d.crm.data);
        else setError(d.notice?.message ?? 'Error');
      })
      .catch((e: Error) => setError(e.message));
  }, []);

  const run = async (job: string) => {
    setRunning(job);
    try {
      const body = new FormData();
      body.append('job', job);
      const res = await api.resourceAction({ resourceId: props.resource.id, actionName: 'jobs', data: body });
      const d = res.data as { crm?: { data?: Overview }; notice?: { message: string; type?: 'success' | 'error' | 'info' } };
      if (d.notice) addNotice(d.notice as never);
      if (d.crm?.data) setData(d.crm.data);
    } finally {
      setRunning(null);
    }
  };

  if (error) return <Text color="error" m="xl">{error}</Text>;
  if (!data) return <Box p="xl">…</Box>;
  const h = data.headers;
  return (
    <Box variant="white" p="xl" m="lg" data-testid="jobs">
      <H3 mb="xl">{data.title}</H3>
      <table style={{ borderCollapse: 'collapse', width: '100%' }}>
        <thead>
          <tr>
            {[h.job, h.what, h.pattern, h.lastRun, h.status, h.duration, h.error, ''].map((x, i) => (
              <th key={i} style={{ ...cell, fontWeight: 600 }}>
                {x}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.rows.map((r) => (
            <tr key={r.job} data-testid={`job-${r.job}`}>
              <td style={{ ...cell, fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{r.job}</td>
              <td style={cell}>{r.what}</td>
              <td style={{ ...cell, fontFamily: 'monospace', whiteSpace: 'nowrap' }}>{r.pattern}</td>
              <td style={{ ...cell, whiteSpace: 'nowrap' }} data-testid="last-run">
                {r.lastRun}
              </td>
              <td style={{ ...cell, color: colour(r.statusCode), fontWeight: 600 }} data-testid="job-status">
                {r.status}
              </td>
              <td style={cell}>{r.duration ?? ''}</td>
              <td style={{ ...cell, color: '#a4161a', maxWidth: 320, wordBreak: 'break-word' }}>{r.error}</td>
              <td style={{ ...cell, whiteSpace: 'nowrap' }}>
                <Button size="sm" variant="outlined" disabled={running !== null} onClick={() => void run(r.job)} data-testid={`run-${r.job}`}>
                  {data.runLabel}
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Box>
  );
};

export default CrmJobs;
