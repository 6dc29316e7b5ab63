import adminActions from './catalogs/admin-actions.js';
import adminImports from './catalogs/admin-imports.js';
import bot from './catalogs/bot.js';
import common from './catalogs/common.js';
import importExport from './catalogs/import-export.js';
import landing from './catalogs/landing.js';
import miniapp from './catalogs/miniapp.js';
import notifications from './catalogs/notifications.js';

export type Lang = 'uz' | 'ru' | 'en';
export const LANGS: Lang[] = ['uz', 'ru', 'en'];
type Catalog = { uz: Record<string, string>; ru: Record<string, string>; en: Record<string, string> };

// One list of feature catalogs; a feature adds its file here. A test fails when a key is missing in a language.
export const catalogs: Record<string, Catalog> = {
  adminActions,
  adminImports,
  bot,
  common,
  importExport,
  landing,
  miniapp,
  notifications,
};

const merged: Record<Lang, Record<string, string>> = { uz: {}, ru: {}, en: {} };
for (const c of Object.values(catalogs)) for (const l of LANGS) Object.assign(merged[l], c[l]);

export function hasKey(key: string): boolean {
  return key in merged.uz;
}

export function asLang(v: unknown): Lang {
  const s = typeof v === 'string' ? v.slice(0, 2).toLowerCase() : '';
  return s === 'ru' || s === 'en' ? s : 'uz';
}

/** Translates `key` with `{name}` placeholders; Uzbek when the language or key is missing. */
export function t(lang: Lang, key: string, params: Record<string, string | number | null | undefined> = {}): string {
  const text = merged[lang]?.[key] ?? merged.uz[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => (params[k] == null ? '' : String(params[k])));
}

export function allKeys(lang: Lang): string[] {
  return Object.keys(merged[lang]);
}
