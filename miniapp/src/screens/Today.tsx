import { useState } from 'react';
import type { InferResponseType } from 'hono/client';
import { api, call } from '../api.js';
import type { Me } from '../App.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { haptic, useMainButton } from '../telegram.js';
import { Icon } from '../ui/icons.js';
import { CallLink, Empty, Loaded, Section, StatusBadge, errorText, fmtDateTime, fmtTime, useAsync, useToast } from '../ui/kit.js';

type Day = InferResponseType<(typeof api.api.followups)['$get'], 200>;
type Item = Day['today'][number];

/** A follow-up's plan row as words: `contacted:2` → "Contacted, step 2". */
export function kindLabel(t: (k: string, p?: Record<string, string | number>) => string, kind: string): string {
  const [base, step] = kind.split(':');
  const name = t(`ma.kind.${base}`);
  const label = name === `ma.kind.${base}` ? t(`status.${base}`) : name;
  return step && /^\d+$/.test(step) ? t('ma.kind.step', { name: label, step }) : label;
}

const SOON_MS = 30 * 60_000;
/** SPEC §5.1: a salesperson may snooze a follow-up at most 3 times (the server enforces it too). */
const MAX_SNOOZES = 3;

let early: Promise<Day> | null = null;
/** Starts loading today's list while the app is still asking who is signed in (one round trip less before the first screen). */
export function prefetchToday(): void {
  const p = call(api.api.followups.$get({ query: {} }));
  p.catch(() => undefined);
  early = p;
  // only for the first screen: a list fetched long before Today opens would be stale
  setTimeout(() => {
    if (early === p) early = null;
  }, 5000);
}
const loadDay = (): Promise<Day> => {
  const p = early ?? call(api.api.followups.$get({ query: {} }));
  early = null;
  return p;
};

export function Today({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const toast = useToast();
  const day = useAsync(loadDay, []);
  const [snoozing, setSnoozing] = useState<number | null>(null);
  useMainButton({ text: t('ma.lead.new'), onClick: () => navigate({ name: 'newLead' }) });

  /** Optimistic: the item leaves the list at once and comes back where it was if the server refuses. */
  async function complete(item: Item) {
    const d0 = day.data;
    const list: 'overdue' | 'today' = d0?.overdue.some((x) => x.id === item.id) ? 'overdue' : 'today';
    const index = d0 ? d0[list].findIndex((x) => x.id === item.id) : 0;
    day.setData((d) => (d ? { ...d, [list]: d[list].filter((x) => x.id !== item.id) } : d));
    try {
      await call(api.api.followups[':id'].complete.$post({ param: { id: String(item.id) }, json: {} }));
      haptic('success');
      toast(t('ma.today.done', { name: item.leadName }));
      day.reload();
    } catch (err) {
      day.setData((d) => {
        if (!d) return d;
        if (d[list].some((x) => x.id === item.id)) return d;
        const next = [...d[list]];
        next.splice(Math.min(Math.max(index, 0), next.length), 0, item);
        return { ...d, [list]: next };
      });
      haptic('error');
      toast(errorText(t, err), 'error');
    }
  }

  async function snooze(item: Item, hours: number) {
    setSnoozing(null);
    const base = Math.max(Date.now(), Date.parse(item.dueAt));
    const until = new Date(base + hours * 3_600_000).toISOString();
    try {
      await call(api.api.followups[':id'].snooze.$post({ param: { id: String(item.id) }, json: { until } }));
      haptic('success');
      toast(t('ma.today.snoozed', { name: item.leadName }));
      day.reload();
    } catch (err) {
      haptic('error');
      toast(errorText(t, err), 'error');
      // the count or the due time may have changed elsewhere (the bot, a manager)
      day.reload();
    }
  }

  const row = (item: Item, tone: 'overdue' | 'now' | 'later') => (
    <li key={item.id} className={`card fu fu-${tone}`} data-testid="followup" data-followup-id={item.id}>
      <div className="fu-main">
        <button type="button" className="fu-name link-btn" onClick={() => navigate({ name: 'lead', id: item.leadId })}>
          {item.leadName}
        </button>
        <div className="fu-meta">
          <span className={`fu-time fu-time-${tone}`}>{tone === 'overdue' ? fmtDateTime(lang, item.dueAt) : fmtTime(lang, item.dueAt)}</span>
          <span className="hint">{kindLabel(t, item.kind)}</span>
        </div>
        <div className="fu-meta">
          <StatusBadge status={item.leadStatus} />
          <CallLink phone={item.leadPhone} />
        </div>
      </div>
      <div className="fu-actions">
        <button type="button" className="btn btn-done" onClick={() => void complete(item)} data-testid="complete" aria-label={t('ma.today.complete')}>
          <Icon name="check" />
        </button>
        <button
          type="button"
          className={`btn btn-secondary${item.snoozeCount >= MAX_SNOOZES ? ' btn-spent' : ''}`}
          onClick={() => {
            // a used-up snooze still answers the tap: a dead button would not say why
            if (item.snoozeCount >= MAX_SNOOZES) {
              haptic('error');
              toast(t('ma.err.snooze_limit', { n: MAX_SNOOZES }), 'error');
              return;
            }
            setSnoozing(snoozing === item.id ? null : item.id);
          }}
          data-testid="snooze"
          aria-label={t('ma.today.snooze')}
          data-snoozes-left={MAX_SNOOZES - item.snoozeCount}
        >
          <Icon name="snooze" />
        </button>
      </div>
      {snoozing === item.id ? (
        <div className="snooze-menu" role="menu">
          {[1, 3, 24].map((h) => (
            <button key={h} type="button" className="chip" role="menuitem" onClick={() => void snooze(item, h)}>
              {h === 24 ? t('ma.today.snooze_tomorrow') : t('ma.today.snooze_hours', { n: h })}
            </button>
          ))}
          <span className="hint">{t('ma.today.snoozes_left', { n: MAX_SNOOZES - item.snoozeCount })}</span>
        </div>
      ) : null}
    </li>
  );

  return (
    <div data-testid="today">
      <h1 className="title">{t('ma.today.title')}</h1>
      <p className="subtitle">{t('ma.hello', { name: me.fullName })}</p>
      <Loaded state={day} rows={5}>
        {(d) => {
          const soon = Date.now() + SOON_MS;
          const now = d.today.filter((x) => Date.parse(x.dueAt) <= soon);
          const later = d.today.filter((x) => Date.parse(x.dueAt) > soon);
          if (!d.overdue.length && !d.today.length) return <Empty icon="done" text={t('ma.today.empty')} />;
          return (
            <>
              <div className="counters">
                <div className="counter counter-red">
                  <b>{d.overdue.length}</b>
                  <span>{t('ma.today.overdue')}</span>
                </div>
                <div className="counter counter-accent">
                  <b>{now.length}</b>
                  <span>{t('ma.today.now')}</span>
                </div>
                <div className="counter">
                  <b>{later.length}</b>
                  <span>{t('ma.today.later')}</span>
                </div>
              </div>
              {d.overdue.length ? (
                <Section title={t('ma.today.overdue')} testId="section-overdue">
                  <ul className="list">{d.overdue.map((x) => row(x, 'overdue'))}</ul>
                </Section>
              ) : null}
              {now.length ? (
                <Section title={t('ma.today.now')} testId="section-now">
                  <ul className="list">{now.map((x) => row(x, 'now'))}</ul>
                </Section>
              ) : null}
              {later.length ? (
                <Section title={t('ma.today.later')} testId="section-later">
                  <ul className="list">{later.map((x) => row(x, 'later'))}</ul>
                </Section>
              ) : null}
            </>
          );
        }}
      </Loaded>
    </div>
  );
}
