import { adminWritesManagerViews, col, NAV, type AdminResource } from '../resource-kit.js';

/** Days the center is closed; nobody works on them (worktime reads this table). */
export function holidaysResource(): AdminResource {
  return {
    spec: {
      id: 'holidays',
      table: 'holidays',
      title: 'date',
      defaultSort: { by: 'date', direction: 'desc' },
      columns: [col.id(), col.date('date', { required: true }), col.text('name', { maxLength: 200 })],
    },
    options: {
      navigation: NAV.center,
      listProperties: ['date', 'name'],
      actions: adminWritesManagerViews(),
    },
    locale: {
      words: {
        uz: { name: 'Bayram kunlari', properties: { name: 'Izoh' } },
        ru: { name: 'Праздники', properties: { name: 'Описание' } },
        en: { name: 'Holidays', properties: { name: 'Description' } },
      },
    },
  };
}
