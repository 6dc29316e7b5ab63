import { enumLabels } from '../locale.js';
import { col, NAV, readOnly, viewOnly, type AdminResource } from '../resource-kit.js';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

/** Manager messages; composing (to many, with Telegram delivery) and read status are core actions added here. */
export function salesMessagesResource(): AdminResource {
  return {
    spec: {
      id: 'sales_messages',
      table: 'sales_messages',
      title: 'subject',
      defaultSort: { by: 'id', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.ref('sender_id', 'users'),
        col.text('subject'),
        col.long('body'),
        col.oneOf('priority', PRIORITIES),
        col.bool('sent_to_telegram'),
        col.instant('created_at'),
      ]),
    },
    options: {
      navigation: NAV.team,
      listProperties: ['id', 'subject', 'sender_id', 'priority', 'sent_to_telegram', 'created_at'],
      filterProperties: ['subject', 'sender_id', 'priority', 'created_at'],
      actions: viewOnly(),
    },
    locale: {
      labels: (lang) => enumLabels(lang, 'priority', PRIORITIES, 'priority'),
      words: {
        uz: { name: 'Xabarlar', properties: { sender_id: 'Yuboruvchi', subject: 'Mavzu', body: 'Matn', sent_to_telegram: 'Telegramga yuborildi' } },
        ru: { name: 'Сообщения', properties: { sender_id: 'Отправитель', subject: 'Тема', body: 'Текст', sent_to_telegram: 'Отправлено в Telegram' } },
        en: { name: 'Messages', properties: { sender_id: 'Sender', subject: 'Subject', body: 'Text', sent_to_telegram: 'Sent to Telegram' } },
      },
    },
  };
}
