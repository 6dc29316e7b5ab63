import { langOf, translate } from '../i18n.js';
import { Icon } from '../ui/icons.js';

/** Opened as a plain web page: there is no Telegram sign-in, so say how to open the app. */
export function Outside({ languageCode }: { languageCode: string | undefined }) {
  const lang = langOf(languageCode);
  const t = (k: string) => translate(lang, k);
  return (
    <main className="outside" data-testid="outside">
      <div className="outside-icon" aria-hidden="true">
        <Icon name="plane" size={48} />
      </div>
      <h1>{t('ma.outside.title')}</h1>
      <p>{t('ma.outside.body')}</p>
      <ol>
        <li>{t('ma.outside.step1')}</li>
        <li>{t('ma.outside.step2')}</li>
        <li>{t('ma.outside.step3')}</li>
      </ol>
      <p className="hint">{t('ma.outside.demo')}</p>
    </main>
  );
}
