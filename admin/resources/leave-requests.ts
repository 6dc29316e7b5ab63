import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { leaveActions } from '../actions/team-actions.js';

const STATUSES = ['pending', 'approved', 'rejected', 'cancelled'] as const;

const ACTIONS = ['approve', 'reject'];

/** Leave requests: approve / reject (with reason) are core actions added here (they move follow-ups). */
export function leaveRequestsResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'leave_requests',
      table: 'leave_requests',
      title: 'start_date',
      defaultSort: { by: 'id', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.ref('user_id', 'users'),
        col.date('start_date'),
        col.date('end_date'),
        col.text('start_time'),
        col.text('end_time'),
        col.long('reason'),
        col.oneOf('status', STATUSES),
        col.ref('decided_by', 'users'),
        col.instant('decided_at'),
        col.long('rejection_reason'),
        col.instant('created_at'),
      ]),
    },
    options: {
      navigation: NAV.team,
      listProperties: ['id', 'user_id', 'start_date', 'end_date', 'start_time', 'end_time', 'status', 'created_at'],
      filterProperties: ['status', 'user_id', 'start_date'],
      actions: withActions(viewOnly(), leaveActions(deps)),
    },
    locale: {
      labels: (lang) => ({
        status: {
          uz: { pending: 'Kutilmoqda', approved: 'Tasdiqlandi', rejected: 'Rad etildi', cancelled: 'Bekor qilindi' },
          ru: { pending: 'Ожидает', approved: 'Одобрено', rejected: 'Отклонено', cancelled: 'Отменено' },
          en: { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', cancelled: 'Cancelled' },
        }[lang],
      }),
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: "Ta'til so'rovlari", properties: { start_date: 'Boshlanish sanasi', end_date: 'Tugash sanasi', start_time: 'Boshlanish vaqti', end_time: 'Tugash vaqti', reason: 'Sabab', decided_by: 'Qaror qilgan', decided_at: 'Qaror vaqti', rejection_reason: 'Rad etish sababi' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Заявки на отпуск', properties: { start_date: 'Дата начала', end_date: 'Дата конца', start_time: 'Время начала', end_time: 'Время конца', reason: 'Причина', decided_by: 'Решил', decided_at: 'Решено', rejection_reason: 'Причина отказа' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Leave requests', properties: { start_date: 'Start date', end_date: 'End date', start_time: 'Start time', end_time: 'End time', reason: 'Reason', decided_by: 'Decided by', decided_at: 'Decided at', rejection_reason: 'Rejection reason' } },
      },
    },
  };
}
