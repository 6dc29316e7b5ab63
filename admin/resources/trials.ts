import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { trialActions } from '../actions/ops-actions.js';

const RESULTS = ['attended', 'not_attended', 'offer_sent', 'accepted', 'rejected'] as const;

const ACTIONS = ['correctResult'];

/** Trial lessons: booked, moved and resulted through core (seat checks, reminders, status moves). */
export function trialsResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'trials',
      table: 'trials',
      title: 'date',
      defaultSort: { by: 'starts_at', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.ref('lead_id', 'leads'),
        col.ref('group_id', 'study_groups'),
        col.ref('sales_id', 'users'),
        col.date('date'),
        col.text('time'),
        col.ref('room_id', 'rooms'),
        col.instant('starts_at'),
        col.instant('ends_at'),
        col.oneOf('result', RESULTS),
        col.bool('cancelled'),
        col.long('notes'),
        col.ref('booked_by', 'users'),
        col.instant('booked_at'),
      ]),
    },
    options: {
      navigation: NAV.sales,
      listProperties: ['id', 'lead_id', 'group_id', 'sales_id', 'date', 'time', 'result', 'cancelled'],
      filterProperties: ['date', 'group_id', 'sales_id', 'result', 'cancelled', 'lead_id'],
      actions: withActions(viewOnly(), trialActions(deps)),
    },
    locale: {
      labels: (lang) => ({
        result: {
          uz: { attended: 'Keldi', not_attended: 'Kelmadi', offer_sent: 'Taklif yuborildi', accepted: 'Qabul qildi', rejected: 'Rad etdi' },
          ru: { attended: 'Пришёл', not_attended: 'Не пришёл', offer_sent: 'Предложение отправлено', accepted: 'Принял', rejected: 'Отказался' },
          en: { attended: 'Attended', not_attended: 'Not attended', offer_sent: 'Offer sent', accepted: 'Accepted', rejected: 'Rejected' },
        }[lang],
      }),
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: 'Sinov darslari', properties: { starts_at: 'Boshlanishi', ends_at: 'Tugashi', result: 'Natija', cancelled: 'Bekor qilingan', booked_by: 'Yozgan', booked_at: 'Yozilgan vaqti' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Пробные уроки', properties: { starts_at: 'Начало', ends_at: 'Конец', result: 'Результат', cancelled: 'Отменён', booked_by: 'Записал', booked_at: 'Записан в' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Trial lessons', properties: { starts_at: 'Starts', ends_at: 'Ends', result: 'Result', cancelled: 'Cancelled', booked_by: 'Booked by', booked_at: 'Booked at' } },
      },
    },
  };
}
