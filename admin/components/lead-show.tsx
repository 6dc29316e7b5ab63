import React, { useEffect, useState } from 'react';
import { Box, H5, Text } from '@adminjs/design-system';
import { ApiClient, BasePropertyComponent, type ActionProps } from 'adminjs';

type Row = { id: number; at: string; who: string; what: string; details: string };
type Timeline = { title: string; empty: string; headers: string[]; rows: Row[] };

const api = new ApiClient();
const cell: React.CSSProperties = { padding: '6px 10px', borderBottom: '1px solid #eeeef2', verticalAlign: 'top', textAlign: 'left' };

/**
 * A lead's page: its fields (as AdminJS shows them) and its timeline — who did what and when,
 * with names. Every string is printed as text (a lead named like HTML stays text).
 */
const CrmLeadShow: React.FC<ActionProps> = (props) => {
  const { resource, record } = props;
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!record?.id) return;
    let live = true;
    api
      .recordAction({ resourceId: resource.id, recordId: String(record.id), actionName: 'timeline' })
      .then((res) => {
        const data = (res.data as { crm?: { data?: Timeline }; notice?: { message: string } });
        if (!live) return;
        if (data.crm?.data) setTimeline(data.crm.data);
        else setError(data.notice?.message ?? 'Error');
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [record?.id, record?.params?.updated_at]);

  return (
    <Box flex flexDirection="row" style={{ flexWrap: 'wrap', gap: 32 }}>
      <Box style={{ flex: '1 1 360px' }}>
        {/* empty fields (UTM tags, enrollment data of an open lead…) would only push the timeline down */}
        {resource.showProperties
          .filter((p) => {
            const v = record?.params?.[p.propertyPath];
            return v !== null && v !== undefined && v !== '';
          })
          .map((property) => (
            <BasePropertyComponent key={property.propertyPath} where="show" property={property} resource={resource} record={record} />
          ))}
      </Box>
      <Box style={{ flex: '2 1 520px' }} data-testid="lead-timeline">
        {timeline ? <H5 mb="lg">{timeline.title}</H5> : null}
        {error ? <Text color="error">{error}</Text> : null}
        {timeline && !timeline.rows.length ? <Text>{timeline.empty}</Text> : null}
        {timeline && timeline.rows.length ? (
          <table style={{ borderCollapse: 'collapse', width: '100%' }}>
            <thead>
              <tr>
                {timeline.headers.map((h) => (
                  <th key={h} style={{ ...cell, fontWeight: 600 }}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {timeline.rows.map((r) => (
                <tr key={r.id} data-testid="timeline-row">
                  <td style={{ ...cell, whiteSpace: 'nowrap' }}>{r.at}</td>
                  <td style={cell}>{r.who}</td>
                  <td style={cell}>{r.what}</td>
                  <td style={cell}>{r.details}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </Box>
    </Box>
  );
};

export default CrmLeadShow;
