import React from 'react';
import { Badge } from '@adminjs/design-system';
import type { ShowPropertyProps } from 'adminjs';

// SPEC §6.1: below 50% green, 50% to below 80% yellow, 80% and above red
const colourOf = (p: number) => (p >= 80 ? 'danger' : p >= 50 ? 'secondary' : 'success');
const background = (p: number) => (p >= 80 ? '#fde2e1' : p >= 50 ? '#fff4cc' : '#dcf5e3');
const text = (p: number) => (p >= 80 ? '#a4161a' : p >= 50 ? '#7a5b00' : '#17663a');

const Occupancy: React.FC<ShowPropertyProps> = ({ record, property }) => {
  const raw = record?.params?.[property.path];
  if (raw === undefined || raw === null || raw === '') return null;
  const p = Number(raw);
  return (
    <Badge variant={colourOf(p) as never} style={{ background: background(p), color: text(p), border: 'none' }} data-occupancy={p}>
      {`${p}%`}
    </Badge>
  );
};

export default Occupancy;
