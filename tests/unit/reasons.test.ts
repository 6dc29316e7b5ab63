import { describe, expect, it } from 'vitest';
import { reasonKey } from '../../core/leads/reasons.js';
import { LOST_REASONS } from '../../core/leads/statuses.js';
import { reasonFor, type Candidate } from '../../core/distribution/distribution.js';
import miniapp from '../../core/i18n/catalogs/miniapp.js';
import common from '../../core/i18n/catalogs/common.js';

const cand = (id: number, open: number, last: string | null): Candidate =>
  ({ id, full_name: `S${id}`, role: 'sales', telegram_chat_id: null, work_start: '09:00', work_end: '18:00', work_days: '[1,2,3,4,5,6]', course_ids: '[]', open_lead_count: open, last_assigned_at: last, language: 'uz', overdueCount: 0 }) as Candidate;

describe('event reasons a salesperson reads in their language', () => {
  it('the reasons core writes map to catalog entries present in uz, ru and en; free text stays as written', () => {
    const a = cand(1, 3, '2026-11-20T05:00:00.000Z');
    const b = cand(2, 3, '2026-11-21T05:00:00.000Z');
    const written = [
      reasonFor(a, [a, b]),
      reasonFor(a, [a]),
      'entered by the salesperson: stays theirs',
      'returning lead: back to its previous salesperson',
      'nobody available',
      'handover: Aziza K. deactivated; ' + reasonFor(a, [a, b]),
      'released to this salesperson (manager release)',
      'bulk reassignment by a manager',
      'price',
      'other_center',
    ];
    const keys = written.map((r) => reasonKey(r, LOST_REASONS));
    expect(keys).toEqual(['reason.auto', 'reason.auto', 'reason.own', 'reason.returning', 'reason.nobody', 'reason.handover', 'reason.released_to', 'reason.bulk', 'lost.price', 'lost.other_center']);
    for (const key of keys) for (const lang of ['uz', 'ru', 'en'] as const) expect(({ ...common[lang], ...miniapp[lang] } as Record<string, string>)[key!], `${lang} ${key}`).toBeTruthy();
    expect(reasonKey('client asked to call his mother instead', LOST_REASONS)).toBeNull();
  });
});
