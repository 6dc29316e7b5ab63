import { sql } from 'kysely';
import { COMPONENTS } from '../component-files.js';
import { adminWritesManagerViews, col, NAV, type AdminResource } from '../resource-kit.js';

const DAYS = ['odd', 'even', 'daily'] as const;

/** Study groups, with their occupancy (current students / capacity) computed in SQL. */
export function studyGroupsResource(): AdminResource {
  return {
    spec: {
      id: 'study_groups',
      table: 'study_groups',
      title: 'name',
      defaultSort: { by: 'id', direction: 'desc' },
      columns: [
        col.id(),
        col.text('name', { required: true, maxLength: 200 }),
        col.ref('course_id', 'courses', { required: true }),
        col.oneOf('days', DAYS, { required: true }),
        col.time('start_time', { required: true }),
        col.ref('room_id', 'rooms'),
        col.int('capacity', { required: true, min: 1, max: 1000 }),
        col.int('current_students', { min: 0, max: 1000 }),
        // integer percent on both dialects (integer division)
        col.int('occupancy', { computed: () => sql`case when capacity > 0 then (current_students * 100) / capacity else 0 end` }),
        col.date('start_date'),
        col.bool('active'),
        col.instant('created_at', { readOnly: true }),
      ],
      insertDefaults: (now) => ({ created_at: now }),
      validate: (values, { current }) => {
        const capacity = Number(values.capacity ?? current?.capacity);
        const students = Number(values.current_students ?? current?.current_students ?? 0);
        return students > capacity ? { current_students: 'fieldTooLarge' } : undefined;
      },
    },
    options: {
      navigation: NAV.center,
      listProperties: ['id', 'name', 'course_id', 'days', 'start_time', 'room_id', 'capacity', 'current_students', 'occupancy', 'active'],
      filterProperties: ['name', 'course_id', 'days', 'room_id', 'occupancy', 'active'],
      editProperties: ['name', 'course_id', 'days', 'start_time', 'room_id', 'capacity', 'current_students', 'start_date', 'active'],
      properties: {
        occupancy: { components: { list: COMPONENTS.occupancy, show: COMPONENTS.occupancy } },
      },
      actions: adminWritesManagerViews(),
    },
    locale: {
      labels: (lang) => ({
        days: {
          uz: { odd: 'Du/Chor/Ju', even: 'Se/Pay/Sha', daily: 'Har kuni (Du–Sha)' },
          ru: { odd: 'Пн/Ср/Пт', even: 'Вт/Чт/Сб', daily: 'Ежедневно (Пн–Сб)' },
          en: { odd: 'Mon/Wed/Fri', even: 'Tue/Thu/Sat', daily: 'Daily (Mon–Sat)' },
        }[lang],
      }),
      words: {
        uz: { name: 'Guruhlar', properties: { name: 'Guruh', days: 'Kunlar', start_time: 'Boshlanish vaqti', current_students: "O'quvchilar", occupancy: "To'lganlik, %", start_date: 'Boshlanish sanasi' } },
        ru: { name: 'Группы', properties: { name: 'Группа', days: 'Дни', start_time: 'Время начала', current_students: 'Учеников', occupancy: 'Заполненность, %', start_date: 'Дата старта' } },
        en: { name: 'Groups', properties: { name: 'Group', days: 'Days', start_time: 'Start time', current_students: 'Students', occupancy: 'Occupancy, %', start_date: 'Start date' } },
      },
    },
  };
}
