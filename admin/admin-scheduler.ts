import { createScheduler } from '../scheduler/runner.js';
import { buildJobs } from '../scheduler/jobs.js';
import type { ResourceDeps } from './resource-kit.js';

/**
 * A scheduler for "run now" when the process did not hand one over (SCHEDULER=off, tests). It is
 * never started: it has no timers and only runs a job when asked, through the same job_runs claim
 * as every other process, so a job still runs once per slot and its run is recorded.
 */
export function adminScheduler(deps: Pick<ResourceDeps, 'services' | 'config'>) {
  const core = deps.services.deps;
  return createScheduler({
    db: core.db,
    dialect: core.dialect,
    clock: core.clock,
    log: core.log,
    tz: core.tz,
    jobs: buildJobs({ services: deps.services, config: deps.config }),
    owner: `admin:${process.pid}`,
  });
}
