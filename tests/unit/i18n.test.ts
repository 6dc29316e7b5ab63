import { describe, expect, it } from 'vitest';
import { catalogs, LANGS, t } from '../../core/i18n/i18n.js';

describe('message catalogs', () => {
  for (const [name, catalog] of Object.entries(catalogs)) {
    it(`${name}: every key exists in uz, ru and en`, () => {
      const keys = new Set(LANGS.flatMap((l) => Object.keys(catalog[l])));
      const missing = LANGS.flatMap((l) => [...keys].filter((k) => !(k in catalog[l]) || !catalog[l][k as never]).map((k) => `${l}:${k}`));
      expect(missing).toEqual([]);
    });
  }
  it('falls back to Uzbek and fills placeholders', () => {
    expect(t('ru', 'status.lost')).toBe('Потерян');
    expect(t('uz', 'status.lost')).toBe("Yo'qotilgan");
  });
});
