// Hash routing: Telegram opens the app with its launch parameters in the hash; after start-up the
// hash holds the screen (#/lead/12), so a reload inside Telegram returns to the same screen.
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'home' }
  | { name: 'today' }
  | { name: 'team' }
  | { name: 'leads' }
  | { name: 'lead'; id: number }
  | { name: 'newLead' }
  | { name: 'book'; leadId: number; trialId?: number }
  | { name: 'enroll'; leadId: number }
  | { name: 'groups' }
  | { name: 'inbox' }
  | { name: 'leave' }
  | { name: 'kpi' }
  | { name: 'more' };

export function parse(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (!path.startsWith('/')) return { name: 'home' };
  const parts = path.split('?')[0].split('/').filter(Boolean);
  const id = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  switch (parts[0]) {
    case undefined:
      return { name: 'home' };
    case 'today':
    case 'team':
    case 'leads':
    case 'groups':
    case 'inbox':
    case 'leave':
    case 'kpi':
    case 'more':
      return { name: parts[0] };
    case 'new-lead':
      return { name: 'newLead' };
    case 'lead': {
      const leadId = id(parts[1]);
      if (leadId === null) return { name: 'home' };
      if (parts[2] === 'book') return { name: 'book', leadId, trialId: id(parts[3]) ?? undefined };
      if (parts[2] === 'enroll') return { name: 'enroll', leadId };
      return { name: 'lead', id: leadId };
    }
    default:
      return { name: 'home' };
  }
}

export function href(r: Route): string {
  switch (r.name) {
    case 'home':
      return '#/';
    case 'lead':
      return `#/lead/${r.id}`;
    case 'newLead':
      return '#/new-lead';
    case 'book':
      return `#/lead/${r.leadId}/book${r.trialId ? `/${r.trialId}` : ''}`;
    case 'enroll':
      return `#/lead/${r.leadId}/enroll`;
    default:
      return `#/${r.name}`;
  }
}

/** Tab roots have no Back Button; every other screen does. */
export const isRoot = (r: Route) => ['home', 'today', 'team', 'leads', 'inbox', 'kpi', 'more'].includes(r.name);

export function parentOf(r: Route): Route {
  switch (r.name) {
    case 'book':
    case 'enroll':
      return { name: 'lead', id: r.leadId };
    case 'groups':
    case 'leave':
      return { name: 'more' };
    default:
      return { name: 'home' };
  }
}

let depth = 0;

export function navigate(r: Route, opts: { replace?: boolean } = {}): void {
  const target = href(r);
  if (window.location.hash === target) return;
  if (opts.replace) {
    window.location.replace(target);
    return;
  }
  depth++;
  window.location.hash = target;
}

/** Back: to the previous screen of this session, else to the screen's parent. */
export function back(current: Route): void {
  if (depth > 0) {
    depth--;
    window.history.back();
    return;
  }
  window.location.replace(href(parentOf(current)));
}

/** Drops the launch parameters from the visible hash once the SDK has read (and stored) them. */
export function startRouting(): void {
  if (!window.location.hash.startsWith('#/')) window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/`);
}

const subscribe = (cb: () => void) => {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
};

export function useHash(): string {
  return useSyncExternalStore(subscribe, () => window.location.hash);
}
