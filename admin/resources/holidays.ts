import { adminWritesManagerViews, col, NAV, type AdminResource, type ResourceDeps } from '../resource-kit.js';

/**
 * Days the center is closed; nobody works on them (worktime reads this table). Written through
 * core, which moves the follow-ups due on a new holiday to their owners' next working time.
 */
export function holidaysResource(deps: ResourceDeps): AdminResource {
  const { services } = deps;
  return {
    spec: {
      id: 'holidays',
      table: 'holidays',
      title: 'date',
      defaultSort: { by: 'date', direction: 'desc' },
      columns: [col.id(), col.date('date', { required: true }), col.text('name', { maxLength: 200 })],
      create: async (values, ctx) => (await services.holidays.add({ date: String(values.date), name: (values.name as string | null) ?? null }, ctx.currentAdmin)).holiday.id,
      update: async (id, values, ctx) => {
        await services.holidays.update(
          id,
          { ...('date' in values ? { date: String(values.date) } : {}), ...('name' in values ? { name: (values.name as string | null) ?? null } : {}) },
          ctx.currentAdmin,
        );
      },
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
