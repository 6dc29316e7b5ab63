import { adminWritesManagerViews, col, NAV, type AdminResource } from '../resource-kit.js';

const TYPES = ['discount', 'bonus', 'package', 'other'] as const;
const CHANNELS = ['all', 'followup', 'reactivation', 'trial', 'general'] as const;
const AUDIENCES = ['all', 'new', 'lost', 'reactivation', 'trial'] as const;

/** Offers (one model; admins write, managers view). */
export function offersResource(): AdminResource {
  return {
    spec: {
      id: 'offers',
      table: 'offers',
      title: 'title',
      defaultSort: { by: 'priority', direction: 'desc' },
      columns: [
        col.id(),
        col.text('title', { required: true, maxLength: 200 }),
        col.long('description', { maxLength: 4000 }),
        col.oneOf('type', TYPES, { required: true }),
        col.int('priority', { min: 0, max: 1000 }),
        col.oneOf('channel', CHANNELS, { required: true }),
        col.oneOf('audience', AUDIENCES, { required: true }),
        col.ref('course_id', 'courses'),
        col.instant('valid_from'),
        col.instant('valid_until'),
        col.bool('active'),
        col.ref('created_by', 'users', { readOnly: true }),
        col.instant('created_at', { readOnly: true }),
      ],
      insertDefaults: (now, ctx) => ({ created_at: now, created_by: ctx.currentAdmin?.id ?? null }),
      validate: (values, { current }) => {
        const from = (values.valid_from ?? current?.valid_from) as string | null | undefined;
        const until = (values.valid_until ?? current?.valid_until) as string | null | undefined;
        return from && until && until < from ? { valid_until: 'fieldTooSmall' } : undefined;
      },
    },
    options: {
      navigation: NAV.center,
      listProperties: ['id', 'title', 'type', 'channel', 'audience', 'course_id', 'priority', 'valid_until', 'active'],
      filterProperties: ['title', 'type', 'channel', 'audience', 'course_id', 'active', 'valid_until'],
      editProperties: ['title', 'description', 'type', 'priority', 'channel', 'audience', 'course_id', 'valid_from', 'valid_until', 'active'],
      actions: adminWritesManagerViews(),
    },
    locale: {
      labels: (lang) =>
        ({
          uz: {
            type: { discount: 'Chegirma', bonus: 'Bonus', package: 'Paket', other: 'Boshqa' },
            channel: { all: 'Hammasi', followup: 'Qayta aloqa', reactivation: 'Reaktivatsiya', trial: 'Sinov darsi', general: 'Umumiy' },
            audience: { all: 'Hammasi', new: 'Yangi', lost: "Yo'qotilgan", reactivation: 'Qayta aloqa', trial: 'Sinov' },
          },
          ru: {
            type: { discount: 'Скидка', bonus: 'Бонус', package: 'Пакет', other: 'Другое' },
            channel: { all: 'Все', followup: 'Касание', reactivation: 'Реактивация', trial: 'Пробный урок', general: 'Общее' },
            audience: { all: 'Все', new: 'Новые', lost: 'Потерянные', reactivation: 'Повторный контакт', trial: 'Пробный' },
          },
          en: {
            type: { discount: 'Discount', bonus: 'Bonus', package: 'Package', other: 'Other' },
            channel: { all: 'All', followup: 'Follow-up', reactivation: 'Reactivation', trial: 'Trial', general: 'General' },
            audience: { all: 'All', new: 'New', lost: 'Lost', reactivation: 'Reactivation', trial: 'Trial' },
          },
        })[lang],
      words: {
        uz: { name: 'Takliflar', properties: { title: 'Sarlavha', description: 'Tavsif', type: 'Turi', channel: 'Kanal', audience: 'Auditoriya', valid_from: 'Amal qiladi (dan)', valid_until: 'Amal qiladi (gacha)', created_by: 'Muallif' } },
        ru: { name: 'Предложения', properties: { title: 'Заголовок', description: 'Описание', type: 'Тип', channel: 'Канал', audience: 'Аудитория', valid_from: 'Действует с', valid_until: 'Действует до', created_by: 'Автор' } },
        en: { name: 'Offers', properties: { title: 'Title', description: 'Description', type: 'Type', channel: 'Channel', audience: 'Audience', valid_from: 'Valid from', valid_until: 'Valid until', created_by: 'Author' } },
      },
    },
  };
}
