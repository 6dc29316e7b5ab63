import { enumLabels } from '../locale.js';
import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { outboxActions } from '../actions/ops-actions.js';

const STATUSES = ['pending', 'sending', 'sent', 'failed'] as const;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

const ACTIONS = ['retry', 'bulkRetry'];

/** Telegram outbox: failed deliveries with their reason; "retry" is a core action added here. */
export function outboxResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'outbox',
      table: 'outbox',
      title: 'kind',
      defaultSort: { by: 'id', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.text('kind'),
        col.ref('user_id', 'users'),
        col.text('chat_id'),
        col.oneOf('status', STATUSES),
        col.int('attempts'),
        col.long('last_error'),
        col.oneOf('priority', PRIORITIES),
        col.instant('not_before'),
        col.instant('sent_at'),
        col.instant('created_at'),
        col.long('payload'),
      ]),
    },
    options: {
      navigation: NAV.system,
      listProperties: ['id', 'kind', 'user_id', 'status', 'attempts', 'last_error', 'not_before', 'created_at'],
      filterProperties: ['status', 'kind', 'user_id', 'created_at', 'last_error'],
      actions: withActions(viewOnly(), outboxActions(deps)),
    },
    locale: {
      labels: (lang) => ({
        ...enumLabels(lang, 'priority', PRIORITIES, 'priority'),
        status: {
          uz: { pending: 'Navbatda', sending: 'Yuborilmoqda', sent: 'Yuborildi', failed: 'Xato' },
          ru: { pending: 'В очереди', sending: 'Отправляется', sent: 'Отправлено', failed: 'Ошибка' },
          en: { pending: 'Pending', sending: 'Sending', sent: 'Sent', failed: 'Failed' },
        }[lang],
      }),
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: 'Telegram navbati', properties: { kind: 'Turi', user_id: 'Qabul qiluvchi', chat_id: 'Chat ID', attempts: 'Urinishlar', last_error: 'Xato sababi', not_before: 'Yuborish vaqti', sent_at: 'Yuborilgan', payload: 'Mazmuni' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Очередь Telegram', properties: { kind: 'Вид', user_id: 'Получатель', chat_id: 'ID чата', attempts: 'Попыток', last_error: 'Причина ошибки', not_before: 'Не раньше', sent_at: 'Отправлено', payload: 'Содержимое' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Telegram outbox', properties: { kind: 'Kind', user_id: 'Recipient', chat_id: 'Chat id', attempts: 'Attempts', last_error: 'Failure reason', not_before: 'Not before', sent_at: 'Sent at', payload: 'Payload' } },
      },
    },
  };
}
