import { col, NAV, readOnly, viewOnly, type AdminResource } from '../resource-kit.js';

const TYPES = ['7_days', '14_days', '30_days'] as const;

/** Reactivation milestones written by the daily job (SPEC §6.4). */
export function reactivationsResource(): AdminResource {
  return {
    spec: {
      id: 'reactivations',
      table: 'reactivations',
      title: 'type',
      defaultSort: { by: 'sent_at', direction: 'desc' },
      columns: readOnly([col.id(), col.ref('lead_id', 'leads'), col.instant('lost_at'), col.oneOf('type', TYPES), col.instant('sent_at'), col.text('result')]),
    },
    options: {
      navigation: NAV.sales,
      listProperties: ['id', 'lead_id', 'type', 'lost_at', 'sent_at', 'result'],
      filterProperties: ['type', 'sent_at', 'lead_id'],
      actions: viewOnly(),
    },
    locale: {
      labels: (lang) => ({
        type: { uz: { '7_days': '7 kun', '14_days': '14 kun', '30_days': '30 kun' }, ru: { '7_days': '7 дней', '14_days': '14 дней', '30_days': '30 дней' }, en: { '7_days': '7 days', '14_days': '14 days', '30_days': '30 days' } }[lang],
      }),
      words: {
        uz: { name: 'Reaktivatsiya', properties: { lost_at: 'Yo‘qotilgan vaqti', type: 'Bosqich', sent_at: 'Yuborilgan', result: 'Natija' } },
        ru: { name: 'Реактивация', properties: { lost_at: 'Потерян', type: 'Этап', sent_at: 'Отправлено', result: 'Результат' } },
        en: { name: 'Reactivations', properties: { lost_at: 'Lost at', type: 'Milestone', sent_at: 'Sent at', result: 'Result' } },
      },
    },
  };
}
