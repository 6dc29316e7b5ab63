import type { CoreDeps } from './deps.js';
import { createUserService } from './users/users.js';

/** Every core use case, built once from explicit dependencies (wired in main.ts and in tests). */
export function createServices(deps: CoreDeps) {
  return {
    deps,
    users: createUserService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
