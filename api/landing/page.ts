import { createHash } from 'node:crypto';
import { t, type Lang } from '../../core/i18n/i18n.js';
import type { LandingContent } from '../../core/landing/content.js';
import { html, raw, scriptJson, type Html } from '../html.js';

export const LANDING_LANGS: Lang[] = ['uz', 'ru', 'en'];
export const UTM_KEYS = ['source', 'medium', 'campaign', 'content', 'term'] as const;
export type Utm = Partial<Record<(typeof UTM_KEYS)[number], string>>;

const locales: Record<Lang, { intl: string; og: string }> = {
  uz: { intl: 'uz-UZ', og: 'uz_UZ' },
  ru: { intl: 'ru-RU', og: 'ru_RU' },
  en: { intl: 'en-US', og: 'en_US' },
};

/** `?lang=` wins, then the browser's Accept-Language (by q), then Uzbek. */
export function pickLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  const q = (query ?? '').toLowerCase();
  if ((LANDING_LANGS as string[]).includes(q)) return q as Lang;
  const prefs = (acceptLanguage ?? '')
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const qv = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { lang: tag.slice(0, 2).toLowerCase(), q: qv ? Number(qv.slice(2)) || 0 : 1, i };
    })
    .filter((p) => p.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const p of prefs) if ((LANDING_LANGS as string[]).includes(p.lang)) return p.lang as Lang;
  return 'uz';
}

export function formatPrice(lang: Lang, price: number): string {
  return `${new Intl.NumberFormat(locales[lang].intl, { maximumFractionDigits: 0 }).format(price)} ${t(lang, 'landing.currency')}`;
}

const STYLE = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#f6f7f9}
a{color:#0b63c5}
.wrap{max-width:46rem;margin:0 auto;padding:0 1rem}
header{background:#fff;border-bottom:1px solid #e3e6ea}
header .wrap{display:flex;align-items:center;justify-content:space-between;gap:1rem;min-height:3.5rem}
.brand{font-weight:700}
.langs a{margin-left:.5rem;text-decoration:none;padding:.2rem .4rem;border-radius:.3rem}
.langs a[aria-current]{background:#0b63c5;color:#fff}
h1{font-size:1.6rem;line-height:1.25;margin:1.5rem 0 .5rem}
h2{font-size:1.2rem;margin:0 0 .75rem}
section{margin:1.25rem 0}
.card{background:#fff;border:1px solid #e3e6ea;border-radius:.75rem;padding:1rem}
.courses{list-style:none;margin:0;padding:0}
.courses li{display:flex;justify-content:space-between;gap:1rem;padding:.6rem 0;border-bottom:1px solid #eef0f2}
.courses li:last-child{border-bottom:0}
.price{font-weight:600;white-space:nowrap}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select,textarea{width:100%;font:inherit;padding:.6rem .7rem;border:1px solid #c5cbd3;border-radius:.5rem;background:#fff}
textarea{min-height:5rem;resize:vertical}
button{margin-top:1rem;width:100%;font:inherit;font-weight:700;padding:.8rem;border:0;border-radius:.5rem;background:#0b63c5;color:#fff;cursor:pointer}
button[disabled]{opacity:.6}
.cta{display:inline-block;margin-top:.5rem;font-weight:700}
.field-error{display:block;color:#b3261e;font-size:.9rem;min-height:0}
.form-error{color:#b3261e;font-weight:600}
.form-error:empty{display:none}
.success{background:#e7f6ec;border:1px solid #9ad3ac;border-radius:.5rem;padding:1rem;font-weight:600}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
footer{color:#5f6b7a;font-size:.9rem;padding:2rem 0}
@media (min-width:48rem){h1{font-size:2rem}}`;

// Progressive enhancement: without JavaScript the form posts and the server answers with a page.
const SCRIPT = `(function () {
  var form = document.getElementById('lead-form');
  if (!form || !window.fetch || !window.FormData) return;
  var msgs = JSON.parse(document.getElementById('landing-msgs').textContent);
  var status = document.getElementById('form-status');
  var button = form.querySelector('button[type=submit]');
  function clear() {
    status.textContent = '';
    var errs = form.querySelectorAll('[data-error-for]');
    for (var i = 0; i < errs.length; i++) errs[i].textContent = '';
    var bad = form.querySelectorAll('[aria-invalid]');
    for (var j = 0; j < bad.length; j++) bad[j].removeAttribute('aria-invalid');
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clear();
    var body = {}, utm = {}, hasUtm = false;
    new FormData(form).forEach(function (v, k) {
      if (typeof v !== 'string') return;
      v = v.trim();
      if (!v) return;
      if (k.indexOf('utm_') === 0) { utm[k.slice(4)] = v; hasUtm = true; }
      else if (k === 'courseId') body.courseId = Number(v);
      else body[k] = v;
    });
    if (hasUtm) body.utm = utm;
    var label = button.textContent;
    button.disabled = true;
    button.textContent = msgs.sending;
    fetch(form.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
      body: JSON.stringify(body)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) {
          var done = document.createElement('p');
          done.className = 'success';
          done.setAttribute('role', 'status');
          done.setAttribute('tabindex', '-1');
          done.textContent = msgs.success.replace('{name}', body.name || '');
          form.parentNode.replaceChild(done, form);
          done.focus();
          return;
        }
        if (res.status === 429) { status.textContent = msgs.rateLimited; return; }
        var fields = (data && data.error && data.error.fields) || {};
        var first = null;
        Object.keys(fields).forEach(function (k) {
          var el = form.querySelector('[data-error-for="' + k + '"]');
          if (el) el.textContent = msgs.fields[k] || fields[k];
          var input = form.querySelector('[aria-describedby="err-' + k + '"]');
          if (input) { input.setAttribute('aria-invalid', 'true'); first = first || input; }
        });
        status.textContent = msgs.error;
        if (first) first.focus();
      });
    }).catch(function () {
      status.textContent = msgs.network;
    }).then(function () {
      button.disabled = false;
      button.textContent = label;
    });
  });
})();`;

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/**
 * CSP of the landing pages. The one inline script and the one inline style are constants, so they
 * are allowed by hash: no per-response nonce, and nothing else inline can ever run.
 */
export const LANDING_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface PageContext {
  lang: Lang;
  content: LandingContent;
  /** PUBLIC_URL without a trailing slash */
  publicUrl: string;
}

export interface FormState {
  values?: { name?: string; phone?: string; courseId?: number | null; comment?: string };
  /** field → message, shown beside the field */
  errors?: Record<string, string>;
  /** a message above the form (rate limit, generic error) */
  notice?: string;
  utm?: Utm;
}

function pageUrl(ctx: PageContext, lang: Lang): string {
  return `${ctx.publicUrl}/${lang === 'uz' ? '' : `?lang=${lang}`}`;
}

function texts(ctx: PageContext) {
  const custom = ctx.content.texts[ctx.lang] ?? {};
  const center = ctx.content.centerName;
  return {
    title: custom.title?.trim() || t(ctx.lang, 'landing.title', { center }),
    description: custom.description?.trim() || t(ctx.lang, 'landing.description', { center }),
  };
}

function layout(ctx: PageContext, title: string, description: string, body: Html, opts: { script?: boolean; utm?: Utm } = {}): string {
  const canonical = pageUrl(ctx, ctx.lang);
  const switchQuery = (l: Lang) => {
    const q = new URLSearchParams();
    q.set('lang', l);
    for (const k of UTM_KEYS) if (opts.utm?.[k]) q.set(`utm_${k}`, opts.utm[k]!);
    return `/?${q.toString()}`;
  };
  const doc = html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${description}">
<link rel="canonical" href="${canonical}">
${LANDING_LANGS.map((l) => html`<link rel="alternate" hreflang="${l}" href="${pageUrl(ctx, l)}">\n`)}<link rel="alternate" hreflang="x-default" href="${pageUrl(ctx, 'uz')}">
<meta property="og:type" content="website">
<meta property="og:site_name" content="${ctx.content.centerName}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${canonical}">
<meta property="og:locale" content="${locales[ctx.lang].og}">
${LANDING_LANGS.filter((l) => l !== ctx.lang).map((l) => html`<meta property="og:locale:alternate" content="${locales[l].og}">\n`)}<meta name="twitter:card" content="summary">
<style>${raw(STYLE)}</style>
</head>
<body>
<header><div class="wrap"><strong class="brand">${ctx.content.centerName}</strong>
<nav class="langs" aria-label="${t(ctx.lang, 'landing.language')}">${LANDING_LANGS.map(
    (l) => html`<a href="${switchQuery(l)}" hreflang="${l}" lang="${l}"${l === ctx.lang ? raw(' aria-current="true"') : ''}>${l.toUpperCase()}</a>`,
  )}</nav></div></header>
${body}
<footer><div class="wrap">© ${ctx.content.centerName}</div></footer>
${opts.script ? html`<script>${raw(SCRIPT)}</script>` : ''}
</body>
</html>`;
  return doc.value;
}

function fieldMessages(lang: Lang): Record<string, string> {
  return {
    name: t(lang, 'landing.field_required'),
    phone: t(lang, 'landing.field_phone'),
    courseId: t(lang, 'landing.field_course'),
  };
}

/** A field error as the visitor should read it: in their language where we know the field. */
export function localizeFieldErrors(lang: Lang, fields: Record<string, string> | undefined): Record<string, string> {
  const known = fieldMessages(lang);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    // a missing phone is "required", not "invalid"; a too-long name is not "required"
    const tooLong = /^must be at most (\d+) characters$/.exec(v);
    if (v === 'is required') out[k] = t(lang, 'landing.field_required');
    else if (tooLong) out[k] = t(lang, 'landing.field_too_long', { max: tooLong[1] });
    else if (k === 'name') out[k] = v;
    else out[k] = known[k] ?? v;
  }
  return out;
}

function contacts(ctx: PageContext): Html {
  const c = ctx.content;
  if (!c.contactPhone && !c.address && !c.mapLink) return html``;
  const tel = (c.contactPhone ?? '').replace(/[^\d+]/g, '');
  return html`<section id="contacts" class="card"><h2>${t(ctx.lang, 'landing.contacts')}</h2>
${c.contactPhone ? html`<p>${t(ctx.lang, 'landing.phone_label')}: <a href="tel:${tel}">${c.contactPhone}</a></p>` : ''}
${c.address ? html`<p>${t(ctx.lang, 'landing.address')}: ${c.address}</p>` : ''}
${c.mapLink ? html`<p><a href="${c.mapLink}" rel="noopener noreferrer" target="_blank">${t(ctx.lang, 'landing.map')}</a></p>` : ''}
</section>`;
}

export function renderLanding(ctx: PageContext, form: FormState = {}): string {
  const { lang, content } = ctx;
  const { title, description } = texts(ctx);
  const v = form.values ?? {};
  const errors = form.errors ?? {};
  const fieldError = (name: string) => html`<span class="field-error" id="err-${name}" data-error-for="${name}">${errors[name] ?? ''}</span>`;
  // a screen reader reads the error with its field; the page that came back puts the visitor on the first bad one
  const firstBad = ['name', 'phone', 'courseId', 'comment'].find((k) => errors[k]);
  const a11y = (name: string) =>
    raw(` aria-describedby="err-${name}"${errors[name] ? ' aria-invalid="true"' : ''}${name === firstBad ? ' autofocus' : ''}`);
  const msgs = {
    sending: t(lang, 'landing.sending'),
    success: t(lang, 'landing.success', { name: '{name}' }),
    error: t(lang, 'landing.error'),
    network: t(lang, 'landing.error_network'),
    rateLimited: t(lang, 'landing.rate_limited'),
    fields: fieldMessages(lang),
  };
  const body = html`<main class="wrap">
<section class="hero"><h1>${title}</h1><p>${description}</p><a class="cta" href="#form">${t(lang, 'landing.form_title')} ↓</a></section>
<section id="courses" class="card"><h2>${t(lang, 'landing.courses')}</h2>
${
  content.courses.length
    ? html`<ul class="courses">${content.courses.map((c) => html`<li><span class="cname">${c.name}</span><span class="price">${formatPrice(lang, c.price)}</span></li>`)}</ul>`
    : html`<p>${t(lang, 'landing.no_courses')}</p>`
}
</section>
<section id="form" class="card"><h2>${t(lang, 'landing.form_title')}</h2><p>${t(lang, 'landing.form_hint')}</p>
<p id="form-status" class="form-error" role="alert">${form.notice ?? ''}</p>
<form id="lead-form" method="post" action="/api/public/leads" accept-charset="utf-8">
<label for="f-name">${t(lang, 'landing.name')}</label>
<input id="f-name" name="name" required maxlength="200" autocomplete="name"${a11y('name')} value="${v.name ?? ''}">
${fieldError('name')}
<label for="f-phone">${t(lang, 'landing.phone')}</label>
<input id="f-phone" name="phone" type="tel" inputmode="tel" required maxlength="40" autocomplete="tel"${a11y('phone')} placeholder="${t(lang, 'landing.phone_placeholder')}" value="${v.phone ?? ''}">
${fieldError('phone')}
${
  content.courses.length
    ? html`<label for="f-course">${t(lang, 'landing.course')}</label>
<select id="f-course" name="courseId"${a11y('courseId')}><option value="">${t(lang, 'landing.course_any')}</option>${content.courses.map(
        (c) => html`<option value="${c.id}"${v.courseId === c.id ? raw(' selected') : ''}>${c.name} — ${formatPrice(lang, c.price)}</option>`,
      )}</select>
${fieldError('courseId')}`
    : ''
}
<label for="f-comment">${t(lang, 'landing.comment')}</label>
<textarea id="f-comment" name="comment" maxlength="2000"${a11y('comment')}>${v.comment ?? ''}</textarea>
${fieldError('comment')}
<input type="hidden" name="lang" value="${lang}">
${UTM_KEYS.filter((k) => form.utm?.[k]).map((k) => html`<input type="hidden" name="utm_${k}" value="${form.utm![k]!}">`)}
<div class="hp" aria-hidden="true"><label for="f-website">Website</label><input id="f-website" name="website" tabindex="-1" autocomplete="off"></div>
<button type="submit">${t(lang, 'landing.submit')}</button>
</form>
</section>
${contacts(ctx)}
</main>
<script type="application/json" id="landing-msgs">${scriptJson(msgs)}</script>`;
  return layout(ctx, title, description, body, { script: true, utm: form.utm });
}

/** The answer to a form posted without JavaScript. */
export function renderThanks(ctx: PageContext, name: string): string {
  const { lang } = ctx;
  const title = `${t(lang, 'landing.thanks_title')} — ${ctx.content.centerName}`;
  const body = html`<main class="wrap"><section class="card"><h1>${t(lang, 'landing.thanks_title')}</h1>
<p class="success" role="status">${t(lang, 'landing.success', { name })}</p>
<p><a href="/${lang === 'uz' ? '' : `?lang=${lang}`}">${t(lang, 'landing.back')}</a></p></section>
${contacts(ctx)}</main>`;
  return layout(ctx, title, texts(ctx).description, body);
}

/** A short page for a refused form post without JavaScript (e.g. too many attempts). */
export function renderNotice(ctx: PageContext, message: string): string {
  const body = html`<main class="wrap"><section class="card"><p class="form-error" role="alert">${message}</p>
<p><a href="/${ctx.lang === 'uz' ? '' : `?lang=${ctx.lang}`}">${t(ctx.lang, 'landing.back')}</a></p></section></main>`;
  return layout(ctx, ctx.content.centerName, texts(ctx).description, body);
}
