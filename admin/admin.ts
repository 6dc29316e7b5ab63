import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import AdminJS, { type ResourceWithOptions } from 'adminjs';
import { buildAuthenticatedRouter } from '@adminjs/express';
import type { Config } from '../config.js';
import type { Log } from '../logger.js';
import type { Services } from '../core/services.js';
import { AppError } from '../core/errors.js';
import { createStaffLogin } from '../core/users/login.js';
import { asLang, type Lang } from '../core/i18n/i18n.js';
import type { Db } from '../db/connection.js';
import type { AdapterDeps, AdminPrincipal } from './adapter/spec.js';
import { KyselyResource, kyselyTable } from './adapter/resource.js';
import { BUNDLE_DIR, BUNDLE_FILES, ensureBundle } from './bundle-check.js';
import { createComponentLoader } from './components.js';
import { COMPONENTS } from './component-files.js';
import { ADMIN_LANGS, buildLocale, requestLang, type ResourceLocale } from './locale.js';
import { DbSessionStore } from './session-store.js';
import { ADMIN_ROLES, type AdminResource, type ResourceDeps } from './resource-kit.js';
import { usersResource } from './resources/users.js';
import { leadsResource } from './resources/leads.js';
import { followUpsResource } from './resources/follow-ups.js';
import { trialsResource } from './resources/trials.js';
import { reactivationsResource } from './resources/reactivations.js';
import { leaveRequestsResource } from './resources/leave-requests.js';
import { kpiDailyResource } from './resources/kpi-daily.js';
import { salesMessagesResource } from './resources/sales-messages.js';
import { coursesResource } from './resources/courses.js';
import { studyGroupsResource } from './resources/study-groups.js';
import { roomsResource } from './resources/rooms.js';
import { holidaysResource } from './resources/holidays.js';
import { offersResource } from './resources/offers.js';
import { centerSettingsResource } from './resources/center-settings.js';
import { outboxResource } from './resources/outbox.js';
import { jobRunsResource } from './resources/job-runs.js';
import { absencesResource } from './resources/absences.js';
import { adminScheduler } from './admin-scheduler.js';
import { dashboardHandler, mountDashboardExport } from './dashboard.js';
import { IMPORTS_PAGE, mountImportRoutes } from './imports.js';

export const ROOT_PATH = '/admin';

const ADMIN_CSS_FILE = 'crm-admin.css';
// AdminJS squeezes list columns until names and phones break inside words ("Bek zod Yus upo va"):
// list cells wrap at spaces only, and phones never wrap
const ADMIN_CSS = `td[data-css$="-table-cell"] { word-break: normal; overflow-wrap: normal; }
td[data-css$="-phone-table-cell"], td[data-css$="-phone2-table-cell"] { white-space: nowrap; }
`;
const COOKIE = 'crm_admin';
const LANG_COOKIE = 'admin_lang';
const SESSION_HOURS = 12;

export interface AdminDeps {
  services: Services;
  config: Config;
  log: Log;
  /** the process's scheduler, for "run now"; without one the back office makes an unstarted one */
  scheduler?: ResourceDeps['scheduler'];
}

/** Every resource, in menu order. A feature adds its business actions inside its own file. */
export function adminResources(deps: ResourceDeps): AdminResource[] {
  return [
    leadsResource(deps),
    followUpsResource(deps),
    trialsResource(deps),
    reactivationsResource(),
    usersResource(deps),
    leaveRequestsResource(deps),
    absencesResource(deps),
    kpiDailyResource(),
    salesMessagesResource(deps),
    coursesResource(),
    studyGroupsResource(deps),
    roomsResource(),
    holidaysResource(deps),
    offersResource(),
    centerSettingsResource(),
    outboxResource(deps),
    jobRunsResource(deps),
  ];
}

/** Secret for signing session cookies: ADMIN_SESSION_SECRET, else one generated once and kept in kv_state. */
export async function sessionSecret(db: Db, fromEnv: string | undefined, now: () => Date): Promise<string> {
  if (fromEnv) return fromEnv;
  const key = 'admin_session_secret';
  await db
    .insertInto('kv_state')
    .values({ key, value: randomBytes(32).toString('base64url'), updated_at: now().toISOString() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('kv_state').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}

// what goes into the page's inline JSON must not be able to close the script element
const safeText = (s: string) => s.replace(/[<>]/g, '');

function principalOf(u: { id: number; role: AdminPrincipal['role']; username: string; full_name: string }): AdminPrincipal {
  return { id: u.id, role: u.role, email: safeText(u.username), title: safeText(u.full_name) };
}

function cookieLang(req: Request): Lang | null {
  const m = /(?:^|;\s*)admin_lang=([a-z]{2})/.exec(req.headers.cookie ?? '');
  return m && (ADMIN_LANGS as string[]).includes(m[1]) ? (m[1] as Lang) : null;
}

/**
 * The AdminJS instance: every resource on our adapter, the locale of the request being served,
 * our components. No HTTP here (createAdmin adds it), so tests can drive actions directly.
 */
export function createAdminJs(deps: ResourceDeps): AdminJS {
  const { adapter, services } = deps;
  const core = services.deps;
  // one scheduler for every "run now" of this instance (its in-flight guard is per instance)
  const modules = adminResources({ ...deps, scheduler: deps.scheduler ?? adminScheduler(deps) });
  const resources: ResourceWithOptions[] = modules.map((m) => ({
    resource: new KyselyResource(kyselyTable(m.spec, adapter)),
    // the list opens in the table's natural order (newest leads first, follow-ups by due time…)
    options: { ...(m.spec.defaultSort ? { sort: { sortBy: m.spec.defaultSort.by, direction: m.spec.defaultSort.direction } } : {}), ...m.options },
  }));
  const resourceLocales: ResourceLocale[] = modules.map((m) => ({
    id: m.spec.id,
    ...m.locale,
    booleans: m.spec.columns.filter((c) => c.kind === 'boolean').map((c) => c.name),
  }));
  const locales = Object.fromEntries(ADMIN_LANGS.map((l) => [l, buildLocale(l, resourceLocales)])) as Record<Lang, ReturnType<typeof buildLocale>>;

  return new AdminJS({
    rootPath: ROOT_PATH,
    loginPath: `${ROOT_PATH}/login`,
    logoutPath: `${ROOT_PATH}/logout`,
    resources,
    componentLoader: createComponentLoader(),
    dashboard: { component: COMPONENTS.dashboard, handler: dashboardHandler(services) as never },
    pages: { [IMPORTS_PAGE]: { component: COMPONENTS.imports, icon: 'Upload' } },
    settings: { defaultPerPage: 20 },
    assets: { styles: [`${ROOT_PATH}/${ADMIN_CSS_FILE}`] },
    locale: (() => locales[requestLang.getStore()?.lang ?? 'uz']) as never,
    branding: async () => {
      const s = await core.db.selectFrom('center_settings').select('center_name').where('id', '=', 1).executeTakeFirst();
      return {
        companyName: safeText(s?.center_name ?? 'CRM'),
        logo: false,
        withMadeWithLove: false,
        // no web font: nothing is fetched from outside the server
        theme: { font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif" } as never,
      };
    },
  });
}

/**
 * The back office: AdminJS on Express under /admin, signed in with our users (admin and
 * sales_manager only), sessions in our database, pages in Uzbek, Russian or English.
 */
export async function createAdmin(deps: AdminDeps) {
  const { services, config, log } = deps;
  const core = services.deps;

  // built once (npm run build, or here when missing/stale); never per request
  await ensureBundle(log);
  // AdminJS would otherwise bundle again on initialize() under NODE_ENV=production
  process.env.ADMIN_JS_SKIP_BUNDLE = 'true';

  const adapter: AdapterDeps = { db: core.db, dialect: core.dialect, tz: core.tz, now: () => core.clock.now() };
  const admin = createAdminJs({ services, adapter, config, scheduler: deps.scheduler });

  const login = createStaffLogin(core);
  const secure = config.PUBLIC_URL.startsWith('https:');
  const store = new DbSessionStore(core.db, core.clock, SESSION_HOURS * 3_600_000);
  const secret = await sessionSecret(core.db, config.ADMIN_SESSION_SECRET, () => core.clock.now());

  const app = express();
  app.disable('x-powered-by');
  if (config.TRUST_PROXY) app.set('trust proxy', 1);

  app.use(ROOT_PATH, (_req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    // AdminJS needs inline scripts and styles; everything else may only come from this server
    res.setHeader(
      'Content-Security-Policy',
      "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
    );
    next();
  });

  app.get(`${ROOT_PATH}/${ADMIN_CSS_FILE}`, (_req, res) => {
    res.type('text/css').setHeader('Cache-Control', 'no-cache');
    res.send(ADMIN_CSS);
  });

  // the four pre-built bundles, served as files in place of AdminJS's own routes
  const bundleFiles = new Set(BUNDLE_FILES);
  app.get(`${ROOT_PATH}/frontend/assets/:file`, (req, res, next) => {
    const file = req.params.file;
    if (!bundleFiles.has(file) || !existsSync(join(BUNDLE_DIR, file))) return next();
    res.sendFile(join(BUNDLE_DIR, file), { headers: { 'Cache-Control': 'no-cache' } });
  });

  // language: ?lang= switches and is remembered in a cookie; the cookie is read on every page
  app.use(ROOT_PATH, (req, res, next) => {
    const asked = typeof req.query.lang === 'string' ? req.query.lang : null;
    let lang: Lang = cookieLang(req) ?? 'uz';
    if (asked && (ADMIN_LANGS as string[]).includes(asked)) {
      lang = asLang(asked);
      res.cookie(LANG_COOKIE, lang, { path: ROOT_PATH, sameSite: 'lax', secure, maxAge: 365 * 86_400_000 });
    }
    requestLang.run({ lang }, next);
  });

  app.use(
    ROOT_PATH,
    session({
      name: COOKIE,
      secret,
      store,
      resave: false,
      saveUninitialized: false,
      rolling: true,
      // behind a TLS-terminating proxy the cookie is still Secure when the public address is https
      proxy: secure ? true : undefined,
      cookie: { httpOnly: true, sameSite: 'lax', secure, path: ROOT_PATH, maxAge: SESSION_HOURS * 3_600_000 },
    }),
  );

  // a session is only as good as the account behind it: deactivated or demoted users are signed out
  app.use(ROOT_PATH, (req, _res, next) => {
    const current = (req.session as { adminUser?: AdminPrincipal }).adminUser;
    if (!current) return next();
    core.db
      .selectFrom('users')
      .select(['id', 'role', 'username', 'full_name', 'is_active'])
      .where('id', '=', Number(current.id))
      .executeTakeFirst()
      .then((u) => {
        const s = req.session as { adminUser?: AdminPrincipal };
        if (!u || !u.is_active || !ADMIN_ROLES.includes(u.role)) delete s.adminUser;
        else s.adminUser = principalOf(u);
        next();
      })
      .catch(next);
  });

  // AdminJS looks filter paths up in a plain object, so `filters.constructor=…` (or toString…)
  // finds Object's own members and fails with a 500: such paths name no column, drop them
  app.use(`${ROOT_PATH}/api`, (req, _res, next) => {
    for (const key of Object.keys(req.query)) {
      if (!key.startsWith('filters.')) continue;
      const parts = key.slice('filters.'.length).split('~~')[0].split('.');
      if (parts.some((p) => p in Object.prototype)) delete (req.query as Record<string, unknown>)[key];
    }
    next();
  });

  // AdminJS answers a missing (or, for this user, invisible) record with an English sentence as
  // the notice; the browser translates notices by key, so give it ours
  app.use(`${ROOT_PATH}/api`, (_req, res, next) => {
    const json = res.json.bind(res);
    res.json = ((body: unknown) => {
      const notice = (body as { notice?: { message?: unknown } } | null)?.notice;
      if (notice && typeof notice.message === 'string' && /^(Record with given id: .* cannot be found|You have to pass a valid recordId)/.test(notice.message)) {
        notice.message = 'recordNotFound';
      }
      return json(body);
    }) as typeof res.json;
    next();
  });

  // AdminJS's page templates link Google Fonts; the pages must load with no outside request
  app.use(ROOT_PATH, (_req, res, next) => {
    const send = res.send.bind(res);
    res.send = ((body: unknown) => {
      if (typeof body === 'string' && body.includes('fonts.googleapis.com')) {
        body = body.replace(/<link[^>]+fonts\.googleapis\.com[^>]*>/g, '');
      }
      return send(body);
    }) as typeof res.send;
    next();
  });

  const router = buildAuthenticatedRouter(
    admin,
    {
      cookieName: COOKIE,
      cookiePassword: secret,
      authenticate: async (username: string, password: string, ctx?: { req: Request; res: Response }) => {
        let user;
        try {
          user = await login.signIn(username, password, ADMIN_ROLES);
        } catch (err) {
          if (err instanceof AppError) {
            log.info({ username: String(username ?? '').slice(0, 64), code: err.code }, 'admin sign-in refused');
            // the message is a translation key the login page shows in the chosen language
            throw new Error(err.message);
          }
          throw err;
        }
        // a fresh session id at sign-in, so a session id planted before it is worthless after
        const req = ctx?.req;
        if (req?.session) await new Promise<void>((resolve, reject) => req.session.regenerate((e) => (e ? reject(e) : resolve())));
        log.info({ userId: user.id }, 'admin signed in');
        return principalOf(user);
      },
    },
    null,
    // the session middleware above already ran, so AdminJS's own sees req.session and steps aside.
    // It gets a store of its own that it never uses: express-session installs its cookie
    // settings on the store it is given, and would otherwise replace ours (on regenerate).
    { secret, resave: false, saveUninitialized: false, store: new session.MemoryStore() },
  );
  // the dashboard's Excel export: a plain download, behind the same session and role checks
  const downloads = express.Router();
  mountDashboardExport(downloads, services);
  // the Import / Export page's upload, progress and download routes (role-checked there)
  mountImportRoutes(downloads, services, { maxBytes: config.IMPORT_MAX_BYTES });
  app.use(ROOT_PATH, downloads);
  app.use(ROOT_PATH, router);

  app.use((err: Error & { statusCode?: number }, req: Request, res: Response, _next: NextFunction) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) log.error({ err, path: req.path }, 'admin request failed');
    if (res.headersSent) return;
    if (req.path.startsWith(`${ROOT_PATH}/api/`)) res.status(status).json({ message: status >= 500 ? 'Internal error' : err.message });
    else res.status(status).type('text/plain').send(status >= 500 ? 'Internal error' : err.message);
  });

  return { app, admin, store };
}

export type AdminApp = Awaited<ReturnType<typeof createAdmin>>;
