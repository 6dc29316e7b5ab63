import React, { useEffect, useState } from 'react';
import { Box, H5, Text } from '@adminjs/design-system';
import { ApiClient, BasePropertyComponent, type ActionProps } from 'adminjs';

type Row = { userId: number; name: string; read: boolean; status: string; at: string };
type ReadStatus = { title: string; summary: string; headers: string[]; rows: Row[] };

const api = new ApiClient();
const cell: React.CSSProperties = { padding: '6px 10px', borderBottom: '1px solid #eeeef2', textAlign: 'left' };

/** A sent message with who has read it (refreshed every few seconds while the page is open). */
const CrmMessageShow: React.FC<ActionProps> = (props) => {
  const { resource, record } = props;
  const [status, setStatus] = useState<ReadStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!record?.id) return;
    let live = true;
    const load = () =>
      api
        .recordAction({ resourceId: resource.id, recordId: String(record.id), actionName: 'readStatus' })
        .then((res) => {
          const data = res.data as { crm?: { data?: ReadStatus }; notice?: { message: string } };
          if (!live) return;
          if (data.crm?.data) setStatus(data.crm.data);
          else setError(data.notice?.message ?? 'Error');
        })
        .catch((e: Error) => live && setError(e.message));
    void load();
    const timer = window.setInterval(load, 5000);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [record?.id]);

  return (
    <Box>
      {resource.showProperties.map((property) => (
        <BasePropertyComponent key={property.propertyPath} where="show" property={property} resource={resource} record={record} />
      ))}
      <Box mt="xxl" data-testid="read-status">
        {status ? <H5 mb="default">{status.title}</H5> : null}
        {status ? (
          <Text mb="lg" data-testid="read-summary">
            {status.summary}
          </Text>
        ) : null}
        {error ? <Text color="error">{error}</Text> : null}
        {status ? (
          <table style={{ borderCollapse: 'collapse', width: '100%' }}>
            <thead>
              <tr>
                {status.headers.map((h) => (
                  <th key={h} style={{ ...cell, fontWeight: 600 }}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {status.rows.map((r) => (
                <tr key={r.userId} data-testid={`recipient-${r.userId}`} data-read={r.read ? 'yes' : 'no'}>
                  <td style={cell}>{r.name}</td>
                  <td style={{ ...cell, color: r.read ? '#17663a' : '#7a5b00', fontWeight: 600 }}>{r.status}</td>
                  <td style={cell}>{r.at}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Box>
    </Box>
  );
};

export default CrmMessageShow;
