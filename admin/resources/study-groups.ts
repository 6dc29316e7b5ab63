import { sql } from 'kysely';
import { AppError } from '../../core/errors.js';
import type { GroupInput } from '../../core/groups/group-service.js';
import type { Values } from '../adapter/spec.js';
import { validationError } from '../adapter/resource.js';
import { COMPONENTS } from '../component-files.js';
import { adminWritesManagerViews, col, NAV, type AdminResource, type ResourceDeps } from '../resource-kit.js';

const DAYS = ['odd', 'even', 'daily'] as const;

// core's input names → our column names, so a refusal from core lands on the right field
const COLUMN_OF: Record<string, string> = {
  courseId: 'course_id',
  name: 'name',
  days: 'days',
  startTime: 'start_time',
  roomId: 'room_id',
  capacity: 'capacity',
  currentStudents: 'current_students',
  startDate: 'start_date',
  active: 'active',
};

/** The submitted columns as core's group input (only those present: an edit changes what it sends). */
function groupInput(values: Values): Partial<GroupInput> {
  const input: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(COLUMN_OF)) {
    if (!(column in values)) continue;
    const v = values[column];
    if (column === 'active') input[field] = v === 1;
    else if (column === 'current_students') input[field] = v ?? 0;
    else input[field] = v;
  }
  return input as Partial<GroupInput>;
}

async function throughCore<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    // a room clash is a CONFLICT naming roomId: shown under the field too, not only as a banner
    if (err instanceof AppError && err.fields && (err.code === 'VALIDATION' || err.code === 'CONFLICT')) {
      const fields = Object.fromEntries(Object.entries(err.fields).map(([k, m]) => [COLUMN_OF[k.split('.')[0]] ?? k, m]));
      throw validationError(fields, err.code === 'CONFLICT' ? err.message : undefined);
    }
    throw err;
  }
}

/**
 * Study groups, with their occupancy (current students / capacity) computed in SQL. Writes go
 * through core's group service, so the back office keeps the same rules as every other door: a
 * room clash or a room too small is refused, and a capacity raise that frees spots tells the
 * waitlisted leads' salespeople (SPEC §6.1).
 */
export function studyGroupsResource(deps: ResourceDeps): AdminResource {
  const { services } = deps;
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
      create: async (values, ctx) => (await throughCore(() => services.groups.createGroup(groupInput(values) as GroupInput, ctx.currentAdmin))).id,
      update: async (id, values, ctx) => {
        await throughCore(() => services.groups.updateGroup(id, groupInput(values), ctx.currentAdmin));
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
