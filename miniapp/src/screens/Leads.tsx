import { useEffect, useRef, useState } from 'react';
import type { InferResponseType } from 'hono/client';
import { SOURCES, STATUSES } from '../../../core/leads/statuses.js';
import { api, call } from '../api.js';
import { isManager, type Me } from '../App.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { useMainButton } from '../telegram.js';
import { Empty, ErrorState, Skeleton, StatusBadge, fmtDay } from '../ui/kit.js';

export type LeadRow = InferResponseType<typeof api.api.leads.$get, 200>['items'][number];
const PAGE = 30;

interface Filters {
  q: string;
  status: string;
  source: string;
  queue: '' | 'unassigned' | 'parked';
}

export function LeadList({ items, testId = 'lead-list' }: { items: LeadRow[]; testId?: string }) {
  const { t, lang } = useI18n();
  return (
    <ul className="list" data-testid={testId}>
      {items.map((l) => (
        <li key={l.id} className="card lead-row" data-testid="lead-row" data-lead-id={l.id}>
          <button type="button" className="row-btn" onClick={() => navigate({ name: 'lead', id: l.id })}>
            <span className="lead-name">{l.name}</span>
            <span className="lead-meta">
              <StatusBadge status={l.status} />
              <span className="hint">{l.phone}</span>
            </span>
            <span className="lead-meta hint">
              {t(`source.${l.source}`)} · {fmtDay(lang, l.createdAt)}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export default function Leads({ me }: { me: Me }) {
  const { t } = useI18n();
  const manager = isManager(me);
  const [filters, setFilters] = useState<Filters>({ q: '', status: '', source: '', queue: '' });
  const [query, setQuery] = useState(filters);
  const [items, setItems] = useState<LeadRow[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [state, setState] = useState<'loading' | 'idle' | 'more' | 'error'>('loading');
  const [error, setError] = useState<unknown>(null);
  const [gen, setGen] = useState(0);
  const sentinel = useRef<HTMLDivElement>(null);
  useMainButton({ text: t('ma.lead.new'), onClick: () => navigate({ name: 'newLead' }) });

  // typing settles for 300 ms before the list is asked again
  useEffect(() => {
    const id = setTimeout(() => setQuery(filters), filters.q === query.q ? 0 : 300);
    return () => clearTimeout(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filters]);

  const fetchPage = (before: number | null) =>
    call(
      api.api.leads.$get({
        query: {
          q: query.q.trim() || undefined,
          status: query.status === 'open' ? undefined : query.status || undefined,
          open: query.status === 'open' ? 'true' : undefined,
          source: query.source || undefined,
          unassigned: query.queue === 'unassigned' ? 'true' : undefined,
          parked: query.queue === 'parked' ? 'true' : undefined,
          before: before == null ? undefined : String(before),
          limit: String(PAGE),
        },
      }),
    );

  useEffect(() => {
    let live = true;
    setState('loading');
    fetchPage(null)
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setNext(page.next);
        setState('idle');
      })
      .catch((err: unknown) => {
        if (!live) return;
        setError(err);
        setState('error');
      });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [query, gen]);

  const loadMore = () => {
    if (state !== 'idle' || next == null) return;
    setState('more');
    fetchPage(next)
      .then((page) => {
        // keyset pages never overlap, but a lead moved between pages must not show twice
        setItems((xs) => [...xs, ...page.items.filter((p) => !xs.some((x) => x.id === p.id))]);
        setNext(page.next);
        setState('idle');
      })
      .catch((err: unknown) => {
        setError(err);
        setState('error');
      });
  };
  const more = useRef(loadMore);
  more.current = loadMore;

  useEffect(() => {
    const el = sentinel.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) more.current();
    }, { rootMargin: '300px' });
    io.observe(el);
    return () => io.disconnect();
  }, [items.length, next]);

  const set = (patch: Partial<Filters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <div data-testid="leads">
      <h1 className="title">{t('ma.leads.title')}</h1>
      <div className="filters">
        <input
          type="search"
          className="input"
          placeholder={t('ma.leads.search')}
          value={filters.q}
          onChange={(e) => set({ q: e.target.value })}
          data-testid="lead-search"
          aria-label={t('ma.leads.search')}
        />
        <div className="filter-row">
          <select className="input" value={filters.status} onChange={(e) => set({ status: e.target.value })} data-testid="filter-status" aria-label={t('ma.leads.status')}>
            <option value="">{t('ma.leads.all_statuses')}</option>
            <option value="open">{t('ma.leads.open')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`status.${s}`)}
              </option>
            ))}
          </select>
          <select className="input" value={filters.source} onChange={(e) => set({ source: e.target.value })} data-testid="filter-source" aria-label={t('ma.leads.source')}>
            <option value="">{t('ma.leads.all_sources')}</option>
            {SOURCES.map((s) => (
              <option key={s} value={s}>
                {t(`source.${s}`)}
              </option>
            ))}
          </select>
        </div>
        {manager ? (
          <div className="chips">
            {(['', 'unassigned', 'parked'] as const).map((q) => (
              <button key={q || 'all'} type="button" className={`chip${filters.queue === q ? ' chip-active' : ''}`} aria-pressed={filters.queue === q} onClick={() => set({ queue: q })}>
                {t(q ? `ma.team.${q}` : 'ma.leads.all')}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      {state === 'loading' ? (
        <Skeleton rows={6} />
      ) : state === 'error' && !items.length ? (
        <ErrorState error={error} retry={() => setGen((g) => g + 1)} />
      ) : !items.length ? (
        <Empty text={query.q || query.status || query.source ? t('ma.leads.none_found') : t('ma.leads.empty')} />
      ) : (
        <>
          <LeadList items={items} />
          {state === 'error' ? <ErrorState error={error} retry={() => setState('idle')} /> : null}
          {state === 'more' ? <Skeleton rows={2} /> : null}
          {next == null ? <p className="hint center" data-testid="list-end">{t('ma.leads.end', { n: items.length })}</p> : null}
          <div ref={sentinel} className="sentinel" aria-hidden="true" />
        </>
      )}
    </div>
  );
}
