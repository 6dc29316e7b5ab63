import { col, NAV, readOnly, viewOnly, type AdminResource, type ResourceDeps } from '../resource-kit.js';
import { actionLabels, withActions } from '../actions/kit.js';
import { absenceActions } from '../actions/team-actions.js';

const ACTIONS = ['markAbsent'];

/** Absence days (SPEC §6.2): written only by core (marking one moves the person's follow-ups). */
export function absencesResource(deps: ResourceDeps): AdminResource {
  return {
    spec: {
      id: 'absences',
      table: 'absences',
      title: 'date',
      defaultSort: { by: 'date', direction: 'desc' },
      columns: readOnly([col.id(), col.ref('user_id', 'users'), col.date('date'), col.ref('marked_by', 'users'), col.instant('created_at')]),
    },
    options: {
      navigation: NAV.team,
      listProperties: ['id', 'user_id', 'date', 'marked_by', 'created_at'],
      filterProperties: ['user_id', 'date'],
      actions: withActions(viewOnly(), absenceActions(deps)),
    },
    locale: {
      words: {
        uz: { actions: actionLabels('uz', ACTIONS), name: 'Kelmagan kunlar', properties: { marked_by: 'Belgilagan' } },
        ru: { actions: actionLabels('ru', ACTIONS), name: 'Отсутствия', properties: { marked_by: 'Отметил' } },
        en: { actions: actionLabels('en', ACTIONS), name: 'Absences', properties: { marked_by: 'Marked by' } },
      },
    },
  };
}
