import { sql } from 'kysely';
import { enumLabels } from '../locale.js';
import type { AdminPrincipal } from '../adapter/spec.js';
import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { messageActions } from '../actions/team-actions.js';

const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

const ACTIONS = ['compose', 'readStatus'];

/** Manager messages; composing (to many, with Telegram delivery) and read status are core actions added here. */
export function salesMessagesResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'sales_messages',
      table: 'sales_messages',
      title: 'subject',
      defaultSort: { by: 'id', direction: 'desc' },
      // SPEC §10: admins see every message, a manager the ones they sent
      scope: (admin: AdminPrincipal | null) => (admin?.role === 'admin' ? null : sql<boolean>`sender_id = ${Number(admin?.id ?? 0)}`),
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
      actions: withActions(viewOnly(), messageActions(deps)),
    },
    locale: {
      labels: (lang) => enumLabels(lang, 'priority', PRIORITIES, 'priority'),
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: 'Xabarlar', properties: { sender_id: 'Yuboruvchi', subject: 'Mavzu', body: 'Matn', sent_to_telegram: 'Telegramga yuborildi' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Сообщения', properties: { sender_id: 'Отправитель', subject: 'Тема', body: 'Текст', sent_to_telegram: 'Отправлено в Telegram' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Messages', properties: { sender_id: 'Sender', subject: 'Subject', body: 'Text', sent_to_telegram: 'Sent to Telegram' } },
      },
    },
  };
}
