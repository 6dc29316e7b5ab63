// The one place that talks to Telegram through the SDK: start-up, theme, viewport, Main/Back
// buttons, haptics and closing confirmation. Screens use the small hooks at the bottom.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import {
  backButton,
  closingBehavior,
  emitEvent,
  hapticFeedback,
  init,
  mainButton,
  miniApp,
  mockTelegramEnv,
  postEvent,
  retrieveLaunchParams,
  retrieveRawInitData,
  themeParams,
  viewport,
} from '@telegram-apps/sdk-react';

/**
 * - `telegram`: inside a Telegram client (a webview bridge or Telegram Web's parent frame);
 * - `mock`: launch parameters but no Telegram around it: the demo sign-in page or `vite dev`.
 *   The SDK's environment is mocked and the Main/Back buttons are drawn in the page;
 * - `outside`: opened as a plain web page: nothing to sign in with.
 */
export type TelegramMode = 'telegram' | 'mock' | 'outside';

export interface TelegramStart {
  mode: TelegramMode;
  initDataRaw: string;
  /** Telegram's language_code of the user */
  languageCode: string | undefined;
  platform: string;
}

type W = Window & { TelegramWebviewProxy?: unknown; external?: { notify?: unknown } };

function hasTelegramBridge(): boolean {
  const w = window as W;
  let framed = false;
  try {
    framed = window.self !== window.top;
  } catch {
    framed = true;
  }
  return !!w.TelegramWebviewProxy || framed || typeof w.external?.notify === 'function';
}

/** The server marks index.html when it runs in demo mode (no bot token): the only time a plain browser may mock Telegram. */
function demoMode(): boolean {
  return document.querySelector('meta[name="crm-mode"]')?.getAttribute('content') === 'demo';
}

const LIGHT = {
  bg_color: '#ffffff',
  text_color: '#000000',
  hint_color: '#707579',
  link_color: '#3390ec',
  button_color: '#3390ec',
  button_text_color: '#ffffff',
  secondary_bg_color: '#f4f4f5',
  header_bg_color: '#ffffff',
  accent_text_color: '#3390ec',
  section_bg_color: '#ffffff',
  section_header_text_color: '#3390ec',
  subtitle_text_color: '#707579',
  destructive_text_color: '#e53935',
  bottom_bar_bg_color: '#ffffff',
} as const;
const DARK = {
  bg_color: '#212121',
  text_color: '#ffffff',
  hint_color: '#aaaaaa',
  link_color: '#8774e1',
  button_color: '#8774e1',
  button_text_color: '#ffffff',
  secondary_bg_color: '#0f0f0f',
  header_bg_color: '#212121',
  accent_text_color: '#8774e1',
  section_bg_color: '#212121',
  section_header_text_color: '#aaaaaa',
  subtitle_text_color: '#aaaaaa',
  destructive_text_color: '#ee686f',
  bottom_bar_bg_color: '#212121',
} as const;

/** Answers what a Telegram client would, so the SDK behaves the same in a plain browser. */
function mockTelegram(): void {
  const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches;
  const answer = (fn: () => void) => setTimeout(fn, 0);
  mockTelegramEnv({
    onEvent(event) {
      const [name] = event;
      if (name === 'web_app_request_theme') answer(() => emitEvent('theme_changed', { theme_params: dark ? DARK : LIGHT }));
      else if (name === 'web_app_request_viewport')
        answer(() => emitEvent('viewport_changed', { height: window.innerHeight, width: window.innerWidth, is_expanded: true, is_state_stable: true }));
      else if (name === 'web_app_request_safe_area') answer(() => emitEvent('safe_area_changed', { top: 0, bottom: 0, left: 0, right: 0 }));
      else if (name === 'web_app_request_content_safe_area') answer(() => emitEvent('content_safe_area_changed', { top: 0, bottom: 0, left: 0, right: 0 }));
      else if (name === 'web_app_open_link') {
        const url = (event[1] as { url?: string } | undefined)?.url;
        if (url) window.open(url, '_blank', 'noopener');
      }
    },
  });
}

let mode: TelegramMode = 'outside';

/** Starts the SDK once, before React renders. Never throws: a failure means `outside`. */
export function startTelegram(): TelegramStart {
  let initDataRaw: string | undefined;
  let languageCode: string | undefined;
  let platform = 'unknown';
  try {
    initDataRaw = retrieveRawInitData();
    const lp = retrieveLaunchParams();
    languageCode = lp.tgWebAppData?.user?.language_code;
    platform = lp.tgWebAppPlatform;
  } catch {
    initDataRaw = undefined;
  }
  if (!initDataRaw) return { mode: 'outside', initDataRaw: '', languageCode: navigator.language, platform };
  if (hasTelegramBridge()) mode = 'telegram';
  else if (import.meta.env.DEV || demoMode()) mode = 'mock';
  else return { mode: 'outside', initDataRaw: '', languageCode: navigator.language, platform };

  if (mode === 'mock') mockTelegram();
  init();
  themeParams.mountSync.ifAvailable();
  themeParams.bindCssVars.ifAvailable();
  miniApp.mountSync.ifAvailable();
  miniApp.bindCssVars.ifAvailable();
  backButton.mount.ifAvailable();
  mainButton.mount.ifAvailable();
  closingBehavior.mount.ifAvailable();
  const mounting = viewport.mount.ifAvailable();
  if (mounting[0]) {
    void mounting[1]
      .then(() => {
        viewport.bindCssVars.ifAvailable();
        viewport.expand.ifAvailable();
      })
      .catch(() => undefined);
  }
  // launch parameters carry the theme of the moment the app opened; ask for the current one
  try {
    postEvent('web_app_request_theme');
  } catch {
    /* an old client: the launch theme stays */
  }
  miniApp.ready.ifAvailable();
  const applyScheme = () => document.documentElement.setAttribute('data-theme', themeParams.isDark() ? 'dark' : 'light');
  applyScheme();
  themeParams.isDark.sub(applyScheme);
  return { mode, initDataRaw, languageCode, platform };
}

export const telegramMode = () => mode;

// ---- Main Button: one owner at a time (the current screen); drawn in the page when mocked ----

export interface MainButtonSpec {
  text: string;
  onClick: () => void;
  enabled?: boolean;
  loading?: boolean;
}

type MainButtonView = { text: string; enabled: boolean; loading: boolean; click: () => void } | null;
let mainView: MainButtonView = null;
const mainListeners = new Set<() => void>();
const setMainView = (v: MainButtonView) => {
  mainView = v;
  for (const l of mainListeners) l();
};

/** Shows the Main Button for this screen's primary action while the screen is mounted; null hides it. */
export function useMainButton(spec: MainButtonSpec | null): void {
  const handler = useRef<() => void>(() => undefined);
  handler.current = spec?.onClick ?? (() => undefined);
  const text = spec?.text;
  const enabled = spec ? spec.enabled !== false : false;
  const loading = !!spec?.loading;
  useEffect(() => {
    if (text === undefined) return;
    const click = () => {
      if (mainView && mainView.enabled && !mainView.loading) handler.current();
    };
    mainButton.setParams.ifAvailable({ text, isVisible: true, isEnabled: enabled, isLoaderVisible: loading });
    const off = mainButton.onClick.ifAvailable(click);
    setMainView({ text, enabled, loading, click });
    return () => {
      if (off[0]) off[1]();
      mainButton.setParams.ifAvailable({ isVisible: false, isLoaderVisible: false });
      setMainView(null);
    };
  }, [text, enabled, loading]);
}

/** The Main Button as drawn in the page when Telegram does not draw it (demo mode, development). */
export function useMainButtonView(): MainButtonView {
  return useSyncExternalStore(
    (l) => {
      mainListeners.add(l);
      return () => mainListeners.delete(l);
    },
    () => mainView,
  );
}

// ---- Back Button ----

/** Shows Telegram's Back Button on an inner screen while it is mounted. */
export function useBackButton(onBack: (() => void) | null): void {
  const handler = useRef(onBack);
  handler.current = onBack;
  const shown = !!onBack;
  useEffect(() => {
    if (!shown) {
      backButton.hide.ifAvailable();
      return;
    }
    backButton.show.ifAvailable();
    const off = backButton.onClick.ifAvailable(() => handler.current?.());
    return () => {
      if (off[0]) off[1]();
      backButton.hide.ifAvailable();
    };
  }, [shown]);
}

// ---- Haptics, closing confirmation, links ----

export function haptic(kind: 'success' | 'error' | 'warning'): void {
  hapticFeedback.notificationOccurred.ifAvailable(kind);
}

export function hapticTap(): void {
  hapticFeedback.selectionChanged.ifAvailable();
}

/** Asks Telegram to confirm closing the app while a form has unsaved input. */
export function useClosingConfirmation(dirty: boolean): void {
  useEffect(() => {
    if (!dirty) return;
    closingBehavior.enableConfirmation.ifAvailable();
    return () => {
      closingBehavior.disableConfirmation.ifAvailable();
    };
  }, [dirty]);
}
