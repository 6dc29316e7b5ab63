import { enumLabels } from '../locale.js';
import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { followUpActions } from '../actions/ops-actions.js';
import { LEAD_STATUSES } from './leads.js';

const STATES = ['open', 'done', 'superseded'] as const;

const ACTIONS = ['bulkReschedule', 'bulkReassign', 'bulkComplete'];

/** Follow-ups: planned and closed by core; bulk reschedule/reassign/complete are core actions added here. */
export function followUpsResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'follow_ups',
      table: 'follow_ups',
      title: 'kind',
      defaultSort: { by: 'due_at', direction: 'asc' },
      columns: readOnly([
        col.id(),
        col.ref('lead_id', 'leads'),
        col.ref('sales_id', 'users'),
        col.instant('due_at'),
        col.text('kind'),
        col.oneOf('plan_status', LEAD_STATUSES),
        col.int('step'),
        col.ref('trial_id', 'trials'),
        col.oneOf('state', STATES),
        col.bool('overdue'),
        col.int('snooze_count'),
        col.instant('completed_at'),
        col.ref('completed_by', 'users'),
        col.instant('closed_at'),
        col.long('notes'),
        col.instant('created_at'),
      ]),
    },
    options: {
      navigation: NAV.sales,
      listProperties: ['id', 'lead_id', 'sales_id', 'due_at', 'kind', 'state', 'overdue', 'snooze_count'],
      filterProperties: ['state', 'overdue', 'sales_id', 'due_at', 'lead_id', 'plan_status'],
      actions: withActions(viewOnly(), followUpActions(deps)),
    },
    locale: {
      labels: (lang) => ({
        ...enumLabels(lang, 'plan_status', LEAD_STATUSES, 'status'),
        state: { uz: { open: 'Ochiq', done: 'Bajarildi', superseded: 'Bekor (holat o‘zgardi)' }, ru: { open: 'Открыто', done: 'Выполнено', superseded: 'Закрыто (статус сменился)' }, en: { open: 'Open', done: 'Done', superseded: 'Superseded' } }[lang],
      }),
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: 'Qayta aloqalar', properties: { due_at: 'Muddat', kind: 'Turi', plan_status: 'Reja holati', step: 'Qadam', trial_id: 'Sinov darsi', state: 'Holati', overdue: "Muddati o'tgan", snooze_count: 'Kechiktirildi', completed_at: 'Bajarilgan vaqti', completed_by: 'Bajargan', closed_at: 'Yopilgan' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Касания', properties: { due_at: 'Срок', kind: 'Вид', plan_status: 'Статус плана', step: 'Шаг', trial_id: 'Пробный урок', state: 'Состояние', overdue: 'Просрочено', snooze_count: 'Отложено раз', completed_at: 'Выполнено в', completed_by: 'Выполнил', closed_at: 'Закрыто' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Follow-ups', properties: { due_at: 'Due', kind: 'Kind', plan_status: 'Plan status', step: 'Step', trial_id: 'Trial', state: 'State', overdue: 'Overdue', snooze_count: 'Snoozed', completed_at: 'Completed at', completed_by: 'Completed by', closed_at: 'Closed at' } },
      },
    },
  };
}
