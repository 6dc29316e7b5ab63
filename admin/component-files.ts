/** Names of our browser components, as resource options refer to them. */
export const COMPONENTS = {
  occupancy: 'Occupancy',
  dashboard: 'CrmDashboard',
} as const;

/** Every component file (under admin/components/) AdminJS must bundle; the same list at build time and at run time. */
export const COMPONENT_FILES: Array<{ name: string; file: string; override?: boolean }> = [
  { name: COMPONENTS.occupancy, file: 'occupancy.tsx' },
  { name: COMPONENTS.dashboard, file: 'dashboard.tsx' },
  // the language links, in place of AdminJS's "made with love" footer
  { name: 'SidebarFooter', file: 'sidebar-footer.tsx', override: true },
];
