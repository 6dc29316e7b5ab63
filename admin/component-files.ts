/** Names of our browser components, as resource options refer to them. */
export const COMPONENTS = {
  occupancy: 'Occupancy',
  dashboard: 'CrmDashboard',
  actionForm: 'CrmActionForm',
  leadShow: 'CrmLeadShow',
  messageShow: 'CrmMessageShow',
  jobs: 'CrmJobs',
  imports: 'CrmImports',
} as const;

/** Every component file (under admin/components/) AdminJS must bundle; the same list at build time and at run time. */
export const COMPONENT_FILES: Array<{ name: string; file: string; override?: boolean }> = [
  { name: COMPONENTS.occupancy, file: 'occupancy.tsx' },
  { name: COMPONENTS.dashboard, file: 'dashboard.tsx' },
  { name: COMPONENTS.actionForm, file: 'action-form.tsx' },
  { name: COMPONENTS.leadShow, file: 'lead-show.tsx' },
  { name: COMPONENTS.messageShow, file: 'message-show.tsx' },
  { name: COMPONENTS.jobs, file: 'jobs.tsx' },
  { name: COMPONENTS.imports, file: 'imports.tsx' },
  // the language links, in place of AdminJS's "made with love" footer
  { name: 'SidebarFooter', file: 'sidebar-footer.tsx', override: true },
];
