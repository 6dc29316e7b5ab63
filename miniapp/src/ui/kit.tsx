// Small building blocks shared by the screens. Everything from the server is rendered as React
// text children: nothing from data ever becomes HTML.
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api.js';
import { locales, useI18n, type Lang, type Params } from '../i18n.js';
import { haptic } from '../telegram.js';
import { Icon, type IconName } from './icons.js';

// ---- data loading ----

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
  setData(update: (prev: T | undefined) => T | undefined): void;
}

/** Loads on mount and when `deps` change; `reload` refetches without dropping what is shown. */
export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loader
      .current()
      .then((data) => live && setState({ data, error: undefined, loading: false }))
      .catch((error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setData = useCallback((update: (prev: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: update(s.data) })), []);
  return { ...state, reload, setData };
}

// ---- errors ----

const CODE_KEYS: Record<string, string> = {
  NETWORK: 'ma.err.network',
  UNAUTHORIZED: 'ma.err.unauthorized',
  FORBIDDEN: 'ma.err.forbidden',
  NOT_FOUND: 'ma.err.not_found',
  GROUP_FULL: 'ma.err.group_full',
  RATE_LIMITED: 'ma.err.rate_limited',
  INTERNAL: 'ma.err.internal',
  LOCKED: 'ma.err.forbidden',
  PAYLOAD_TOO_LARGE: 'ma.err.too_large',
};

/** Labels of the fields the server may name, as the screens label them. */
const FIELD_KEYS: Record<string, string> = {
  name: 'ma.newlead.name',
  phone: 'ma.newlead.phone',
  phone2: 'ma.newlead.phone',
  courseId: 'ma.lead.course',
  groupId: 'ma.lead.group',
  studentName: 'ma.newlead.student',
  callbackAt: 'ma.lead.callback_at',
  lostReason: 'ma.lead.lost_reason',
  lostReasonText: 'ma.lead.lost_text',
  text: 'ma.lead.notes',
  note: 'ma.lead.notes',
  until: 'ma.field.until',
  date: 'ma.field.date',
  startDate: 'ma.leave.from',
  endDate: 'ma.leave.to',
  startTime: 'ma.field.start_time',
  endTime: 'ma.field.end_time',
  reason: 'ma.leave.reason',
  to: 'ma.lead.change_status',
};

/**
 * Core states its rules in English for logs and the API; a salesperson reads them in their own
 * language. Known rules are recognised by their wording, anything else falls back to a plain
 * "not valid" so an English sentence never reaches the screen.
 */
const RULES: Array<[RegExp, string]> = [
  [/not a valid phone/i, 'ma.rule.phone'],
  [/no snoozes left/i, 'ma.rule.no_snoozes'],
  [/overlap/i, 'ma.rule.overlap'],
  [/not a lesson day/i, 'ma.rule.lesson_day'],
  [/future|later than now|already started|already over|today or later/i, 'ma.rule.future'],
  [/not be before|must be after|must last|must differ/i, 'ma.rule.order'],
  [/required|is empty|choose |describe|when should|needs a reason|say why/i, 'ma.rule.required'],
  [/at most \d+ characters|too long/i, 'ma.rule.too_long'],
  [/not active|no such/i, 'ma.rule.unavailable'],
];

/** One field's refusal in the reader's words (the field itself is named by its label next to it). */
export function fieldRuleText(t: (k: string, p?: Params) => string, message: string): string {
  return t(RULES.find(([re]) => re.test(message))?.[1] ?? 'ma.rule.invalid');
}

export function fieldLabel(t: (k: string, p?: Params) => string, field: string): string | null {
  const key = FIELD_KEYS[field.split('.')[0]];
  return key ? t(key) : null;
}

/** The statuses named in a refused move ("from contacted to enrolled", "already contacted"). */
function statusesIn(message: string): { from?: string; to?: string } {
  const m = /from (\w+) to (\w+)/.exec(message);
  if (m) return { from: m[1], to: m[2] };
  const a = /already (\w+)/.exec(message);
  return a ? { to: a[1] } : {};
}

/** A person-readable message for a failed call, always in the user's language: never a raw code or core's English. */
export function errorText(t: (k: string, p?: Params) => string, err: unknown): string {
  if (!(err instanceof ApiError)) return t('ma.err.internal');
  const key = CODE_KEYS[err.code] ?? (err.status >= 500 ? 'ma.err.internal' : undefined);
  if (key) return t(key);
  const msg = err.message ?? '';
  const fields = Object.entries(err.fields ?? {});
  if (err.code === 'INVALID_TRANSITION') {
    const { from, to } = statusesIn(msg);
    const known = (s?: string) => !!s && t(`status.${s}`) !== `status.${s}`;
    if (/trial/i.test(msg)) return t('ma.err.trial_state');
    if (known(from) && known(to) && from !== to) return t('ma.err.transition', { from: t(`status.${from}`), to: t(`status.${to}`) });
    if (known(to)) return t('ma.err.already_status', { status: t(`status.${to}`) });
    return t('ma.err.transition_generic');
  }
  if (err.code === 'CONFLICT') {
    const n = /snoozed at most (\d+)/.exec(msg);
    if (n) return t('ma.err.snooze_limit', { n: n[1] });
    if (fields.some(([, m]) => /overlap/i.test(m))) return t('ma.err.leave_overlap');
    if (/follow-up/i.test(msg)) return t('ma.err.followup_closed');
    return t('ma.err.conflict');
  }
  // attendance before the lesson (the card was open while the clock passed, or the phone's clock is off)
  if (err.code === 'VALIDATION' && fields.some(([, m]) => /has not started/i.test(m))) return t('ma.err.trial_not_started');
  if (err.code === 'VALIDATION' && fields.length) {
    const [field, message] = fields[0];
    const label = fieldLabel(t, field);
    if (label) return t('ma.err.field', { field: label, rule: fieldRuleText(t, message) });
  }
  return t('ma.err.validation');
}

// ---- toasts ----

type Toast = { id: number; text: string; kind: 'ok' | 'error' };
const ToastContext = createContext<(text: string, kind?: 'ok' | 'error') => void>(() => undefined);
export const useToast = () => useContext(ToastContext);

export function ToastHost({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const seq = useRef(0);
  const show = useCallback((text: string, kind: 'ok' | 'error' = 'ok') => {
    const id = ++seq.current;
    setToasts((ts) => [...ts.slice(-2), { id, text, kind }]);
    setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), kind === 'error' ? 5000 : 2500);
  }, []);
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((x) => (
          <div key={x.id} className={`toast toast-${x.kind}`} role={x.kind === 'error' ? 'alert' : 'status'}>
            {x.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** Runs an action with haptics and a toast on failure; returns whether it succeeded. */
export function useAction() {
  const { t } = useI18n();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (fn: () => Promise<unknown>, okText?: string): Promise<boolean> => {
      setBusy(true);
      try {
        await fn();
        haptic('success');
        if (okText) toast(okText);
        return true;
      } catch (err) {
        haptic('error');
        toast(errorText(t, err), 'error');
        return false;
      } finally {
        setBusy(false);
      }
    },
    [t, toast],
  );
  return { busy, run };
}

// ---- states ----

export function Skeleton({ rows = 4 }: { rows?: number }) {
  return (
    <div className="skeleton" aria-busy="true" data-testid="skeleton">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton-row">
          <div className="skeleton-line w60" />
          <div className="skeleton-line w40" />
        </div>
      ))}
    </div>
  );
}

export function Empty({ text, icon = 'empty' }: { text: string; icon?: IconName }) {
  return (
    <div className="empty" data-testid="empty">
      <div className="empty-icon" aria-hidden="true">
        <Icon name={icon} size={40} />
      </div>
      <p>{text}</p>
    </div>
  );
}

export function ErrorState({ error, retry }: { error: unknown; retry: () => void }) {
  const { t } = useI18n();
  return (
    <div className="error-state" role="alert" data-testid="error-state">
      <p>{errorText(t, error)}</p>
      <button type="button" className="btn" onClick={retry}>
        {t('ma.retry')}
      </button>
    </div>
  );
}

/** Skeleton on first load, error with retry, or the content. */
export function Loaded<T>({ state, rows, children }: { state: Async<T>; rows?: number; children: (data: T) => ReactNode }) {
  if (state.data === undefined) {
    if (state.error) return <ErrorState error={state.error} retry={state.reload} />;
    return <Skeleton rows={rows} />;
  }
  return (
    <>
      {state.error ? <ErrorState error={state.error} retry={state.reload} /> : null}
      {children(state.data)}
    </>
  );
}

export function Section({ title, children, extra, testId }: { title?: ReactNode; children: ReactNode; extra?: ReactNode; testId?: string }) {
  return (
    <section className="section" data-testid={testId}>
      {title ? (
        <header className="section-title">
          <span>{title}</span>
          {extra}
        </header>
      ) : null}
      <div className="section-body">{children}</div>
    </section>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return <span className={`badge status-${status}`}>{t(`status.${status}`)}</span>;
}

export function Chip({ active, onClick, children, tone, testId }: { active?: boolean; onClick?: () => void; children: ReactNode; tone?: string; testId?: string }) {
  return (
    <button type="button" className={`chip${active ? ' chip-active' : ''}${tone ? ` tone-${tone}` : ''}`} aria-pressed={!!active} onClick={onClick} data-testid={testId}>
      {children}
    </button>
  );
}

/** A phone number as a call link (tel:), opened by the phone's dialer. */
export function CallLink({ phone, label }: { phone: string; label?: string }) {
  return (
    <a className="call" href={`tel:${phone.replace(/[^\d+]/g, '')}`} data-testid="call-link">
      <Icon name="phone" size={16} /> {label ?? phone}
    </a>
  );
}

// ---- dates ----

// Times are shown in the center's time zone (from /api/me), not the phone's: a follow-up due at
// 10:05 in Tashkent reads 10:05 on every phone. Until /api/me answers, the phone's zone is used.
let displayZone: string | undefined;
export function setDisplayZone(zone: string | undefined): void {
  displayZone = zone;
}

/** Calendar fields of an instant in the display zone (numbers, so no locale data is needed). */
function partsOf(d: Date, zone = displayZone): { y: number; m: number; day: number; weekday: number; hh: string; mm: string } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: 'numeric', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { y: Number(get('year')), m: Number(get('month')), day: Number(get('day')), weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday')), hh: get('hour'), mm: get('minute') };
}

export function fmtTime(_lang: Lang, iso: string): string {
  const p = partsOf(new Date(iso));
  return `${p.hh}:${p.mm}`;
}

// Browsers often ship without Uzbek calendar names (Chromium prints "M11 21, Sat"), so the Uzbek
// (Latin) short names are ours; Russian and English come from Intl.
const UZ_MONTHS = ['yan', 'fev', 'mar', 'apr', 'may', 'iyn', 'iyl', 'avg', 'sen', 'okt', 'noy', 'dek'];
const UZ_WEEKDAYS = ['Ya', 'Du', 'Se', 'Ch', 'Pa', 'Ju', 'Sh'];

/** A day: a `YYYY-MM-DD` calendar date as it is, an instant as its date in the center's zone. */
export function fmtDay(lang: Lang, date: string | Date): string {
  const calendar = typeof date === 'string' && date.length === 10;
  const d = calendar ? new Date(`${date}T12:00:00Z`) : new Date(date);
  const zone = calendar ? 'UTC' : displayZone;
  if (lang === 'uz') {
    const p = partsOf(d, zone);
    return `${UZ_WEEKDAYS[p.weekday]}, ${p.day}-${UZ_MONTHS[p.m - 1]}`;
  }
  return new Intl.DateTimeFormat(locales[lang], { day: 'numeric', month: 'short', weekday: 'short', timeZone: zone }).format(d);
}

export function fmtDateTime(lang: Lang, iso: string): string {
  return `${fmtDay(lang, new Date(iso))}, ${fmtTime(lang, iso)}`;
}

/** YYYY-MM-DD of today (or of an instant) in the center's time zone. */
export function localDay(d = new Date()): string {
  const p = partsOf(d);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${p.y}-${pad(p.m)}-${pad(p.day)}`;
}

/** Calendar arithmetic on a `YYYY-MM-DD` date (no time zone involved). */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Occupancy bands of SPEC §6.1: below 50% green, below 80% yellow, else red. */
export function band(taken: number, capacity: number): 'green' | 'yellow' | 'red' {
  const pct = capacity > 0 ? (taken / capacity) * 100 : 100;
  return pct >= 80 ? 'red' : pct >= 50 ? 'yellow' : 'green';
}
