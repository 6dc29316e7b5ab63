import React, { useEffect } from 'react';
import { Box, Link } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

const LANGS: Array<[string, string]> = [
  ['uz', "O'zbekcha"],
  ['ru', 'Русский'],
  ['en', 'English'],
];

// the server reads this cookie to choose the language of every page (and of the login page)
const remember = (lang: string) => {
  document.cookie = `admin_lang=${encodeURIComponent(lang)}; path=/admin; max-age=31536000; SameSite=Lax`;
};

const SidebarFooter: React.FC = () => {
  const { i18n } = useTranslation();
  useEffect(() => {
    // the top bar's language menu switches in the browser only; keep the choice for the next page
    const onChange = (lang: string) => remember(lang);
    i18n.on('languageChanged', onChange);
    return () => i18n.off('languageChanged', onChange);
  }, [i18n]);

  const switchTo = (lang: string) => {
    const url = new URL(window.location.href);
    url.searchParams.set('lang', lang);
    window.location.assign(url.toString());
  };

  return (
    <Box mt="lg" px="lg" pb="lg" data-testid="language-links">
      {LANGS.map(([code, label]) => (
        <Link
          key={code}
          href={`?lang=${code}`}
          mr="default"
          style={{ fontWeight: i18n.language === code ? 700 : 400 }}
          onClick={(e: React.MouseEvent) => {
            e.preventDefault();
            switchTo(code);
          }}
        >
          {label}
        </Link>
      ))}
    </Box>
  );
};

export default SidebarFooter;
