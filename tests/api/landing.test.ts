import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../support/db.js';
import { addCourse, addUser } from '../support/fixtures.js';
import { apiFor, fromIp, json } from '../support/api.js';
import { createApi } from '../../api/app.js';
import { createDbRateLimiter } from '../../api/security.js';
import { createLogger } from '../../logger.js';
import type { User } from '../../db/types.js';

let phoneSeq = 1000000;
const nextPhone = () => `+99890${phoneSeq++}`;
const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields).toString(),
});
const browserForm = (fields: Record<string, string>) => form(fields, { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });

describe.each(dialects())('landing page and form (%s)', (dialect) => {
  let ctx: Awaited<ReturnType<typeof apiFor>>;
  let sales: User;
  let manager: User;
  let english: { id: number };
  let ielts: { id: number };
  let ip = 0;
  // each test posts from its own address so the per-IP limit only bites where a test wants it
  let me = fromIp('10.0.0.1');
  const post = (init: RequestInit, env = me) => ctx.app.request('/api/public/leads', init, env);

  beforeAll(async () => {
    ctx = await apiFor(dialect);
    sales = await addUser(ctx.services, { role: 'sales', fullName: 'Aziza', telegramUserId: 6001 });
    manager = await addUser(ctx.services, { role: 'sales_manager', fullName: 'Manager', telegramUserId: 6002 });
    english = await addCourse(ctx.database, { name: 'General English', price: 650_000 });
    ielts = await addCourse(ctx.database, { name: 'IELTS <Intensive>', price: 1_200_000 });
    const old = await addCourse(ctx.database, { name: 'Retired Course', price: 1 });
    await ctx.db.updateTable('courses').set({ active: 0 }).where('id', '=', old.id).execute();
    await ctx.db
      .updateTable('center_settings')
      .set({ center_name: 'Bright <Future> Academy', contact_phone: '+998 71 200 00 00', address: 'Tashkent, Chilonzor 1', map_link: 'javascript:alert(1)' })
      .where('id', '=', 1)
      .execute();
  });
  afterAll(() => ctx.cleanup());
  beforeEach(() => {
    me = fromIp(`10.0.1.${++ip}`);
  });

  describe('GET /', () => {
    it('renders Uzbek by default with title, description, canonical from PUBLIC_URL and Open Graph tags', async () => {
      const res = await ctx.app.request('/');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain('<html lang="uz">');
      expect(html).toContain('<title>Bright &lt;Future&gt; Academy — kurslarga yoziling</title>');
      expect(html).toMatch(/<meta name="description" content="[^"]+">/);
      expect(html).toContain('<link rel="canonical" href="https://edu.example.uz/">');
      expect(html).toContain('<meta property="og:url" content="https://edu.example.uz/">');
      expect(html).toContain('<meta property="og:title" content="Bright &lt;Future&gt; Academy — kurslarga yoziling">');
      expect(html).toContain('<meta property="og:locale" content="uz_UZ">');
    });

    it('picks the language from ?lang=, then Accept-Language', async () => {
      const ru = await (await ctx.app.request('/', { headers: { 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5' } })).text();
      expect(ru).toContain('<html lang="ru">');
      expect(ru).toContain('запись на курсы');
      const en = await (await ctx.app.request('/?lang=en', { headers: { 'accept-language': 'ru' } })).text();
      expect(en).toContain('<html lang="en">');
      expect(en).toContain('<link rel="canonical" href="https://edu.example.uz/?lang=en">');
      const fallback = await (await ctx.app.request('/', { headers: { 'accept-language': 'de-DE,fr;q=0.8' } })).text();
      expect(fallback).toContain('<html lang="uz">');
    });

    it('lists the active courses with prices in UZS, escaped, and offers them in the form', async () => {
      const html = await (await ctx.app.request('/')).text();
      expect(html).toMatch(/General English<\/span><span class="price">650[\s\u00a0\u202f]000 so&#39;m/);
      expect(html).toMatch(/IELTS &lt;Intensive&gt;<\/span><span class="price">1[\s\u00a0\u202f]200[\s\u00a0\u202f]000 so&#39;m/);
      expect(html).not.toContain('Retired Course');
      expect(html).toContain(`<option value="${ielts.id}">IELTS &lt;Intensive&gt;`);
      const ru = await (await ctx.app.request('/?lang=ru')).text();
      expect(ru).toMatch(/650[\s\u00a0\u202f]000 сум/);
    });

    it("shows the center's contacts and drops a map link that is not http(s)", async () => {
      const html = await (await ctx.app.request('/')).text();
      expect(html).toContain('<a href="tel:+998712000000">+998 71 200 00 00</a>');
      expect(html).toContain('Tashkent, Chilonzor 1');
      expect(html).not.toContain('javascript:');
    });

    it('copies UTM parameters of the page URL into hidden fields and keeps them across the language switch', async () => {
      const html = await (await ctx.app.request('/?utm_source=instagram&utm_campaign=%22autumn%22&fbclid=xyz')).text();
      expect(html).toContain('<input type="hidden" name="utm_source" value="instagram">');
      expect(html).toContain('<input type="hidden" name="utm_campaign" value="&quot;autumn&quot;">');
      expect(html).toContain('href="/?lang=ru&amp;utm_source=instagram&amp;utm_campaign=%22autumn%22"');
      expect(html).toMatch(/<input id="f-website" name="website" tabindex="-1"/);
    });

    it('an odd link (a parameter twice, a stray %00) still opens the page; the first value counts and the UTM reaches the lead', async () => {
      const res = await ctx.app.request('/?utm_source=google&utm_source=facebook&lang=ru&lang=en&utm_campaign=%00spring%01');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain('<html lang="ru">');
      expect(html).toContain('<input type="hidden" name="utm_source" value="google">');
      expect(html).toContain('<input type="hidden" name="utm_campaign" value="spring">');
      const nul = await ctx.app.request('/?lang=%00', { headers: { 'accept-language': 'en' } });
      expect(nul.status).toBe(200);
      expect(await nul.text()).toContain('<html lang="en">');
      // the hidden fields the page rendered are accepted by the form
      const phone = nextPhone();
      const sent = await post(form({ name: 'Odd', phone, utm_source: 'google', utm_campaign: 'spring', lang: 'ru' }));
      expect(sent.status).toBe(201);
      const lead = await ctx.db.selectFrom('leads').select(['utm_source', 'utm_campaign']).where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(lead).toEqual({ utm_source: 'google', utm_campaign: 'spring' });
    });
  });

  describe('POST /api/public/leads', () => {
    it('a new lead → 201 {id, duplicate:false}; stored as a form lead with course, UTM, comment and an assignee', async () => {
      const phone = nextPhone();
      const res = await post(
        json({ name: '  Dilnoza  ', phone, courseId: ielts.id, comment: 'evenings please', utm: { source: 'instagram', medium: 'cpc', campaign: 'autumn', content: 'story', term: 'ielts' } }),
      );
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body).toEqual({ id: expect.any(Number), duplicate: false });
      const lead = await ctx.db.selectFrom('leads').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
      expect(lead).toMatchObject({
        name: 'Dilnoza',
        phone,
        source: 'form',
        course_id: ielts.id,
        utm_source: 'instagram',
        utm_medium: 'cpc',
        utm_campaign: 'autumn',
        utm_content: 'story',
        utm_term: 'ielts',
        status: 'new',
        assigned_to: sales.id,
        last_note: 'evenings please',
      });
    });

    it('a known phone → 200 {id, duplicate:true} for the same lead, no second lead', async () => {
      const phone = nextPhone();
      const first = await (await post(json({ name: 'Bobur', phone }))).json();
      const again = await post(json({ name: 'Bobur again', phone: phone.replace('+998', '') }));
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ id: first.id, duplicate: true });
      const count = await ctx.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(1);
    });

    it('a form post from an API client (no text/html) answers JSON and keeps utm_* and course', async () => {
      const phone = nextPhone();
      const res = await post(form({ name: 'Kamola', phone, courseId: String(english.id), utm_source: 'telegram', utm_medium: 'post', comment: '', website: '', lang: 'ru' }));
      expect(res.status).toBe(201);
      const { id } = await res.json();
      const lead = await ctx.db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(lead).toMatchObject({ course_id: english.id, utm_source: 'telegram', utm_medium: 'post', utm_campaign: null, source: 'form' });
    });

    it('accepts the common spellings of a landing form: phone as a number, course_id, flat utm_* and note', async () => {
      const res = await post(json({ name: 'Sanjar', phone: 998907654321, course_id: String(english.id), note: 'after 18:00', utm_source: 'google', utm_campaign: 'brand' }), fromIp('10.44.0.1'));
      expect(res.status).toBe(201);
      const { id } = await res.json();
      const lead = await ctx.db.selectFrom('leads').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(lead).toMatchObject({ phone: '+998907654321', course_id: english.id, utm_source: 'google', utm_campaign: 'brand', last_note: 'after 18:00', source: 'form' });
      const bad = await post(json({ name: 'Sanjar', phone: '+998907654322', course_id: 'english' }), fromIp('10.44.0.2'));
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.fields).toHaveProperty('course_id');
      const unknown = await post(json({ name: 'Sanjar', phone: '+998907654323', email: 'x@y.z' }), fromIp('10.44.0.3'));
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).error.fields).toEqual({ email: expect.any(String) });
    });

    it('JSON: an optional field sent as null (how site builders send an empty input) means "not given", not "is required"', async () => {
      const phone = nextPhone();
      const res = await post(
        json({ name: 'Nodira', phone, courseId: null, comment: null, note: null, utm: { source: 'tg', medium: null }, utm_campaign: null, website: null, lang: null }),
        fromIp('10.44.1.1'),
      );
      expect(res.status).toBe(201);
      const lead = await ctx.db.selectFrom('leads').selectAll().where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(lead).toMatchObject({ name: 'Nodira', course_id: null, last_note: null, utm_source: 'tg', utm_medium: null, utm_campaign: null });
      const noUtm = await post(json({ name: 'Nodira', phone: nextPhone(), utm: null }), fromIp('10.44.1.2'));
      expect(noUtm.status).toBe(201);
      // the required fields still are
      const missing = await post(json({ name: null, phone: null }), fromIp('10.44.1.3'));
      expect(missing.status).toBe(400);
      expect((await missing.json()).error.fields).toEqual({ name: 'is required', phone: 'is required' });
    });

    it('the managers get a landing digest through the outbox: one message per minute listing the leads', async () => {
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T07:30:05.000Z');
      try {
        const a = await (await post(json({ name: 'Digest One', phone: nextPhone() }))).json();
        ctx.clock.set('2026-11-24T07:30:40.000Z');
        const b = await (await post(json({ name: 'Digest Two', phone: nextPhone() }), fromIp('10.9.9.9'))).json();
        const rows = await ctx.db.selectFrom('outbox').selectAll().where('kind', '=', 'landing_digest').where('user_id', '=', manager.id).execute();
        const minute = rows.filter((r) => JSON.parse(r.payload).leads.some((l: { id: number }) => l.id === a.id));
        expect(minute).toHaveLength(1);
        expect(JSON.parse(minute[0].payload).leads.map((l: { id: number }) => l.id)).toEqual(expect.arrayContaining([a.id, b.id]));
        expect(Date.parse(minute[0].not_before)).toBeGreaterThanOrEqual(Date.parse('2026-11-24T07:31:00.000Z'));
      } finally {
        ctx.clock.set(at);
      }
    });

    it('a known phone writing in again through the form is listed in the digest, marked as returning', async () => {
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T07:35:05.000Z');
      try {
        const phone = nextPhone();
        const first = await post(json({ name: 'Comes Back', phone }), fromIp('10.35.0.1'));
        expect(first.status).toBe(201);
        ctx.clock.set('2026-11-24T07:36:10.000Z');
        const again = await post(json({ name: 'Comes Back', phone, comment: 'still interested' }), fromIp('10.35.0.2'));
        expect(again.status).toBe(200);
        const { id, duplicate } = await again.json();
        expect(duplicate).toBe(true);
        const rows = await ctx.db.selectFrom('outbox').selectAll().where('kind', '=', 'landing_digest').where('user_id', '=', manager.id).where('not_before', '=', '2026-11-24T07:37:00.000Z').execute();
        expect(rows).toHaveLength(1);
        expect(JSON.parse(rows[0].payload).leads).toEqual([expect.objectContaining({ id, duplicate: true })]);
      } finally {
        ctx.clock.set(at);
      }
    });

    it('a burst of landing leads in one minute stays one digest message: the first 20 listed, all counted', async () => {
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T07:40:05.000Z');
      try {
        for (let i = 0; i < 30; i++) expect((await post(json({ name: `Burst ${i}`, phone: nextPhone() }), fromIp(`10.30.0.${i}`))).status).toBe(201);
        const rows = await ctx.db.selectFrom('outbox').selectAll().where('kind', '=', 'landing_digest').where('user_id', '=', manager.id).where('not_before', '=', '2026-11-24T07:41:00.000Z').execute();
        expect(rows).toHaveLength(1);
        const payload = JSON.parse(rows[0].payload);
        expect(payload.total).toBe(30);
        expect(payload.leads).toHaveLength(20);
        expect(payload.leads[0].name).toBe('Burst 0');
      } finally {
        ctx.clock.set(at);
      }
    });

    it('without JavaScript: a browser form post gets a thank-you page with the name as text', async () => {
      const phone = nextPhone();
      const res = await post(browserForm({ name: '<img src=x onerror=alert(1)>', phone, lang: 'en' }));
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
      const html = await res.text();
      expect(html).toContain('Thank you, &lt;img src=x onerror=alert(1)&gt;!');
      expect(html).not.toContain('<img');
      const stored = await ctx.db.selectFrom('leads').select('name').where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(stored.name).toBe('<img src=x onerror=alert(1)>');
    });

    it('without JavaScript: a bad phone re-renders the form (400) with the typed values and the error beside the field', async () => {
      const res = await post(browserForm({ name: 'Sardor', phone: '12', comment: 'hi <b>', lang: 'ru', utm_source: 'ig' }));
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('<html lang="ru">');
      expect(html).toContain('data-error-for="phone">Неверный номер телефона</span>');
      expect(html).toContain('value="Sardor"');
      expect(html).toContain('hi &lt;b&gt;</textarea>');
      expect(html).toContain('<input type="hidden" name="utm_source" value="ig">');
    });

    it.each([
      ['uz', 'To&#39;ldirilishi shart', 'Telefon raqami noto&#39;g&#39;ri'],
      ['ru', 'Обязательное поле', 'Неверный номер телефона'],
      ['en', 'Required', 'Invalid phone number'],
    ] as const)('without JavaScript (%s): a missing name and a bad phone are both shown beside their fields, in the visitor’s language', async (lang, required, badPhone) => {
      const res = await post(browserForm({ phone: '12', lang }));
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain(`<html lang="${lang}">`);
      expect(html).toContain(`data-error-for="name">${required}</span>`);
      expect(html).toContain(`data-error-for="phone">${badPhone}</span>`);
      expect(html).not.toMatch(/Invalid input|expected string/);
    });

    it('without JavaScript: an empty phone is "required", an unknown `course` shows beside the course picker', async () => {
      const empty = await (await post(browserForm({ name: 'Olim', phone: ' ', lang: 'en' }))).text();
      expect(empty).toContain('data-error-for="phone">Required</span>');
      const course = await post(browserForm({ name: 'Olim', phone: nextPhone(), course: '999999', lang: 'en' }));
      expect(course.status).toBe(400);
      expect(await course.text()).toContain('data-error-for="courseId">No such course</span>');
    });

    it('without JavaScript: a comment the textarea allowed (line breaks sent as CRLF) is accepted; a too-long one is named in the page language', async () => {
      // 20 lines: 1999 characters as the textarea's maxlength counts them, 2018 on the wire
      const comment = `${'a'.repeat(99)}\r\n`.repeat(20).slice(0, -2);
      const phone = nextPhone();
      const ok = await post(browserForm({ name: 'Malika', phone, comment, lang: 'ru' }));
      expect(ok.status).toBe(201);
      const lead = await ctx.db.selectFrom('leads').select('last_note').where('phone', '=', phone).executeTakeFirstOrThrow();
      expect(lead.last_note).toBe(comment.replace(/\r\n/g, '\n'));
      for (const [lang, message] of [
        ['uz', 'Juda uzun: ko&#39;pi bilan 2000 ta belgi'],
        ['ru', 'Слишком длинно: не более 2000 символов'],
        ['en', 'Too long: at most 2000 characters'],
      ]) {
        const long = await post(browserForm({ name: 'Malika', phone: nextPhone(), comment: 'b'.repeat(2001), lang }), fromIp(`10.48.0.${lang.charCodeAt(0)}`));
        expect(long.status, lang).toBe(400);
        expect(await long.text(), lang).toContain(`data-error-for="comment">${message}</span>`);
      }
      const name = await (await post(browserForm({ name: 'n'.repeat(201), phone: nextPhone(), lang: 'ru' }), fromIp('10.48.1.1'))).text();
      expect(name).toContain('data-error-for="name">Слишком длинно: не более 200 символов</span>');
    });

    it('honeypot filled (JSON) → looks accepted (201 with an id) but nothing is stored or sent', async () => {
      const leadsBefore = await ctx.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const outboxBefore = await ctx.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const phone = nextPhone();
      const res = await post(json({ name: 'Bot', phone, website: 'http://spam.example' }));
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ id: expect.any(Number), duplicate: false });
      const page = await post(browserForm({ name: 'Bot', phone, website: 'spam' }));
      expect(page.status).toBe(201);
      expect(await page.text()).toContain('Rahmat, Bot!');
      const leadsAfter = await ctx.db.selectFrom('leads').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const outboxAfter = await ctx.db.selectFrom('outbox').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(leadsAfter.n)).toBe(Number(leadsBefore.n));
      expect(Number(outboxAfter.n)).toBe(Number(outboxBefore.n));
      expect(await ctx.db.selectFrom('leads').select('id').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();
    });

    it('the sixth post in a minute from one address → 429 with Retry-After; other addresses and the next minute pass', async () => {
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T08:00:10.000Z');
      try {
        for (let i = 0; i < 5; i++) expect((await post(json({ name: `Rate ${i}`, phone: nextPhone() }))).status).toBe(201);
        const sixth = await post(json({ name: 'Rate 6', phone: nextPhone() }));
        expect(sixth.status).toBe(429);
        expect(Number(sixth.headers.get('retry-after'))).toBe(50);
        expect((await sixth.json()).error.code).toBe('RATE_LIMITED');
        expect((await post(json({ name: 'Elsewhere', phone: nextPhone() }), fromIp('10.200.0.1'))).status).toBe(201);
        const page = await post(browserForm({ name: 'Rate 7', phone: nextPhone() }));
        expect(page.status).toBe(429);
        expect(page.headers.get('retry-after')).toBeTruthy();
        ctx.clock.set('2026-11-24T08:01:00.000Z');
        expect((await post(json({ name: 'Next minute', phone: nextPhone() }))).status).toBe(201);
      } finally {
        ctx.clock.set(at);
      }
    });

    it('X-Forwarded-For is ignored unless TRUST_PROXY is set', async () => {
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T08:10:10.000Z');
      try {
        // untrusted: a client rotating fake X-Forwarded-For values still shares one bucket
        for (let i = 0; i < 5; i++) expect((await post(json({ name: 'XFF', phone: nextPhone() }, { 'x-forwarded-for': `1.1.1.${i}` }))).status).toBe(201);
        expect((await post(json({ name: 'XFF', phone: nextPhone() }, { 'x-forwarded-for': '1.1.1.99' }))).status).toBe(429);
      } finally {
        ctx.clock.set(at);
      }
      const proxied = createApi({ services: ctx.services, config: { ...ctx.config, TRUST_PROXY: true }, log: createLogger('silent') });
      const proxy = fromIp('10.0.0.254');
      ctx.clock.set('2026-11-24T08:20:10.000Z');
      try {
        for (let i = 0; i < 5; i++) {
          const res = await proxied.request('/api/public/leads', json({ name: 'P', phone: nextPhone() }, { 'x-forwarded-for': '9.9.9.9, 203.0.113.7' }), proxy);
          expect(res.status).toBe(201);
        }
        // the last entry (what our proxy saw) is the client; what the client wrote before it is not trusted
        expect((await proxied.request('/api/public/leads', json({ name: 'P', phone: nextPhone() }, { 'x-forwarded-for': '8.8.8.8, 203.0.113.7' }), proxy)).status).toBe(429);
        expect((await proxied.request('/api/public/leads', json({ name: 'P', phone: nextPhone() }, { 'x-forwarded-for': '203.0.113.8' }), proxy)).status).toBe(201);
      } finally {
        ctx.clock.set(at);
      }
    });

    it('database counters (the default on PostgreSQL): two app instances (processes) on one database share the limit', async () => {
      const inDb = () => createApi({ services: ctx.services, config: ctx.config, log: createLogger('silent'), rateLimiter: createDbRateLimiter(ctx.db, ctx.clock) });
      const one = inDb();
      const two = inDb();
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T08:30:10.000Z');
      try {
        for (let i = 0; i < 3; i++) expect((await one.request('/api/public/leads', json({ name: 'A', phone: nextPhone() }), me)).status).toBe(201);
        for (let i = 0; i < 2; i++) expect((await two.request('/api/public/leads', json({ name: 'B', phone: nextPhone() }), me)).status).toBe(201);
        const refused = await two.request('/api/public/leads', json({ name: 'B', phone: nextPhone() }), me);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBe(50);
        const row = await ctx.db.selectFrom('rate_limits').selectAll().where('key', '=', `landing:${me.incoming.socket.remoteAddress}`).executeTakeFirstOrThrow();
        expect(row).toMatchObject({ window_start: '2026-11-24T08:30:00.000Z' });
        expect(Number(row.count)).toBe(6);
        // concurrent hits on the database counter: exactly the limit gets through
        const burst = fromIp('10.77.0.1');
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? one : two).request('/api/public/leads', json({ name: `D${i}`, phone: nextPhone() }), burst)));
        expect(results.filter((r) => r.status === 201)).toHaveLength(5);
        expect(results.filter((r) => r.status === 429)).toHaveLength(7);
      } finally {
        ctx.clock.set(at);
      }
    });

    it(`the default limiter keeps its counters ${dialect === 'postgres' ? 'in the database' : 'in process memory (one process owns the SQLite file)'}`, async () => {
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T08:35:10.000Z');
      try {
        const ipAddr = '10.78.0.1';
        expect((await post(json({ name: 'Default', phone: nextPhone() }), fromIp(ipAddr))).status).toBe(201);
        const row = await ctx.db.selectFrom('rate_limits').selectAll().where('key', '=', `landing:${ipAddr}`).executeTakeFirst();
        if (dialect === 'postgres') expect(Number(row?.count)).toBe(1);
        else expect(row).toBeUndefined();
      } finally {
        ctx.clock.set(at);
      }
    });

    it('LANDING_RATE_LIMIT raises the per-address limit (what the bench uses)', async () => {
      const raised = createApi({ services: ctx.services, config: { ...ctx.config, LANDING_RATE_LIMIT: 20 }, log: createLogger('silent') });
      const at = ctx.clock.now();
      ctx.clock.set('2026-11-24T08:50:10.000Z');
      try {
        for (let i = 0; i < 20; i++) expect((await raised.request('/api/public/leads', json({ name: `R${i}`, phone: nextPhone() }), me)).status).toBe(201);
        expect((await raised.request('/api/public/leads', json({ name: 'R21', phone: nextPhone() }), me)).status).toBe(429);
      } finally {
        ctx.clock.set(at);
      }
    });

    it('a 2 MB body → 413 PAYLOAD_TOO_LARGE in the error shape, nothing stored', async () => {
      const phone = nextPhone();
      const res = await post(json({ name: 'Big', phone, comment: 'x'.repeat(2 * 1024 * 1024) }));
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/larger than/), requestId: expect.any(String) } });
      expect(await ctx.db.selectFrom('leads').select('id').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();
    });

    it.each([
      ['malformed JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "A", "phone":' }, 'body'],
      ['an unknown field', json({ name: 'A', phone: '+998901111111', admin: true }), 'admin'],
      ['an unknown UTM field', json({ name: 'A', phone: '+998901111111', utm: { source: 'x', evil: 'y' } }), 'utm.evil'],
      ['a wrong type', json({ name: 'A', phone: '+998901111111', courseId: 'two' }), 'courseId'],
      ['a missing name', json({ phone: '+998901111111' }), 'name'],
      ['an empty name', json({ name: '   ', phone: '+998901111111' }), 'name'],
      ['an invalid phone', json({ name: 'A', phone: '12345' }), 'phone'],
      ['an inactive or unknown course', json({ name: 'A', phone: '+998901111112', courseId: 999_999 }), 'courseId'],
    ] as const)('%s → 400 VALIDATION naming the field', async (_label, init, field) => {
      const res = await post(init as RequestInit);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('VALIDATION');
      expect(Object.keys(body.error.fields)).toContain(field);
      expect(JSON.stringify(body)).not.toMatch(/\bat .+:\d+:\d+/);
    });

    it.each([
      ['a missing name', { phone: '+998901111111' }, { name: 'is required' }],
      ['a null name', { name: null, phone: '+998901111111' }, { name: 'is required' }],
      ['a name that is a number', { name: 123, phone: '+998901111111' }, { name: 'must be text' }],
      ['a name of 201 characters', { name: 'x'.repeat(201), phone: '+998901111111' }, { name: 'must be at most 200 characters' }],
      ['a missing phone', { name: 'A' }, { phone: 'is required' }],
      ['a phone that is true', { name: 'A', phone: true }, { phone: 'must be a phone number (text or digits)' }],
      ['a comment that is a number', { name: 'A', phone: '+998901111111', comment: 5 }, { comment: 'must be text' }],
      ['a comment over 2000 characters', { name: 'A', phone: '+998901111111', comment: 'x'.repeat(2001) }, { comment: 'must be at most 2000 characters' }],
      ['utm that is not an object', { name: 'A', phone: '+998901111111', utm: 'x' }, { utm: 'must be an object' }],
      ['an unknown language', { name: 'A', phone: '+998901111111', lang: 'de' }, { lang: 'must be one of uz, ru, en' }],
      ['a course that is not an id', { name: 'A', phone: '+998901111111', course: 'english' }, { course: 'must be a course id (a number from the landing page)' }],
      ['nothing at all', {}, { name: 'is required', phone: 'is required' }],
      ['no name and a bad phone', { phone: '12' }, { name: 'is required', phone: '"12" is not a valid phone number' }],
      ['an array', [], { body: 'must be an object' }],
      // PostgreSQL text cannot hold a NUL: it was a 500 there (and stored as is on SQLite)
      ['a name with a NUL character', { name: 'A\u0000B', phone: '+998901111111' }, { name: 'must not contain a NUL character' }],
      ['a UTM value with a NUL character', { name: 'A', phone: '+998901111111', utm: { source: 'ig\u0000' } }, { 'utm.source': 'must not contain a NUL character' }],
    ] as const)('%s → 400 with a message a person can read', async (_label, body, fields) => {
      const res = await post(json(body));
      expect(res.status).toBe(400);
      const { error } = await res.json();
      expect(error.code).toBe('VALIDATION');
      expect(error.fields).toEqual(fields);
      const [field, message] = Object.entries(fields)[0];
      expect(error.message).toBe(`${field}: ${message}`);
    });

    it('a NUL character in a form post → 400 naming the field, nothing stored', async () => {
      const phone = nextPhone();
      const res = await post(form({ name: 'Ali', phone, comment: 'call me\u0000' }));
      expect(res.status).toBe(400);
      expect((await res.json()).error.fields).toEqual({ comment: 'must not contain a NUL character' });
      expect(await ctx.db.selectFrom('leads').select('id').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();
    });

    it('the optional course may be sent as `course` (a number or a digit string), in JSON and in a form post, and is documented', async () => {
      const asNumber = await post(json({ name: 'Kurs', phone: nextPhone(), course: ielts.id }), fromIp('10.45.0.1'));
      expect(asNumber.status).toBe(201);
      const asText = await post(json({ name: 'Kurs', phone: nextPhone(), course: String(english.id) }), fromIp('10.45.0.2'));
      expect(asText.status).toBe(201);
      const asForm = await post(form({ name: 'Kurs', phone: nextPhone(), course: String(ielts.id) }), fromIp('10.45.0.3'));
      expect(asForm.status).toBe(201);
      const courses = await Promise.all(
        [asNumber, asText, asForm].map(async (r) => (await ctx.db.selectFrom('leads').select('course_id').where('id', '=', (await r.json()).id).executeTakeFirstOrThrow()).course_id),
      );
      expect(courses.map(Number)).toEqual([ielts.id, english.id, ielts.id]);
      const unknown = await post(json({ name: 'Kurs', phone: nextPhone(), course: 999_999 }), fromIp('10.45.0.4'));
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).error.fields).toEqual({ course: 'is not an active course' });
      const doc = await (await ctx.app.request('/api/openapi.json')).json();
      const body = doc.paths['/api/public/leads'].post.requestBody.content;
      const schemaOf = (media: string) => {
        const s = body[media].schema;
        return s.$ref ? doc.components.schemas[s.$ref.split('/').pop()] : s;
      };
      expect(schemaOf('application/json').properties).toHaveProperty('course');
      expect(schemaOf('application/x-www-form-urlencoded').properties).toHaveProperty('course');
    });

    it('a lost lead writing in again through the form comes back as reactivation, same id, 200 duplicate', async () => {
      const phone = nextPhone();
      const first = await (await post(json({ name: 'Lola', phone }), fromIp('10.46.0.1'))).json();
      await ctx.services.leads.move(first.id, { to: 'lost', lostReason: 'no_answer' } as never, manager);
      const again = await post(json({ name: 'Lola', phone: phone.slice(4), comment: 'ready now' }), fromIp('10.46.0.2'));
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual({ id: first.id, duplicate: true });
      const lead = await ctx.db.selectFrom('leads').select(['status']).where('id', '=', first.id).executeTakeFirstOrThrow();
      expect(lead.status).toBe('reactivation');
    });

    it('another method on the lead route → 405 with Allow in the error shape; OPTIONS → 204 with Allow; an unknown public path → 404 JSON', async () => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await ctx.app.request('/api/public/leads', { method });
        expect(res.status, method).toBe(405);
        expect(res.headers.get('allow')).toBe('POST, OPTIONS');
        expect(await res.json()).toEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining('use POST'), requestId: expect.any(String) } });
      }
      const head = await ctx.app.request('/api/public/leads', { method: 'HEAD' });
      expect(head.status).toBe(405);
      const options = await ctx.app.request('/api/public/leads', { method: 'OPTIONS' });
      expect(options.status).toBe(204);
      expect(options.headers.get('allow')).toBe('POST, OPTIONS');
      const unknown = await ctx.app.request('/api/public/nothing-here', json({ name: 'A' }));
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toMatch(/application\/json/);
      expect((await unknown.json()).error.code).toBe('NOT_FOUND');
    });

    it('a course id beyond any real id (form or JSON) → 400 naming the field, not a 500 (PostgreSQL refused the comparison)', async () => {
      const phone = nextPhone();
      const cases: [RequestInit, string][] = [
        [json({ name: 'Big', phone, courseId: '99999999999999999999999' }), 'courseId'],
        [json({ name: 'Big', phone, course: 2_147_483_648 }), 'course'],
        [form({ name: 'Big', phone, course_id: '2147483648' }), 'course_id'],
      ];
      for (const [i, [init, field]] of cases.entries()) {
        const res = await post(init, fromIp(`10.47.0.${i + 1}`));
        expect(res.status, field).toBe(400);
        expect((await res.json()).error.fields, field).toEqual({ [field]: 'is not an active course' });
      }
      // without JavaScript the form comes back with the error beside the course picker
      const page = await post(browserForm({ name: 'Big', phone, courseId: '99999999999999999999' }), fromIp('10.47.0.9'));
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('data-error-for="courseId">Bunday kurs yo&#39;q</span>');
      expect(await ctx.db.selectFrom('leads').select('id').where('phone', '=', phone).executeTakeFirst()).toBeUndefined();
    });

    it('an unsupported Content-Type → 415 in the error shape', async () => {
      const res = await post({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name=A' });
      expect(res.status).toBe(415);
      expect((await res.json()).error.code).toBe('VALIDATION');
    });
  });
});
