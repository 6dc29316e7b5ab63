import type { CoreDeps } from './deps.js';
import { createUserService } from './users/users.js';
import { createLeadService } from './leads/leads-service.js';
import { createFollowUpService } from './followups/followups.js';
import { createTelegramLinkService } from './users/telegram-links.js';

/** Every core use case, built once from explicit dependencies (wired in main.ts and in tests). */
export function createServices(deps: CoreDeps) {
  return {
    deps,
    users: createUserService(deps),
    leads: createLeadService(deps),
    followUps: createFollowUpService(deps),
    telegramLinks: createTelegramLinkService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
