import { enumLabels } from '../locale.js';
import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { leadActions } from '../actions/lead-actions.js';

export const LEAD_STATUSES = [
  'new', 'contacted', 'interested', 'trial_registered', 'trial_attended', 'trial_not_attended', 'offer_sent', 'enrolled', 'lost', 'reactivation',
] as const;
export const LEAD_SOURCES = [
  'instagram', 'telegram', 'youtube', 'organic', 'form', 'excel', 'google_sheets', 'walk_in', 'phone_call', 'referral', 'other',
] as const;
const LOST_REASONS = ['price', 'schedule', 'other_center', 'no_answer', 'not_interested', 'wrong_number', 'left', 'other'] as const;

const ACTIONS = ['createLead', 'editDetails', 'deleteLead', 'reassign', 'bulkReassign', 'merge', 'releaseParked', 'releaseParkedMany', 'correctStatus', 'markLost', 'timeline'];

/**
 * Leads. Every change to a lead has business rules (events, follow-ups, outbox), so the table is
 * read through the adapter and written only through core: intake, status, reassign, merge and
 * release are actions of this resource that call `services.leads` (added with the lead core).
 * Names are plain text columns: AdminJS renders them as text, never as HTML.
 */
export function leadsResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'leads',
      table: 'leads',
      title: 'name',
      defaultSort: { by: 'id', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.text('name'),
        col.text('phone'),
        col.text('phone2'),
        col.oneOf('status', LEAD_STATUSES),
        col.oneOf('source', LEAD_SOURCES),
        col.ref('course_id', 'courses'),
        col.ref('assigned_to', 'users'),
        col.bool('parked'),
        col.text('student_name'),
        col.int('student_age'),
        col.text('student_level'),
        col.long('notes'),
        col.oneOf('lost_reason', LOST_REASONS),
        col.text('lost_reason_text'),
        col.ref('group_id', 'study_groups'),
        col.int('agreed_price'),
        col.ref('offer_id', 'offers'),
        col.text('utm_source'),
        col.text('utm_medium'),
        col.text('utm_campaign'),
        col.text('utm_content'),
        col.text('utm_term'),
        col.ref('previous_assignee', 'users'),
        col.ref('created_by', 'users'),
        col.instant('created_at'),
        col.instant('updated_at'),
        col.instant('status_at'),
        col.instant('assigned_at'),
        col.instant('first_contact_at'),
        col.instant('lost_at'),
        col.instant('enrolled_at'),
        col.int('merged_into'),
      ]),
    },
    options: {
      navigation: NAV.sales,
      listProperties: ['id', 'name', 'phone', 'status', 'source', 'course_id', 'assigned_to', 'created_at'],
      filterProperties: ['status', 'source', 'assigned_to', 'created_at', 'name', 'phone', 'course_id', 'parked', 'lost_reason'],
      actions: withActions(viewOnly(), leadActions(deps)),
    },
    locale: {
      labels: (lang) => ({
        ...enumLabels(lang, 'status', LEAD_STATUSES, 'status'),
        ...enumLabels(lang, 'source', LEAD_SOURCES, 'source'),
        ...enumLabels(lang, 'lost_reason', LOST_REASONS, 'lost'),
      }),
      words: {
        uz: {
          actions: actionLabels('uz', ACTIONS), name: 'Lidlar',
          properties: {
            name: 'Ism', phone: 'Telefon', phone2: 'Qo‘shimcha telefon', status: 'Holat', source: 'Manba', assigned_to: 'Mas’ul sotuvchi', parked: 'Kutishda (import)',
            student_name: "O'quvchi ismi", student_age: "O'quvchi yoshi", student_level: 'Daraja', lost_reason: 'Yo‘qotish sababi', lost_reason_text: 'Sabab izohi',
            agreed_price: 'Kelishilgan narx', offer_id: 'Taklif', previous_assignee: 'Oldingi sotuvchi', created_by: 'Kiritgan', status_at: 'Holat vaqti',
            assigned_at: 'Biriktirilgan', first_contact_at: 'Birinchi aloqa', lost_at: 'Yo‘qotilgan vaqti', enrolled_at: 'Yozilgan vaqti', merged_into: 'Birlashtirilgan (ID)',
          },
        },
        ru: {
          actions: actionLabels('ru', ACTIONS), name: 'Лиды',
          properties: {
            name: 'Имя', phone: 'Телефон', phone2: 'Доп. телефон', status: 'Статус', source: 'Источник', assigned_to: 'Ответственный', parked: 'Отложен (импорт)',
            student_name: 'Имя ученика', student_age: 'Возраст ученика', student_level: 'Уровень', lost_reason: 'Причина потери', lost_reason_text: 'Комментарий к причине',
            agreed_price: 'Согласованная цена', offer_id: 'Предложение', previous_assignee: 'Прежний продавец', created_by: 'Кто внёс', status_at: 'Статус с',
            assigned_at: 'Назначен', first_contact_at: 'Первый контакт', lost_at: 'Потерян', enrolled_at: 'Записан', merged_into: 'Объединён с (ID)',
          },
        },
        en: {
          actions: actionLabels('en', ACTIONS), name: 'Leads',
          properties: {
            name: 'Name', phone: 'Phone', phone2: 'Second phone', status: 'Status', source: 'Source', assigned_to: 'Assigned to', parked: 'Parked (import)',
            student_name: 'Student name', student_age: 'Student age', student_level: 'Level', lost_reason: 'Lost reason', lost_reason_text: 'Lost reason note',
            agreed_price: 'Agreed price', offer_id: 'Offer', previous_assignee: 'Previous salesperson', created_by: 'Entered by', status_at: 'Status since',
            assigned_at: 'Assigned at', first_contact_at: 'First contact', lost_at: 'Lost at', enrolled_at: 'Enrolled at', merged_into: 'Merged into (id)',
          },
        },
      },
    },
  };
}
