import { useState } from 'react';
import { api, call } from '../api.js';
import { useI18n } from '../i18n.js';
import { haptic } from '../telegram.js';
import { Empty, Loaded, fmtDateTime, useAsync } from '../ui/kit.js';

/** Manager messages: priority colours, unread first; opening one marks it read. */
export default function Inbox() {
  const { t, lang } = useI18n();
  const inbox = useAsync(() => call(api.api.inbox.$get({ query: {} })), []);
  const [open, setOpen] = useState<number | null>(null);

  async function openMessage(id: number, read: boolean) {
    setOpen(open === id ? null : id);
    if (read || open === id) return;
    try {
      const r = await call(api.api.inbox[':id'].read.$post({ param: { id: String(id) }, json: {} }));
      haptic('success');
      inbox.setData((d) => (d ? { ...d, unread: Math.max(0, d.unread - 1), items: d.items.map((m) => (m.id === id ? { ...m, read: true, readAt: r.readAt } : m)) } : d));
    } catch {
      // the message stays unread and is marked on the next opening
    }
  }

  return (
    <div data-testid="inbox">
      <h1 className="title">{t('ma.inbox.title')}</h1>
      <Loaded state={inbox} rows={4}>
        {(d) => (
          <>
            <p className="subtitle" data-testid="unread-count">
              {t('ma.inbox.unread', { n: d.unread })}
            </p>
            {!d.items.length ? (
              <Empty icon="inbox" text={t('ma.inbox.empty')} />
            ) : (
              <ul className="list">
                {d.items.map((m) => (
                  <li key={m.id} className={`card message prio-${m.priority}${m.read ? ' read' : ' unread'}`} data-testid="message" data-read={m.read ? 'true' : 'false'}>
                    <button type="button" className="row-btn" aria-expanded={open === m.id} onClick={() => void openMessage(m.id, m.read)}>
                      <span className="lead-name">
                        {!m.read ? <span className="dot" aria-label={t('ma.inbox.new')} /> : null}
                        {m.subject}
                      </span>
                      <span className="lead-meta">
                        <span className={`badge prio prio-${m.priority}`}>{t(`priority.${m.priority}`)}</span>
                        <span className="hint">
                          {m.senderName} · {fmtDateTime(lang, m.createdAt)}
                        </span>
                      </span>
                    </button>
                    {open === m.id ? (
                      <div className="message-body pre" data-testid="message-body">
                        {m.body}
                      </div>
                    ) : null}
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
    </div>
  );
}
