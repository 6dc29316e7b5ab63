import { describe, expect, it } from 'vitest';
import { createRenderer, followUpCallback, RenderError } from '../../bot/render.js';
import type { OutboxKind } from '../../core/outbox/outbox.js';
import type { OutboxPayloads } from '../../core/outbox/payloads.js';

const render = createRenderer({ publicUrl: 'https://crm.example.uz/', tz: 'Asia/Tashkent' });
const lead = { leadId: 17, leadName: 'Dilnoza <b>& Co</b>', phone: '+998 90 123 45 67' };

// One realistic payload per kind; the type makes this list fail to compile when a kind is added.
const samples: { [K in OutboxKind]: OutboxPayloads[K] } = {
  lead_assigned: { ...lead, courseName: 'IELTS', source: 'instagram', note: 'evening group' },
  lead_touched: { ...lead, status: 'interested', source: 'form' },
  student_returned: { ...lead, courseName: 'Math' },
  followup_due: { ...lead, followUpId: 5, dueAt: '2026-12-01T05:30:00.000Z' },
  followup_overdue: { ...lead, followUpId: 6, dueAt: '2026-12-01T05:30:00.000Z' },
  trial_reminder: { ...lead, trialId: 3, startsAt: '2026-12-01T09:00:00.000Z', groupName: 'IELTS-2', roomName: '204', address: 'Chilonzor 5' },
  trial_no_result: { ...lead, trialId: 3, startsAt: '2026-12-01T09:00:00.000Z', groupName: 'IELTS-2' },
  waitlist_spot_freed: { ...lead, groupName: 'IELTS-2', freeSpots: 1 },
  reactivation_milestone: { ...lead, days: 14, offers: [{ title: 'Winter −20%', discountPercent: 20, validUntil: '2026-12-31' }] },
  leave_started: { leaveId: 1, from: '2026-12-01', to: '2026-12-05' },
  leave_ended: { leaveId: 1, from: '2026-12-01', to: '2026-12-05', userName: 'Aziz' },
  daily_summary: { date: '2026-12-01', contacts: 12, followupsDone: 9, followupsDue: 11, overdue: 2, trialsTomorrow: 3 },
  kpi_report: { date: '2026-12-01', contacts: 12, followupsDone: 9, completionRate: 0.818, trialsRegistered: 2, trialsToSales: 1, conversionRate: 0.25, responseMinutes: 7.4, overdue: 2 },
  manager_message: { fromName: 'Manager', text: 'Please call <all> new leads', urgent: true },
  block_started: { userId: 4, userName: 'Aziz', overdueCount: 5 },
  first_response_breach: { ...lead, salespersonName: 'Aziz', minutes: 35 },
  no_answer_streak: { ...lead, salespersonName: 'Aziz', count: 5 },
  unassigned_waiting: { count: 4, oldestAt: '2026-12-01T04:00:00.000Z' },
  landing_digest: { leads: [lead, { leadId: 18, leadName: 'Bobur', phone: '+998 91 000 00 00', courseName: 'Math' }] },
  leave_request_pending: { leaveId: 2, userName: 'Aziz', from: '2026-12-10', to: '2026-12-12', reason: 'wedding' },
  leave_decided: { leaveId: 2, from: '2026-12-10', to: '2026-12-12', approved: false, reason: 'busy week' },
  team_table: { date: '2026-12-01', rows: [{ name: 'Aziz', contacts: 10, followupsDone: 8, followupsDue: 9, overdue: 1 }] },
  team_ranking: { date: '2026-12-01', rows: [{ name: 'Olga', enrolled: 3, conversionRate: 0.3 }, { name: 'Aziz', enrolled: 2 }] },
};

describe('notification rendering', () => {
  for (const [kind, payload] of Object.entries(samples)) {
    it(`${kind}: readable in uz, ru and en, with every value escaped`, () => {
      const texts = (['uz', 'ru', 'en'] as const).map((lang) => render({ kind, payload, lang, chatId: '100' }).text);
      for (const text of texts) {
        expect(text).not.toMatch(/\{\w+\}|notify\./);
        // only our own markup survives: any < from the data arrives escaped
        expect(text.replace(/<\/?(b|i)>/g, '')).not.toMatch(/[<>]/);
        expect(text.length).toBeLessThanOrEqual(4096);
      }
      expect(new Set(texts).size).toBe(3);
    });
  }

  it('shows the lead with its phone (Telegram makes it tappable) and a Mini App button to open it', () => {
    const m = render({ kind: 'lead_assigned', payload: samples.lead_assigned, lang: 'en', chatId: '100' });
    expect(m.text.split('\n')).toEqual([
      '<b>🆕 New lead: Dilnoza &lt;b&gt;&amp; Co&lt;/b&gt;</b>',
      '📞 +998 90 123 45 67',
      'Course: IELTS',
      'Source: Instagram',
      'Note: <i>evening group</i>',
    ]);
    expect(m.reply_markup?.inline_keyboard).toEqual([[{ text: 'Open lead', web_app: { url: 'https://crm.example.uz/app/#/leads/17' } }]]);
  });

  it('gives a due follow-up done and snooze buttons and its time in the center zone', () => {
    const m = render({ kind: 'followup_due', payload: samples.followup_due, lang: 'ru', chatId: '100' });
    expect(m.text).toContain('Срок: 01.12.2026 10:30');
    expect(m.reply_markup?.inline_keyboard[0]).toEqual([
      { text: '✅ Выполнено', callback_data: 'fu:done:5' },
      { text: '⏳ Отложить', callback_data: 'fu:snooze:5' },
    ]);
    expect(followUpCallback.parse('fu:snooze:5')).toEqual({ action: 'snooze', id: 5 });
  });

  it('adds no Mini App button where Telegram would refuse it: http PUBLIC_URL or a group chat', () => {
    const http = createRenderer({ publicUrl: 'http://localhost:3000', tz: 'Asia/Tashkent' });
    expect(http({ kind: 'lead_assigned', payload: samples.lead_assigned, lang: 'uz', chatId: '100' }).reply_markup).toBeUndefined();
    expect(render({ kind: 'team_ranking', payload: samples.team_ranking, lang: 'uz', chatId: '-100200' }).reply_markup).toBeUndefined();
    expect(render({ kind: 'lead_assigned', payload: samples.lead_assigned, lang: 'uz', chatId: '-100200' }).reply_markup).toBeUndefined();
  });

  it('falls back to Uzbek for an unknown or missing language', () => {
    expect(render({ kind: 'leave_started', payload: samples.leave_started, lang: null, chatId: '1' }).text).toContain('Ta’tilingiz boshlandi');
    expect(render({ kind: 'leave_started', payload: samples.leave_started, lang: 'de', chatId: '1' }).text).toContain('Ta’tilingiz boshlandi');
  });

  it('cuts a long digest into one message with "and N more"', () => {
    const leads = Array.from({ length: 500 }, (_, i) => ({ leadId: i, leadName: `Lead ${i}`, phone: '+998901112233' }));
    const m = render({ kind: 'landing_digest', payload: { leads }, lang: 'en', chatId: '1' });
    expect(m.text).toContain('New leads from the website: 500');
    expect(m.text).toContain('… and 470 more');
    expect(m.text.length).toBeLessThanOrEqual(4096);
  });

  it('marks a returning contact in the landing digest, in the reader\'s language', () => {
    const payload = { leads: [{ id: 1, name: 'Aziz', phone: '+998901112233' }, { id: 2, name: 'Malika', phone: '+998901112244', duplicate: true }], total: 2 };
    const uz = render({ kind: 'landing_digest', payload, lang: 'uz', chatId: '1' }).text;
    expect(uz).toContain('Malika — +998901112244 — 🔁 qayta murojaat');
    expect(uz).not.toContain('Aziz — +998901112233 — 🔁');
    expect(render({ kind: 'landing_digest', payload, lang: 'ru', chatId: '1' }).text).toContain('обратился повторно');
    expect(render({ kind: 'landing_digest', payload, lang: 'en', chatId: '1' }).text).toContain('Malika — +998901112244 — 🔁 came back');
  });

  it('refuses an unknown kind or a payload that is not an object', () => {
    expect(() => render({ kind: 'nope', payload: {}, lang: 'uz', chatId: '1' })).toThrow(RenderError);
    expect(() => render({ kind: 'lead_assigned', payload: 'x', lang: 'uz', chatId: '1' })).toThrow(RenderError);
  });
});
