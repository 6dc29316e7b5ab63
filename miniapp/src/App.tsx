import { Component, Suspense, lazy, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { InferResponseType } from 'hono/client';
import { api, call } from './api.js';
import { I18nContext, langOf, savedLang, saveLang, translate, useI18n, type Lang } from './i18n.js';
import { back, isRoot, navigate, parse, useHash, type Route } from './router.js';
import { useBackButton, useMainButtonView, type TelegramStart } from './telegram.js';
import { ErrorState, Skeleton, ToastHost, setDisplayZone, useAsync } from './ui/kit.js';
import { Icon, type IconName } from './ui/icons.js';
import { Today } from './screens/Today.js';

const Team = lazy(() => import('./screens/Team.js'));
const Leads = lazy(() => import('./screens/Leads.js'));
const Lead = lazy(() => import('./screens/Lead.js'));
const NewLead = lazy(() => import('./screens/NewLead.js'));
const Book = lazy(() => import('./screens/Book.js'));
const Enroll = lazy(() => import('./screens/Enroll.js'));
const Groups = lazy(() => import('./screens/Groups.js'));
const Inbox = lazy(() => import('./screens/Inbox.js'));
const Leave = lazy(() => import('./screens/Leave.js'));
const Kpi = lazy(() => import('./screens/Kpi.js'));
const More = lazy(() => import('./screens/More.js'));

export type Me = InferResponseType<typeof api.api.me.$get, 200>;
export const isManager = (me: Me) => me.role === 'admin' || me.role === 'sales_manager';

export function App({ start }: { start: TelegramStart }) {
  const [lang, setLangState] = useState<Lang>(() => savedLang() ?? langOf(start.languageCode));
  const setLang = useCallback((l: Lang) => {
    saveLang(l);
    setLangState(l);
  }, []);
  const i18n = useMemo(() => ({ lang, setLang, t: (k: string, p?: Record<string, string | number | null | undefined>) => translate(lang, k, p) }), [lang, setLang]);
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const me = useAsync(() => call(api.api.me.$get()), []);
  // every time on screen is the center's, whatever zone the phone is in
  if (me.data) setDisplayZone(me.data.timeZone);

  return (
    <I18nContext.Provider value={i18n}>
      <ToastHost>
        <div className={`app mode-${start.mode}`}>
          {me.data ? <Shell me={me.data} mock={start.mode === 'mock'} /> : me.error ? <SignInError error={me.error} retry={me.reload} /> : <Skeleton rows={6} />}
        </div>
      </ToastHost>
    </I18nContext.Provider>
  );
}

function SignInError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <main className="screen">
      <ErrorState error={error} retry={retry} />
    </main>
  );
}

function Shell({ me, mock }: { me: Me; mock: boolean }) {
  const hash = useHash();
  const route = parse(hash);
  const manager = isManager(me);
  // the team view is a manager's: a salesperson following an old link lands on their own day, not on refusals
  const current: Route = route.name === 'home' || (route.name === 'team' && !manager) ? { name: manager ? 'team' : 'today' } : route;
  const inner = !isRoot(current);
  useBackButton(inner ? () => back(current) : null);
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [hash]);
  const unread = useUnread(!manager && !inner, hash);

  return (
    <>
      {mock && inner ? <MockBackBar onBack={() => back(current)} /> : null}
      <main className={`screen${inner ? ' screen-inner' : ''}`} data-screen={current.name}>
        <ScreenBoundary hash={hash}>
          <Suspense fallback={<Skeleton rows={5} />}>{screenFor(current, me)}</Suspense>
        </ScreenBoundary>
      </main>
      {mock ? <MockMainButton /> : null}
      {!inner ? <Tabs current={current} manager={manager} unread={unread} /> : null}
    </>
  );
}

/**
 * A screen that cannot be drawn: most often its code chunk is gone (a deploy while the app stayed
 * open renames the chunks) or did not arrive (a dropped connection). Without this the whole app
 * unmounted to a blank page for the rest of the session; now the tabs stay, another screen still
 * opens, and Retry reloads the page (the hash keeps the screen), which fetches the current build.
 */
class ScreenBoundary extends Component<{ hash: string; children: ReactNode }, { failed: string | null }> {
  state: { failed: string | null } = { failed: null };
  static getDerivedStateFromError(): { failed: string | null } {
    return { failed: window.location.hash };
  }
  render() {
    // leaving the broken screen (a tab, the Back Button) draws the next one normally
    if (this.state.failed !== null && this.state.failed === this.props.hash) return <ScreenFailed />;
    return this.props.children;
  }
  componentDidUpdate() {
    if (this.state.failed !== null && this.state.failed !== this.props.hash) this.setState({ failed: null });
  }
}

function ScreenFailed() {
  const { t } = useI18n();
  return (
    <div className="error-state" role="alert" data-testid="screen-failed">
      <p>{t('ma.err.screen')}</p>
      <button type="button" className="btn" onClick={() => window.location.reload()}>
        {t('ma.retry')}
      </button>
    </div>
  );
}

/** Unread manager messages for the tab bar, asked again whenever a tab opens; after the first screen has its data. */
function useUnread(enabled: boolean, hash: string): number {
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const id = setTimeout(() => {
      call(api.api.inbox.$get({ query: { limit: '100' } }))
        .then((r) => live && setN(r.unread))
        .catch(() => undefined);
    }, 300);
    return () => {
      live = false;
      clearTimeout(id);
    };
  }, [enabled, hash]);
  return n;
}

function screenFor(r: Route, me: Me): ReactNode {
  switch (r.name) {
    case 'home':
    case 'today':
      return <Today me={me} />;
    case 'team':
      return <Team me={me} />;
    case 'leads':
      return <Leads me={me} />;
    case 'lead':
      return <Lead key={r.id} id={r.id} me={me} />;
    case 'newLead':
      return <NewLead />;
    case 'book':
      return <Book key={`${r.leadId}-${r.trialId ?? ''}`} leadId={r.leadId} trialId={r.trialId} />;
    case 'enroll':
      return <Enroll leadId={r.leadId} />;
    case 'groups':
      return <Groups me={me} />;
    case 'inbox':
      return <Inbox />;
    case 'leave':
      return <Leave />;
    case 'kpi':
      return <Kpi me={me} />;
    case 'more':
      return <More me={me} />;
  }
}

function Tabs({ current, manager, unread }: { current: Route; manager: boolean; unread: number }) {
  const { t } = useI18n();
  const tabs: Array<{ route: Route; icon: IconName; label: string }> = manager
    ? [
        { route: { name: 'team' }, icon: 'team', label: t('ma.tab.team') },
        { route: { name: 'leads' }, icon: 'leads', label: t('ma.tab.leads') },
        { route: { name: 'today' }, icon: 'today', label: t('ma.tab.today') },
        { route: { name: 'kpi' }, icon: 'kpi', label: t('ma.tab.kpi') },
        { route: { name: 'more' }, icon: 'more', label: t('ma.tab.more') },
      ]
    : [
        { route: { name: 'today' }, icon: 'today', label: t('ma.tab.today') },
        { route: { name: 'leads' }, icon: 'leads', label: t('ma.tab.leads') },
        { route: { name: 'inbox' }, icon: 'inbox', label: t('ma.tab.inbox') },
        { route: { name: 'kpi' }, icon: 'kpi', label: t('ma.tab.kpi') },
        { route: { name: 'more' }, icon: 'more', label: t('ma.tab.more') },
      ];
  return (
    <nav className="tabs" aria-label={t('ma.tabs')}>
      {tabs.map((tab) => {
        const active = tab.route.name === current.name;
        return (
          <button
            key={tab.route.name}
            type="button"
            className={`tab${active ? ' tab-active' : ''}`}
            aria-current={active ? 'page' : undefined}
            data-testid={`tab-${tab.route.name}`}
            onClick={() => navigate(tab.route, { replace: true })}
          >
            <span className="tab-icon" aria-hidden="true">
              <Icon name={tab.icon} />
            </span>
            <span className="tab-label">{tab.label}</span>
            {tab.route.name === 'inbox' && unread > 0 ? (
              <span className="tab-badge" data-testid="unread-badge" aria-label={t('ma.inbox.unread', { n: unread })}>
                {unread}
              </span>
            ) : null}
          </button>
        );
      })}
    </nav>
  );
}

/** Demo/development only: Telegram draws these itself. */
function MockBackBar({ onBack }: { onBack: () => void }) {
  const { t } = useI18n();
  return (
    <div className="mock-back">
      <button type="button" className="link-btn" onClick={onBack}>
        <Icon name="back" size={18} /> {t('ma.back')}
      </button>
    </div>
  );
}

function MockMainButton() {
  const view = useMainButtonView();
  if (!view) return null;
  return (
    <div className="mock-main">
      <button type="button" className="btn btn-main" disabled={!view.enabled || view.loading} onClick={view.click} data-testid="mock-main-button">
        {view.loading ? '…' : view.text}
      </button>
    </div>
  );
}
