/**
 * Telegram's webview, emulated in a Chromium page: `TelegramWebviewProxy.postEvent` records what the
 * Mini App asks of Telegram and answers theme, viewport and safe-area requests as a Telegram client
 * does. Shared by the Mini App e2e tests and the first-render bench.
 */

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const LIGHT_THEME = {
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
};

export const DARK_THEME: typeof LIGHT_THEME = {
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
};

/** An init script: installs the webview bridge before the app's own scripts run. */
export const WEBVIEW_SCRIPT = `(() => {
  window.__tgEvents = [];
  window.__tgTheme = window.__tgTheme || ${JSON.stringify(LIGHT_THEME)};
  const reply = (name, data) => setTimeout(() => window.Telegram && window.Telegram.WebView && window.Telegram.WebView.receiveEvent(name, data), 0);
  window.TelegramWebviewProxy = {
    postEvent(type, data) {
      let payload = null;
      try { payload = data ? JSON.parse(data) : null; } catch (e) { payload = data; }
      window.__tgEvents.push({ type, payload, hash: location.hash, at: Date.now() });
      if (type === 'web_app_request_theme') reply('theme_changed', { theme_params: window.__tgTheme });
      if (type === 'web_app_request_viewport') reply('viewport_changed', { height: window.innerHeight, width: window.innerWidth, is_expanded: true, is_state_stable: true });
      if (type === 'web_app_request_safe_area') reply('safe_area_changed', { top: 47, bottom: 34, left: 0, right: 0 });
      if (type === 'web_app_request_content_safe_area') reply('content_safe_area_changed', { top: 0, bottom: 0, left: 0, right: 0 });
    },
  };
})();`;

/** The Mini App URL the way Telegram opens it: launch parameters in the hash. */
export function miniAppUrl(base: string, initData: string, theme: typeof LIGHT_THEME = LIGHT_THEME, platform = 'ios'): string {
  const hash = new URLSearchParams({
    tgWebAppData: initData,
    tgWebAppVersion: '8.0',
    tgWebAppPlatform: platform,
    tgWebAppThemeParams: JSON.stringify(theme),
  });
  return `${base}/app/#${hash.toString()}`;
}
