import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { setInitData } from './api.js';
import { startTelegram } from './telegram.js';
import { startRouting } from './router.js';
import { App } from './App.js';
import { Outside } from './screens/Outside.js';
import { prefetchToday } from './screens/Today.js';
import './styles.css';

const tg = startTelegram();
const root = createRoot(document.getElementById('root')!);
if (tg.mode === 'outside') {
  root.render(<Outside languageCode={tg.languageCode} />);
} else {
  setInitData(tg.initDataRaw);
  startRouting();
  if (window.location.hash === '#/' || window.location.hash === '#/today') prefetchToday();
  root.render(
    <StrictMode>
      <App start={tg} />
    </StrictMode>,
  );
}
