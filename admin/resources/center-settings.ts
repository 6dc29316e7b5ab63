import { col, isAdmin, isStaff, NAV, type AdminResource } from '../resource-kit.js';

const nobody = () => false;

/** The one row of center settings: admins edit, managers view (SPEC §10). */
export function centerSettingsResource(): AdminResource {
  return {
    spec: {
      id: 'center_settings',
      table: 'center_settings',
      title: 'center_name',
      columns: [
        col.id(),
        col.text('center_name', { required: true, maxLength: 200 }),
        col.text('address', { maxLength: 500 }),
        col.text('map_link', { maxLength: 1000, pattern: { regex: /^https?:\/\/\S+$/, message: 'fieldBadFormat' } }),
        col.text('contact_phone', { maxLength: 40 }),
        col.time('default_work_start', { required: true }),
        col.time('default_work_end', { required: true }),
        col.text('default_work_days', { required: true, pattern: { regex: /^\[\s*[1-7](\s*,\s*[1-7])*\s*\]$/, message: 'fieldDays' } }),
        col.int('first_response_minutes', { required: true, min: 1, max: 1440 }),
        col.text('team_chat_id', { maxLength: 40 }),
        col.long('landing_texts', { maxLength: 20_000 }),
        col.instant('updated_at', { readOnly: true }),
      ],
      updateDefaults: (now) => ({ updated_at: now }),
      validate: (values) => {
        if (typeof values.landing_texts === 'string' && values.landing_texts) {
          try {
            JSON.parse(values.landing_texts);
          } catch {
            return { landing_texts: 'fieldBadFormat' };
          }
        }
        return undefined;
      },
    },
    options: {
      navigation: NAV.center,
      listProperties: ['center_name', 'contact_phone', 'first_response_minutes', 'updated_at'],
      editProperties: ['center_name', 'address', 'map_link', 'contact_phone', 'default_work_start', 'default_work_end', 'default_work_days', 'first_response_minutes', 'team_chat_id', 'landing_texts'],
      actions: {
        list: { isAccessible: isStaff },
        show: { isAccessible: isStaff },
        search: { isAccessible: isStaff },
        edit: { isAccessible: isAdmin },
        // exactly one row exists (created by the first migration)
        new: { isAccessible: nobody, isVisible: false },
        delete: { isAccessible: nobody, isVisible: false },
        bulkDelete: { isAccessible: nobody, isVisible: false },
      },
    },
    locale: {
      words: {
        uz: {
          name: 'Markaz sozlamalari',
          properties: {
            center_name: 'Markaz nomi', address: 'Manzil', map_link: 'Xarita havolasi', contact_phone: 'Aloqa telefoni', default_work_start: 'Ish boshlanishi (standart)',
            default_work_end: 'Ish tugashi (standart)', default_work_days: 'Ish kunlari (standart)', first_response_minutes: 'Birinchi javob muddati (daq.)', team_chat_id: 'Jamoa chati ID', landing_texts: 'Sayt matnlari (JSON)',
          },
        },
        ru: {
          name: 'Настройки центра',
          properties: {
            center_name: 'Название центра', address: 'Адрес', map_link: 'Ссылка на карту', contact_phone: 'Контактный телефон', default_work_start: 'Начало работы (по умолчанию)',
            default_work_end: 'Конец работы (по умолчанию)', default_work_days: 'Рабочие дни (по умолчанию)', first_response_minutes: 'Срок первого ответа (мин)', team_chat_id: 'ID чата команды', landing_texts: 'Тексты сайта (JSON)',
          },
        },
        en: {
          name: 'Center settings',
          properties: {
            center_name: 'Center name', address: 'Address', map_link: 'Map link', contact_phone: 'Contact phone', default_work_start: 'Default work start',
            default_work_end: 'Default work end', default_work_days: 'Default work days', first_response_minutes: 'First-response target (min)', team_chat_id: 'Team chat id', landing_texts: 'Landing texts (JSON)',
          },
        },
      },
    },
  };
}
