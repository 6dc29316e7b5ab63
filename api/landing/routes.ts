import type { Context } from 'hono';
import { createRoute, z } from '@hono/zod-openapi';
import type { Lang } from '../../core/i18n/i18n.js';
import { t } from '../../core/i18n/i18n.js';
import { AppError, validation } from '../../core/errors.js';
import { normalizePhone } from '../../core/shared/phone.js';
import { isActiveCourse, loadLandingContent } from '../../core/landing/content.js';
import { errorResponses, nulFields, zodFields } from '../errors.js';
import { newRouter, type RouteDeps } from '../router.js';
import { clientIp } from '../security.js';
import { LANDING_CSP, UTM_KEYS, localizeFieldErrors, pickLang, renderLanding, renderNotice, renderThanks, type FormState, type Utm } from './page.js';

const text = (max: number) => z.string().trim().max(max);
// A browser submits a textarea's line breaks as CRLF but its maxlength counts each as one character:
// a comment the page let the visitor type must not come back as "too long", so breaks are LF first.
const multiline = (max: number) => z.preprocess((v) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n') : v), text(max));
const RATE_WINDOW_MS = 60_000;

// An empty optional field arrives as null from many site builders and hand-written fetch code
// (`comment: input.value || null`): in JSON it means "not given", like a missing key.
const orNull = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

const utmSchema = z
  .strictObject({
    source: orNull(text(200)),
    medium: orNull(text(200)),
    campaign: orNull(text(200)),
    content: orNull(text(200)),
    term: orNull(text(200)),
  })
  .openapi('Utm');

// Landing pages are built by many hands (site builders, Tilda-like forms, hand-written fetch):
// the common spellings of the same fields are accepted, anything else is an unknown field.
const COURSE_ID = 'must be a course id (a number from the landing page)';
const courseIdJson = z
  .union([z.number().int().positive(COURSE_ID), z.string().trim().regex(/^\d*$/, COURSE_ID)], { error: COURSE_ID })
  .nullable()
  .optional();
const courseIdForm = z.string().trim().regex(/^\d*$/, COURSE_ID).optional();
const flatUtm = {
  utm_source: text(200).optional(),
  utm_medium: text(200).optional(),
  utm_campaign: text(200).optional(),
  utm_content: text(200).optional(),
  utm_term: text(200).optional(),
};

const jsonLeadSchema = z
  .strictObject({
    name: text(200).min(1, 'is required').openapi({ example: 'Dilnoza' }),
    phone: z
      .union([text(40).min(1, 'is required'), z.number().int().positive('must be a phone number')], { error: (iss) => (iss.input == null ? 'is required' : 'must be a phone number (text or digits)') })
      .openapi({ example: '+998 90 123 45 67', description: 'any common format; +998 is assumed for 9 local digits' }),
    courseId: courseIdJson.openapi({ description: 'an active course from the landing page' }),
    course_id: courseIdJson.openapi({ description: 'same as courseId' }),
    course: courseIdJson.openapi({ description: 'same as courseId (the optional course of the form)' }),
    comment: orNull(multiline(2000)),
    note: orNull(multiline(2000)).openapi({ description: 'same as comment' }),
    utm: orNull(utmSchema),
    utm_source: orNull(text(200)),
    utm_medium: orNull(text(200)),
    utm_campaign: orNull(text(200)),
    utm_content: orNull(text(200)),
    utm_term: orNull(text(200)),
    website: orNull(z.string().max(5000)).openapi({ description: 'honeypot: leave empty (a filled value is accepted and discarded)' }),
    lang: orNull(z.enum(['uz', 'ru', 'en'])),
  })
  .openapi('PublicLeadInput');

const formLeadSchema = z
  .strictObject({
    name: text(200).min(1, 'is required'),
    phone: text(40).min(1, 'is required'),
    courseId: courseIdForm,
    course_id: courseIdForm.openapi({ description: 'same as courseId' }),
    course: courseIdForm.openapi({ description: 'same as courseId' }),
    comment: multiline(2000).optional(),
    note: multiline(2000).optional(),
    ...flatUtm,
    website: z.string().max(5000).optional(),
    lang: z.string().max(10).optional(),
  })
  .openapi('PublicLeadForm');

const leadAck = z.object({ id: z.number().int(), duplicate: z.boolean() }).openapi('PublicLeadAck');

// A visitor's link carries whatever the ad platform or a copy-paste made of it: a parameter twice
// (a platform appending its own utm_source to a link that has one), a stray %00. The page opens all
// the same: the first value counts and control characters are dropped (a NUL would make the form's
// hidden UTM field refuse every submission).
const queryValue = z.union([z.string(), z.array(z.string())]).optional().openapi({ description: 'the first value counts' });
const landingQuery = z.object({
  lang: queryValue.openapi({ description: 'uz (default), ru or en; otherwise Accept-Language decides; the first value counts' }),
  utm_source: queryValue,
  utm_medium: queryValue,
  utm_campaign: queryValue,
  utm_content: queryValue,
  utm_term: queryValue,
});
const queryText = (c: Context, key: string) => (c.req.query(key) ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();

const landingRoute = createRoute({
  method: 'get',
  path: '/',
  tags: ['Landing'],
  summary: 'The public landing page (server-rendered HTML)',
  request: { query: landingQuery },
  responses: { 200: { description: 'The page', content: { 'text/html': { schema: z.string() } } } },
});

const postLeadRoute = createRoute({
  method: 'post',
  path: '/api/public/leads',
  tags: ['Landing'],
  summary: 'Leave a request from the landing page',
  description:
    'JSON or a form post. A known phone number answers 200 with `duplicate: true`. Without JavaScript (a form post that accepts text/html) the answer is a thank-you page. ' +
    'The optional course (an active course id from the page, a number or a digit string) may be sent as `courseId`, `course_id` or `course`. ' +
    'A 400 names every bad field in `error.fields`. Limited per client address (LANDING_RATE_LIMIT per minute).',
  request: {
    body: {
      content: {
        'application/json': { schema: jsonLeadSchema },
        'application/x-www-form-urlencoded': { schema: formLeadSchema },
      },
    },
  },
  responses: {
    201: { description: 'A new lead', content: { 'application/json': { schema: leadAck }, 'text/html': { schema: z.string() } } },
    200: { description: 'A known phone number: the existing lead was touched', content: { 'application/json': { schema: leadAck }, 'text/html': { schema: z.string() } } },
    ...errorResponses(400, 413, 415, 429),
  },
});

interface LeadRequest {
  name: string;
  phone: string;
  courseId: number | null;
  /** the spelling the client used, so an error names the field it sent */
  courseField: 'courseId' | 'course_id' | 'course';
  comment?: string;
  utm: Utm;
  website?: string;
  lang?: string;
}

const courseNumber = (v: number | string | null | undefined) => (v == null || v === '' ? null : Number(v));

function fromForm(f: z.infer<typeof formLeadSchema>): LeadRequest {
  const utm: Utm = {};
  for (const k of UTM_KEYS) if (f[`utm_${k}`]) utm[k] = f[`utm_${k}`];
  const comment = f.comment || f.note || undefined;
  const courseField = f.courseId ? 'courseId' : f.course_id ? 'course_id' : f.course ? 'course' : 'courseId';
  return { name: f.name, phone: f.phone, courseId: courseNumber(f[courseField]), courseField, comment, utm, website: f.website, lang: f.lang };
}

function fromJson(j: z.infer<typeof jsonLeadSchema>): LeadRequest {
  const utm: Utm = {};
  for (const k of UTM_KEYS) {
    const v = j.utm?.[k] || j[`utm_${k}`];
    if (v) utm[k] = v;
  }
  const comment = j.comment || j.note || undefined;
  const courseField = j.courseId != null ? 'courseId' : j.course_id != null ? 'course_id' : j.course != null ? 'course' : 'courseId';
  return { name: j.name, phone: String(j.phone), courseId: courseNumber(j[courseField]), courseField, comment, utm, website: j.website ?? undefined, lang: j.lang ?? undefined };
}

/** The page has one course picker (`courseId`): an error about any spelling of the course shows there. */
function pageFields(fields: Record<string, string>): Record<string, string> {
  const out = { ...fields };
  for (const k of ['course_id', 'course']) {
    if (out[k] !== undefined) out.courseId ??= out[k];
    delete out[k];
  }
  return out;
}

const isForm = (c: Context) => /^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(c.req.header('content-type') ?? '');

/** A browser submitting the form without JavaScript wants a page back, any API client JSON. */
const wantsPage = (c: Context) => isForm(c) && /text\/html/i.test(c.req.header('accept') ?? '') && !/application\/json/i.test(c.req.header('accept') ?? '');

export function landingRoutes(deps: RouteDeps) {
  const { services, config } = deps;
  const db = services.deps.db;
  const publicUrl = config.PUBLIC_URL.replace(/\/+$/, '');

  async function pageContext(lang: Lang) {
    return { lang, content: await loadLandingContent(db), publicUrl };
  }

  function sendPage(c: Context, lang: Lang, body: string, status: 200 | 201 | 400 | 429) {
    c.header('Content-Security-Policy', LANDING_CSP);
    // the page shows live prices and course lists; a form answer must never be replayed from a cache
    c.header('Cache-Control', 'no-store');
    c.header('Content-Language', lang);
    return c.html(body, status);
  }

  function langOf(c: Context, requested?: string): Lang {
    return pickLang(requested ?? c.req.query('lang'), c.req.header('accept-language'));
  }

  /** The form re-rendered with what the visitor typed and what is wrong with it (no JavaScript). */
  async function formAgain(c: Context, raw: Record<string, unknown>, fields: Record<string, string>, status: 400 | 429, notice?: string) {
    const s = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
    const lang = langOf(c, s('lang'));
    const utm: Utm = {};
    for (const k of UTM_KEYS) if (s(`utm_${k}`)) utm[k] = s(`utm_${k}`)!.slice(0, 200);
    const courseId = Number(s('courseId') || s('course_id') || s('course'));
    const state: FormState = {
      values: { name: s('name'), phone: s('phone'), comment: s('comment'), courseId: Number.isInteger(courseId) && courseId > 0 ? courseId : null },
      errors: localizeFieldErrors(lang, fields),
      notice: notice ?? t(lang, 'landing.error'),
      utm,
    };
    return sendPage(c, lang, renderLanding(await pageContext(lang), state), status);
  }

  const app = newRouter();

  app.openapi(
    landingRoute,
    async (c) => {
      const lang = langOf(c, queryText(c, 'lang'));
      const utm: Utm = {};
      for (const k of UTM_KEYS) {
        const v = queryText(c, `utm_${k}`);
        if (v) utm[k] = v.slice(0, 200);
      }
      const page = renderLanding(await pageContext(lang), { utm });
      c.header('Vary', 'Accept-Language');
      return sendPage(c, lang, page, 200) as never;
    },
    // the public page never answers a visitor's odd link with an error (see queryText)
    () => undefined,
  );

  app.openapi(
    postLeadRoute,
    async (c) => {
      const form = isForm(c);
      const ct = c.req.header('content-type') ?? '';
      if (!form && !/json/i.test(ct)) throw validation('body', 'send the lead as JSON or as a form');
      // one route, two media types: each body was parsed by its own schema above
      const input = form ? fromForm(c.req.valid('form' as never) as z.infer<typeof formLeadSchema>) : fromJson(c.req.valid('json' as never) as z.infer<typeof jsonLeadSchema>);
      const page = wantsPage(c);
      const lang = langOf(c, input.lang);

      const ip = clientIp(c, config.TRUST_PROXY);
      const limit = await deps.rateLimiter.hit(`landing:${ip}`, config.LANDING_RATE_LIMIT, RATE_WINDOW_MS);
      if (!limit.allowed) {
        c.header('Retry-After', String(limit.retryAfter));
        if (page) return sendPage(c, lang, renderNotice(await pageContext(lang), t(lang, 'landing.rate_limited')), 429) as never;
        throw new AppError('RATE_LIMITED', `too many requests from this address: try again in ${limit.retryAfter} s`, undefined, { retryAfter: limit.retryAfter });
      }

      if (input.website?.trim()) {
        // a bot filled the invisible field: answer exactly like a success, store nothing
        c.get('log')?.info({ honeypot: true }, 'landing form honeypot filled; discarded');
        if (page) return sendPage(c, lang, renderThanks(await pageContext(lang), input.name), 201) as never;
        const last = await db.selectFrom('leads').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
        return c.json({ id: Number(last?.max ?? 0) + 1 + Math.floor(Math.random() * 3), duplicate: false }, 201);
      }

      try {
        if (input.courseId != null && !(await isActiveCourse(db, input.courseId))) throw validation(input.courseField, 'is not an active course');
        const result = await services.leads.intake(
          { name: input.name, phone: input.phone, courseId: input.courseId, source: 'form', note: input.comment ?? null, utm: Object.keys(input.utm).length ? input.utm : null },
          null,
        );
        c.get('log')?.info({ leadId: result.lead.id, outcome: result.outcome }, 'landing lead');
        const status = result.duplicate ? 200 : 201;
        if (page) return sendPage(c, lang, renderThanks(await pageContext(lang), input.name), status) as never;
        return c.json({ id: result.lead.id, duplicate: result.duplicate }, status);
      } catch (err) {
        if (page && err instanceof AppError && err.code === 'VALIDATION') {
          const typed: Record<string, unknown> = { name: input.name, phone: input.phone, courseId: String(input.courseId ?? ''), comment: input.comment, lang };
          for (const k of UTM_KEYS) typed[`utm_${k}`] = input.utm[k];
          return (await formAgain(c, typed, pageFields(err.fields ?? {}), 400)) as never;
        }
        throw err;
      }
    },
    (async (result: { success: boolean; error?: unknown; data?: unknown }, c: Context) => {
      const nul = result.success ? nulFields(result.data) : {};
      if (result.success && !Object.keys(nul).length) return;
      const raw = (result.data as Record<string, unknown> | undefined) ?? {};
      const fields = result.success ? nul : zodFields(result.error as z.ZodError, raw);
      // the phone is checked by intake only after the rest passes; name every bad field in one answer
      if (!fields.phone && (typeof raw.phone === 'string' || typeof raw.phone === 'number')) {
        try {
          normalizePhone(raw.phone);
        } catch (err) {
          if (err instanceof AppError && err.fields?.phone) fields.phone = err.fields.phone;
        }
      }
      if (wantsPage(c)) return (await formAgain(c, raw, pageFields(fields), 400)) as never;
      const [first] = Object.entries(fields);
      throw new AppError('VALIDATION', first ? `${first[0]}: ${first[1]}` : 'invalid input', fields);
    }) as never,
  );

  return app;
}

