import { col, NAV, readOnly, viewOnly, type AdminResource } from '../resource-kit.js';

/** Daily KPI rows, computed by core at 23:59 (SPEC §6.3); recompute is a core action added here. */
export function kpiDailyResource(): AdminResource {
  return {
    spec: {
      id: 'kpi_daily',
      table: 'kpi_daily',
      title: 'date',
      defaultSort: { by: 'date', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.ref('user_id', 'users'),
        col.date('date'),
        col.int('daily_contacts'),
        col.int('daily_followups'),
        col.int('followup_completion_rate'),
        col.int('trials_registered'),
        col.int('trials_to_sales'),
        col.int('conversion_rate'),
        col.int('response_time'),
        col.int('overdue_count'),
        col.bool('on_leave'),
        col.instant('computed_at'),
      ]),
    },
    options: {
      navigation: NAV.team,
      listProperties: ['date', 'user_id', 'daily_contacts', 'daily_followups', 'followup_completion_rate', 'trials_registered', 'trials_to_sales', 'conversion_rate', 'response_time', 'overdue_count'],
      filterProperties: ['date', 'user_id', 'on_leave'],
      actions: viewOnly(),
    },
    locale: {
      words: {
        uz: { name: 'KPI (kunlik)', properties: { daily_contacts: 'Aloqalar', daily_followups: 'Bajarilgan aloqalar', followup_completion_rate: 'Bajarilish ulushi', trials_registered: 'Sinovga yozilganlar', trials_to_sales: 'Sinovdan sotuv', conversion_rate: 'Konversiya', response_time: 'Javob vaqti (daq.)', overdue_count: "Muddati o'tganlar", on_leave: "Ta'til/yo'q", computed_at: 'Hisoblangan' } },
        ru: { name: 'KPI (по дням)', properties: { daily_contacts: 'Контакты', daily_followups: 'Выполнено касаний', followup_completion_rate: 'Доля выполнения', trials_registered: 'Записей на пробный', trials_to_sales: 'Продаж после пробного', conversion_rate: 'Конверсия', response_time: 'Время ответа (мин)', overdue_count: 'Просрочено', on_leave: 'Отпуск/отсутствие', computed_at: 'Рассчитано' } },
        en: { name: 'KPI (daily)', properties: { daily_contacts: 'Contacts', daily_followups: 'Follow-ups done', followup_completion_rate: 'Completion rate', trials_registered: 'Trials booked', trials_to_sales: 'Trials to sales', conversion_rate: 'Conversion', response_time: 'Response time (min)', overdue_count: 'Overdue', on_leave: 'On leave/absent', computed_at: 'Computed at' } },
      },
    },
  };
}
