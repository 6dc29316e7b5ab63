import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { jobActions } from '../actions/ops-actions.js';
import { adminScheduler } from '../admin-scheduler.js';

const ACTIONS = ['jobs', 'runNow'];

const STATUSES = ['running', 'ok', 'failed'] as const;

/** Scheduler runs (one row per job and slot); "run now" is a scheduler action added here. */
export function jobRunsResource(deps: ResourceDeps): AdminResource {
  const scheduler = deps.scheduler ?? adminScheduler(deps);
  return {
    spec: {
      id: 'job_runs',
      table: 'job_runs',
      title: 'job',
      defaultSort: { by: 'id', direction: 'desc' },
      columns: readOnly([
        col.id(),
        col.text('job'),
        col.instant('slot'),
        col.oneOf('status', STATUSES),
        col.text('owner'),
        col.instant('started_at'),
        col.instant('finished_at'),
        col.int('duration_ms'),
        col.long('error'),
        col.long('result'),
      ]),
    },
    options: {
      navigation: NAV.system,
      listProperties: ['id', 'job', 'slot', 'status', 'duration_ms', 'error', 'started_at'],
      filterProperties: ['job', 'status', 'started_at'],
      actions: withActions(viewOnly(), jobActions(deps, scheduler)),
    },
    locale: {
      labels: (lang) => ({
        status: { uz: { running: 'Ishlamoqda', ok: 'Muvaffaqiyatli', failed: 'Xato' }, ru: { running: 'Выполняется', ok: 'Успешно', failed: 'Ошибка' }, en: { running: 'Running', ok: 'OK', failed: 'Failed' } }[lang],
      }),
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: 'Fon vazifalari', properties: { job: 'Vazifa', slot: 'Navbat vaqti', owner: 'Jarayon', started_at: 'Boshlangan', finished_at: 'Tugagan', duration_ms: 'Davomiyligi (ms)', error: 'Xato', result: 'Natija' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Фоновые задачи', properties: { job: 'Задача', slot: 'Слот', owner: 'Процесс', started_at: 'Начало', finished_at: 'Конец', duration_ms: 'Длительность (мс)', error: 'Ошибка', result: 'Результат' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Job runs', properties: { job: 'Job', slot: 'Slot', owner: 'Process', started_at: 'Started', finished_at: 'Finished', duration_ms: 'Duration (ms)', error: 'Error', result: 'Result' } },
      },
    },
  };
}
