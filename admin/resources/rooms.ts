import { adminWritesManagerViews, col, NAV, type AdminResource } from '../resource-kit.js';

/** Rooms (plain reference data: admins write, managers view). */
export function roomsResource(): AdminResource {
  return {
    spec: {
      id: 'rooms',
      table: 'rooms',
      title: 'name',
      defaultSort: { by: 'name', direction: 'asc' },
      columns: [col.id(), col.text('name', { required: true, maxLength: 100 }), col.int('capacity', { required: true, min: 1, max: 1000 }), col.bool('active')],
    },
    options: {
      navigation: NAV.center,
      listProperties: ['id', 'name', 'capacity', 'active'],
      actions: adminWritesManagerViews(),
    },
    locale: {
      words: {
        uz: { name: 'Xonalar', properties: { name: 'Xona' } },
        ru: { name: 'Кабинеты', properties: { name: 'Кабинет' } },
        en: { name: 'Rooms', properties: { name: 'Room' } },
      },
    },
  };
}
