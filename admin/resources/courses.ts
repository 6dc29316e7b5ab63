import { adminWritesManagerViews, col, NAV, type AdminResource } from '../resource-kit.js';

/** Courses (plain reference data: admins write, managers view). */
export function coursesResource(): AdminResource {
  return {
    spec: {
      id: 'courses',
      table: 'courses',
      title: 'name',
      defaultSort: { by: 'name', direction: 'asc' },
      columns: [
        col.id(),
        col.text('name', { required: true, maxLength: 200 }),
        col.int('price', { required: true, min: 0, max: 1_000_000_000 }),
        col.int('lesson_minutes', { required: true, min: 15, max: 600 }),
        col.int('lessons_per_week', { required: true, min: 1, max: 14 }),
        col.bool('active'),
        col.long('sales_script'),
        col.instant('created_at', { readOnly: true }),
      ],
      insertDefaults: (now) => ({ created_at: now }),
    },
    options: {
      navigation: NAV.center,
      listProperties: ['id', 'name', 'price', 'lesson_minutes', 'lessons_per_week', 'active'],
      filterProperties: ['name', 'price', 'active'],
      editProperties: ['name', 'price', 'lesson_minutes', 'lessons_per_week', 'active', 'sales_script'],
      actions: adminWritesManagerViews(),
    },
    locale: {
      words: {
        uz: { name: 'Kurslar', properties: { name: 'Kurs nomi', price: "Narxi (so'm)", lesson_minutes: 'Dars davomiyligi (daq.)', lessons_per_week: 'Haftada darslar', sales_script: 'Sotuv skripti' } },
        ru: { name: 'Курсы', properties: { name: 'Название курса', price: 'Цена (сум)', lesson_minutes: 'Длительность урока (мин)', lessons_per_week: 'Уроков в неделю', sales_script: 'Скрипт продаж' } },
        en: { name: 'Courses', properties: { name: 'Course name', price: 'Price (UZS)', lesson_minutes: 'Lesson length (min)', lessons_per_week: 'Lessons per week', sales_script: 'Sales script' } },
      },
    },
  };
}
