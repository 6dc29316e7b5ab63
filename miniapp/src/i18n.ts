// The Mini App reads the same catalogs as the bot and the back office (core/i18n/catalogs): plain
// objects, no framework, bundled as they are.
import { createContext, useContext } from 'react';
import common from '../../core/i18n/catalogs/common.js';
import miniapp from '../../core/i18n/catalogs/miniapp.js';

export type Lang = 'uz' | 'ru' | 'en';
export const LANGS: Lang[] = ['uz', 'ru', 'en'];

const merged: Record<Lang, Record<string, string>> = {
  uz: { ...common.uz, ...miniapp.uz },
  ru: { ...common.ru, ...miniapp.ru },
  en: { ...common.en, ...miniapp.en },
};

export type Params = Record<string, string | number | null | undefined>;

export function translate(lang: Lang, key: string, params: Params = {}): string {
  const text = merged[lang][key] ?? merged.uz[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] == null ? '' : String(params[k])));
}

/** Telegram's language_code → a catalog language; Uzbek for anything else. */
export function langOf(code: string | undefined | null): Lang {
  const s = (code ?? '').slice(0, 2).toLowerCase();
  return s === 'ru' || s === 'en' ? s : 'uz';
}

const STORE = 'crm.lang';
export function savedLang(): Lang | null {
  try {
    const v = localStorage.getItem(STORE);
    return v === 'uz' || v === 'ru' || v === 'en' ? v : null;
  } catch {
    return null;
  }
}
export function saveLang(lang: Lang): void {
  try {
    localStorage.setItem(STORE, lang);
  } catch {
    /* private mode: the choice lasts for this session */
  }
}

export const locales: Record<Lang, string> = { uz: 'uz-Latn-UZ', ru: 'ru-RU', en: 'en-GB' };

export interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t(key: string, params?: Params): string;
}

export const I18nContext = createContext<I18n>({ lang: 'uz', setLang: () => undefined, t: (k, p) => translate('uz', k, p) });
export const useI18n = () => useContext(I18nContext);
