import { DateTime } from 'luxon';
import type { InlineKeyboardButton, InlineKeyboardMarkup } from 'grammy/types';
import { asLang, hasKey, t, type Lang } from '../core/i18n/i18n.js';
import type { OutboxKind } from '../core/outbox/outbox.js';
import type { OfferRef, TeamRow } from '../core/outbox/payloads.js';

/** A message ready for sendMessage with parse_mode HTML. */
export interface RenderedMessage {
  text: string;
  reply_markup?: InlineKeyboardMarkup;
}

export interface RenderInput {
  kind: string;
  /** the parsed JSON payload of the outbox row */
  payload: unknown;
  /** the recipient's users.language (null for a group chat: Uzbek) */
  lang: string | null | undefined;
  chatId: string;
}

export type RenderFn = (input: RenderInput) => RenderedMessage;

/** A row that can never be rendered (unknown kind, unusable payload): failing it is the only outcome. */
export class RenderError extends Error {}

export interface RendererOptions {
  /** PUBLIC_URL; Mini App buttons are added only when it is https (Telegram refuses other web_app URLs) */
  publicUrl: string;
  /** the center's time zone, for due times and trial times */
  tz: string;
}

// Telegram refuses longer texts; lists are cut before this with "… and N more".
const MAX_TEXT = 4096;
const MAX_LIST = 30;

/** Callback data of the follow-up buttons; the bot's follow-up feature answers them. */
export const followUpCallback = {
  done: (id: number) => `fu:done:${id}`,
  snooze: (id: number) => `fu:snooze:${id}`,
  parse(data: string): { action: 'done' | 'snooze'; id: number } | null {
    const m = /^fu:(done|snooze):(\d+)$/.exec(data);
    return m ? { action: m[1] as 'done' | 'snooze', id: Number(m[2]) } : null;
  },
};

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

type Params = Record<string, string | number | null | undefined>;
type Loose = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

export function createRenderer(opts: RendererOptions): RenderFn {
  const base = opts.publicUrl.replace(/\/+$/, '');
  const miniAppOk = /^https:\/\//i.test(base);

  return function render(input: RenderInput): RenderedMessage {
    const lang = asLang(input.lang);
    if (!input.payload || typeof input.payload !== 'object' || Array.isArray(input.payload)) {
      throw new RenderError(`payload of ${input.kind} is not an object`);
    }
    const p = input.payload as Loose;
    // web_app buttons work only in a private chat with the bot; group and channel ids are negative
    const privateChat = !input.chatId.startsWith('-');
    const ctx = new Ctx(lang, opts.tz);
    const buttons: InlineKeyboardButton[][] = [];
    const leadButton = () => {
      const id = num(p.leadId);
      if (id != null && miniAppOk && privateChat) buttons.push([{ text: t(lang, 'notify.button.open_lead'), web_app: { url: `${base}/app/#/leads/${id}` } }]);
    };
    const appButton = () => {
      if (miniAppOk && privateChat) buttons.push([{ text: t(lang, 'notify.button.open_app'), web_app: { url: `${base}/app/` } }]);
    };
    const followUpButtons = () => {
      const id = num(p.followUpId);
      if (id != null) {
        buttons.push([
          { text: t(lang, 'notify.button.done'), callback_data: followUpCallback.done(id) },
          { text: t(lang, 'notify.button.snooze'), callback_data: followUpCallback.snooze(id) },
        ]);
      }
    };
    const name = ctx.leadName(p);

    switch (input.kind as OutboxKind) {
      case 'lead_assigned':
        ctx.title(p.reassigned ? 'notify.lead_reassigned' : 'notify.lead_assigned', { name });
        ctx.phone(p.phone);
        ctx.field('notify.field.course', p.courseName);
        ctx.field('notify.field.source', ctx.label('source', p.source));
        ctx.note(p.note);
        leadButton();
        break;
      case 'lead_touched':
        ctx.title('notify.lead_touched', { name });
        ctx.phone(p.phone);
        ctx.field('notify.field.status', ctx.label('status', p.status));
        ctx.field('notify.field.source', ctx.label('source', p.source));
        ctx.note(p.note);
        leadButton();
        break;
      case 'student_returned':
        ctx.title('notify.student_returned', { name });
        ctx.phone(p.phone);
        ctx.field('notify.field.course', p.courseName);
        ctx.note(p.note);
        leadButton();
        break;
      case 'followup_due':
      case 'followup_overdue':
        ctx.title(`notify.${input.kind}`, { name });
        ctx.phone(p.phone);
        ctx.field('notify.field.due', ctx.instant(p.dueAt));
        ctx.note(p.note);
        followUpButtons();
        leadButton();
        break;
      case 'trial_reminder':
        ctx.title('notify.trial_reminder', { name, time: ctx.time(p.startsAt) ?? '' });
        ctx.phone(p.phone);
        ctx.field('notify.field.course', p.courseName);
        ctx.field('notify.field.group', p.groupName);
        ctx.field('notify.field.room', p.roomName);
        ctx.field('notify.field.time', ctx.instant(p.startsAt));
        ctx.field('notify.field.address', p.address);
        leadButton();
        break;
      case 'trial_no_result':
        ctx.title('notify.trial_no_result', { name });
        ctx.phone(p.phone);
        ctx.field('notify.field.group', p.groupName);
        ctx.field('notify.field.time', ctx.instant(p.startsAt));
        leadButton();
        break;
      case 'waitlist_spot_freed':
        ctx.title('notify.waitlist_spot_freed', { name, group: str(p.groupName) ?? '' });
        ctx.phone(p.phone);
        ctx.field('notify.field.course', p.courseName);
        ctx.field('notify.field.free_spots', num(p.freeSpots));
        leadButton();
        break;
      case 'reactivation_milestone': {
        ctx.title('notify.reactivation_milestone', { name, days: num(p.days) ?? '' });
        ctx.phone(p.phone);
        const offers = Array.isArray(p.offers) ? (p.offers as OfferRef[]).filter((o) => o && str(o.title)) : [];
        if (offers.length) {
          ctx.line(escapeHtml(t(lang, 'notify.reactivation_offers')));
          ctx.list(offers, (o) => {
            const parts = [escapeHtml(String(o.title))];
            if (num(o.discountPercent) != null) parts.push(`−${num(o.discountPercent)}%`);
            if (str(o.validUntil)) parts.push(`(${escapeHtml(ctx.date(o.validUntil) ?? '')})`);
            return `• ${parts.join(' ')}`;
          });
        }
        leadButton();
        break;
      }
      case 'leave_started':
      case 'leave_ended': {
        const person = str(p.userName);
        ctx.title(person ? `notify.${input.kind}_other` : `notify.${input.kind}`, { person });
        ctx.field('notify.field.period', ctx.period(p.from, p.to));
        break;
      }
      case 'daily_summary': {
        const person = str(p.userName);
        ctx.title(person ? 'notify.daily_summary_of' : 'notify.daily_summary', { person, date: ctx.date(p.date) });
        ctx.field('notify.field.contacts', num(p.contacts));
        ctx.field('notify.field.followups', ctx.ratio(p.followupsDone, p.followupsDue));
        ctx.field('notify.field.overdue', num(p.overdue));
        ctx.field('notify.field.trials_tomorrow', num(p.trialsTomorrow));
        break;
      }
      case 'kpi_report':
        ctx.title('notify.kpi_report', { date: ctx.date(p.date) });
        ctx.field('notify.field.contacts', num(p.contacts));
        ctx.field('notify.field.followups_done', num(p.followupsDone));
        ctx.field('notify.field.completion', ctx.percent(p.completionRate));
        ctx.field('notify.field.trials_registered', num(p.trialsRegistered));
        ctx.field('notify.field.trials_to_sales', num(p.trialsToSales));
        ctx.field('notify.field.conversion', ctx.percent(p.conversionRate));
        ctx.field('notify.field.response', num(p.responseMinutes) != null ? t(lang, 'notify.unit.minutes', { count: Math.round(num(p.responseMinutes)!) }) : null);
        ctx.field('notify.field.overdue', num(p.overdue));
        break;
      case 'manager_message': {
        const text = str(p.text);
        if (!text) throw new RenderError('manager_message without text');
        ctx.title(p.urgent ? 'notify.manager_message_urgent' : 'notify.manager_message', { from: str(p.fromName) ?? '' });
        ctx.line('');
        ctx.line(escapeHtml(text.length > 3800 ? `${text.slice(0, 3800)}…` : text));
        appButton();
        break;
      }
      case 'block_started':
        ctx.title('notify.block_started', { person: str(p.userName) ?? '', count: num(p.overdueCount) ?? '' });
        appButton();
        break;
      case 'first_response_breach':
        ctx.title('notify.first_response_breach', { name });
        ctx.phone(p.phone);
        ctx.field('notify.field.salesperson', p.salespersonName);
        ctx.field('notify.field.waiting', num(p.minutes) != null ? t(lang, 'notify.unit.minutes', { count: num(p.minutes) }) : null);
        leadButton();
        break;
      case 'no_answer_streak':
        ctx.title('notify.no_answer_streak', { name, count: num(p.count) ?? '' });
        ctx.phone(p.phone);
        ctx.field('notify.field.salesperson', p.salespersonName);
        leadButton();
        break;
      case 'unassigned_waiting':
        ctx.title('notify.unassigned_waiting', { count: num(p.count) ?? '' });
        ctx.field('notify.field.oldest', ctx.instant(p.oldestAt));
        appButton();
        break;
      case 'landing_digest': {
        const leads = Array.isArray(p.leads) ? (p.leads as Loose[]).filter((l) => l && typeof l === 'object') : [];
        ctx.title('notify.landing_digest', { count: num(p.total) ?? leads.length });
        ctx.list(leads, (l) => {
          const parts = [`• ${escapeHtml(ctx.leadName(l))}`];
          if (str(l.phone)) parts.push(escapeHtml(String(l.phone)));
          if (str(l.courseName)) parts.push(escapeHtml(String(l.courseName)));
          if (l.duplicate === true) parts.push(escapeHtml(t(lang, 'notify.landing_digest_again')));
          return parts.join(' — ');
        }, num(p.total));
        appButton();
        break;
      }
      case 'leave_request_pending':
        ctx.title('notify.leave_request_pending', { person: str(p.userName) ?? '' });
        ctx.field('notify.field.period', ctx.period(p.from, p.to));
        ctx.field('notify.field.reason', p.reason);
        appButton();
        break;
      case 'leave_decided':
        ctx.title(p.approved ? 'notify.leave_approved' : 'notify.leave_rejected', {});
        ctx.field('notify.field.period', ctx.period(p.from, p.to));
        ctx.field('notify.field.reason', p.reason);
        break;
      case 'team_table':
        ctx.title('notify.team_table', { date: ctx.date(p.date) });
        ctx.teamRows(p.rows, (r) => {
          const bits = [
            `${t(lang, 'notify.field.contacts')}: ${num(r.contacts) ?? 0}`,
            `${t(lang, 'notify.field.followups')}: ${num(r.followupsDone) ?? 0}/${num(r.followupsDue) ?? 0}`,
            `${t(lang, 'notify.field.overdue')}: ${num(r.overdue) ?? 0}`,
          ];
          return `• <b>${escapeHtml(String(r.name ?? ''))}</b> — ${escapeHtml(bits.join(', '))}`;
        });
        break;
      case 'team_ranking':
        ctx.title('notify.team_ranking', { date: ctx.date(p.date) });
        ctx.teamRows(p.rows, (r, i) => {
          const bits = [`${t(lang, 'notify.field.enrolled')}: ${num(r.enrolled) ?? 0}`];
          const conv = ctx.percent(r.conversionRate);
          if (conv) bits.push(`${t(lang, 'notify.field.conversion')}: ${conv}`);
          return `${i + 1}. <b>${escapeHtml(String(r.name ?? ''))}</b> — ${escapeHtml(bits.join(', '))}`;
        });
        break;
      default:
        throw new RenderError(`unknown notification kind ${JSON.stringify(input.kind)}`);
    }
    return buttons.length ? { text: ctx.text(), reply_markup: { inline_keyboard: buttons } } : { text: ctx.text() };
  };
}

/** Collects the lines of one message; every value that came from a payload is escaped here. */
class Ctx {
  private lines: string[] = [];
  constructor(
    private lang: Lang,
    private tz: string,
  ) {}

  title(key: string, params: Params) {
    const escaped: Params = {};
    for (const [k, v] of Object.entries(params)) escaped[k] = v == null ? v : escapeHtml(String(v));
    this.lines.push(`<b>${t(this.lang, key, escaped)}</b>`);
  }
  line(html: string) {
    this.lines.push(html);
  }
  field(key: string, value: unknown) {
    const v = typeof value === 'number' ? String(value) : str(value);
    if (v != null) this.lines.push(`${escapeHtml(t(this.lang, key))}: ${escapeHtml(v)}`);
  }
  /** Telegram turns a bare phone number into a tappable call link (url buttons cannot carry tel:). */
  phone(value: unknown) {
    const v = str(value);
    if (v) this.lines.push(`📞 ${escapeHtml(v)}`);
  }
  note(value: unknown) {
    const v = str(value);
    if (v) this.lines.push(`${escapeHtml(t(this.lang, 'notify.field.note'))}: <i>${escapeHtml(v.length > 500 ? `${v.slice(0, 500)}…` : v)}</i>`);
  }
  leadName(p: Loose): string {
    const n = str(p.leadName) ?? str(p.name) ?? (num(p.leadId) != null ? `#${num(p.leadId)}` : '');
    return n.length > 200 ? `${n.slice(0, 200)}…` : n;
  }
  label(group: 'status' | 'source', v: unknown): string | null {
    const s = str(v);
    if (!s) return null;
    return hasKey(`${group}.${s}`) ? t(this.lang, `${group}.${s}`) : s;
  }
  instant(v: unknown): string | null {
    const s = str(v);
    if (!s) return null;
    const d = DateTime.fromISO(s, { zone: 'utc' });
    return d.isValid ? d.setZone(this.tz).toFormat('dd.MM.yyyy HH:mm') : s;
  }
  time(v: unknown): string | null {
    const s = str(v);
    if (!s) return null;
    const d = DateTime.fromISO(s, { zone: 'utc' });
    return d.isValid ? d.setZone(this.tz).toFormat('HH:mm') : s;
  }
  date(v: unknown): string | null {
    const s = str(v);
    if (!s) return null;
    const d = DateTime.fromISO(s, { zone: this.tz });
    return d.isValid ? d.toFormat('dd.MM.yyyy') : s;
  }
  period(from: unknown, to: unknown): string | null {
    const a = this.date(from);
    const b = this.date(to);
    if (!a && !b) return null;
    return a && b && a !== b ? `${a} — ${b}` : (a ?? b);
  }
  percent(v: unknown): string | null {
    const n = num(v);
    return n == null ? null : `${Math.round(n * 100)}%`;
  }
  ratio(a: unknown, b: unknown): string | null {
    const x = num(a);
    const y = num(b);
    return x == null && y == null ? null : `${x ?? 0}/${y ?? 0}`;
  }
  list<T>(items: T[], line: (item: T, i: number) => string, total?: number | null) {
    const shown = items.slice(0, MAX_LIST);
    shown.forEach((item, i) => this.lines.push(line(item, i)));
    const rest = Math.max((total ?? items.length) - shown.length, 0);
    if (rest > 0) this.lines.push(escapeHtml(t(this.lang, 'notify.more', { count: rest })));
  }
  teamRows(rows: unknown, line: (r: TeamRow & Loose, i: number) => string) {
    const list = Array.isArray(rows) ? (rows as Array<TeamRow & Loose>).filter((r) => r && typeof r === 'object') : [];
    if (!list.length) this.lines.push(escapeHtml(t(this.lang, 'notify.none')));
    else this.list(list, line);
  }
  text(): string {
    // whole lines are dropped from the end, never cut mid-tag, so the HTML stays valid
    const out = [...this.lines];
    let text = out.join('\n');
    while (text.length > MAX_TEXT && out.length > 1) {
      out.pop();
      text = `${out.join('\n')}\n…`;
    }
    // only a lone title line can still be too long; its tags and entities must survive the cut
    return text.length > MAX_TEXT ? `<b>${escapeHtml(this.plain(text).slice(0, MAX_TEXT - 20))}…</b>` : text;
  }
  private plain(html: string): string {
    return html.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }
}
