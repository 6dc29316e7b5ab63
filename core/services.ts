import type { CoreDeps } from './deps.js';
import { createUserService } from './users/users.js';
import { createLeadService } from './leads/leads-service.js';
import { createFollowUpService } from './followups/followups.js';
import { createTelegramLinkService } from './users/telegram-links.js';
import { createGroupService } from './groups/group-service.js';
import { createLeaveService } from './leave/leave.js';
import { createKpiService } from './kpi/kpi.js';
import { createAnalyticsService } from './kpi/analytics.js';
import { createReactivationService } from './reactivation/reactivation.js';
import { createOfferService } from './offers/offers.js';
import { createMessageService } from './messages/messages.js';
import { createTrialJobService } from './trials/trial-jobs.js';
import { createImportService } from './import/import-service.js';
import { createConfiguredSheetsSync, type SheetsSyncConfig } from './import/sheets-sync.js';
import { createOutboxService } from './outbox/outbox-retry.js';
import { createHolidayService } from './worktime/holidays.js';

export interface ServiceOptions {
  /** IMPORT_MAX_BYTES: the largest Excel file an import accepts */
  importMaxBytes?: number;
  /** Google Sheets sync (sheetsConfigFrom(config)); null or absent = not configured */
  sheets?: SheetsSyncConfig | null;
}

/** Every core use case, built once from explicit dependencies (wired in main.ts and in tests). */
export function createServices(deps: CoreDeps, opts: ServiceOptions = {}) {
  const leads = createLeadService(deps);
  const imports = createImportService(deps, { maxBytes: opts.importMaxBytes ?? 50 * 1024 * 1024, intake: leads.intake });
  return {
    deps,
    users: createUserService(deps),
    leads,
    imports,
    sheets: opts.sheets ? createConfiguredSheetsSync(deps, opts.sheets, imports) : null,
    followUps: createFollowUpService(deps),
    telegramLinks: createTelegramLinkService(deps),
    groups: createGroupService(deps),
    leave: createLeaveService(deps),
    kpi: createKpiService(deps),
    analytics: createAnalyticsService(deps),
    reactivation: createReactivationService(deps),
    offers: createOfferService(deps),
    messages: createMessageService(deps),
    trials: createTrialJobService(deps),
    outbox: createOutboxService(deps),
    holidays: createHolidayService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
