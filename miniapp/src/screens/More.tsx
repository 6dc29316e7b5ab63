import { isManager, type Me } from '../App.js';
import { LANGS, useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { hapticTap } from '../telegram.js';
import { Chip, Section } from '../ui/kit.js';
import { Icon } from '../ui/icons.js';

const NAMES = { uz: "O'zbekcha", ru: 'Русский', en: 'English' } as const;

export default function More({ me }: { me: Me }) {
  const { t, lang, setLang } = useI18n();
  const manager = isManager(me);
  return (
    <div data-testid="more">
      <h1 className="title">{t('ma.more.title')}</h1>
      <section className="card">
        <b>{me.fullName}</b>
        <div className="hint">
          @{me.username} · {t(`role.${me.role}`)}
        </div>
      </section>
      <Section title={t('ma.more.language')} testId="language">
        <div className="chips">
          {LANGS.map((l) => (
            <Chip
              key={l}
              active={lang === l}
              testId={`lang-${l}`}
              onClick={() => {
                hapticTap();
                setLang(l);
              }}
            >
              {NAMES[l]}
            </Chip>
          ))}
        </div>
      </Section>
      <ul className="list menu">
        <li>
          <button type="button" className="row-btn menu-item" onClick={() => navigate({ name: 'groups' })} data-testid="open-groups">
            <Icon name="groups" /> {t('ma.groups.title')}
          </button>
        </li>
        {!manager ? (
          <li>
            <button type="button" className="row-btn menu-item" onClick={() => navigate({ name: 'leave' })} data-testid="open-leave">
              <Icon name="leave" /> {t('ma.leave.title')}
            </button>
          </li>
        ) : null}
        {manager ? (
          <li>
            <button type="button" className="row-btn menu-item" onClick={() => navigate({ name: 'leads' })}>
              <Icon name="leads" /> {t('ma.leads.title')}
            </button>
          </li>
        ) : null}
      </ul>
    </div>
  );
}
