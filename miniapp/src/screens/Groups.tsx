import { useState } from 'react';
import { api, call } from '../api.js';
import type { Me } from '../App.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Empty, Loaded, fmtDay, localDay, useAsync } from '../ui/kit.js';

/** Every active group's occupancy on a date with its colour band, and who waits for a seat. */
export default function Groups({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const [date, setDate] = useState(localDay());
  const [open, setOpen] = useState<number | null>(null);
  const groups = useAsync(() => call(api.api.groups.occupancy.$get({ query: { date } })), [date]);
  void me;
  return (
    <div data-testid="groups">
      <h1 className="title">{t('ma.groups.title')}</h1>
      <div className="filters">
        <label className="field inline">
          <span>{t('ma.groups.date')}</span>
          <input className="input" type="date" value={date} onChange={(e) => e.target.value && setDate(e.target.value)} data-testid="groups-date" />
        </label>
        <div className="legend hint">
          <span className="occ occ-green">&lt;50%</span> <span className="occ occ-yellow">50–80%</span> <span className="occ occ-red">≥80%</span>
        </div>
      </div>
      <Loaded state={groups} rows={5}>
        {(d) =>
          !d.items.length ? (
            <Empty text={t('ma.groups.empty')} />
          ) : (
            <ul className="list">
              {d.items.map((g) => (
                <li key={g.id} className="card group-card" data-testid="group" data-band={g.band}>
                  <button type="button" className="row-btn" aria-expanded={open === g.id} onClick={() => setOpen(open === g.id ? null : g.id)}>
                    <span className="lead-name">
                      {g.name} <span className="hint">· {g.courseName}</span>
                    </span>
                    <span className="occ-bar" aria-hidden="true">
                      <span className={`occ-fill occ-${g.band}`} style={{ width: `${Math.min(100, g.percent)}%` }} />
                    </span>
                    <span className="lead-meta">
                      <span className={`occ occ-${g.band}`}>
                        {g.taken}/{g.capacity} · {Math.round(g.percent)}%
                      </span>
                      <span className="hint">
                        {t(`ma.days.${g.days}`)} · {g.startTime}
                        {g.roomName ? ` · ${g.roomName}` : ''}
                      </span>
                    </span>
                    <span className="lead-meta hint">
                      {g.lessonDay ? t('ma.groups.trials', { n: g.trials }) : t('ma.groups.no_lesson', { date: fmtDay(lang, d.date) })} · {t('ma.group.free', { n: g.freeSpots })}
                      {g.waitlist.count ? ` · ${t('ma.groups.waitlist', { n: g.waitlist.count })}` : ''}
                    </span>
                  </button>
                  {open === g.id ? (
                    <div className="waitlist" data-testid="waitlist">
                      <b>{t('ma.groups.waitlist_title')}</b>
                      {!g.waitlist.count ? (
                        <p className="hint">{t('ma.groups.waitlist_empty')}</p>
                      ) : (
                        <>
                          <ol className="list compact">
                            {g.waitlist.visible.map((w) => (
                              <li key={w.leadId} className="row">
                                <button type="button" className="link-btn" onClick={() => navigate({ name: 'lead', id: w.leadId })}>
                                  {w.leadName}
                                </button>
                                <span className="hint"> · {fmtDay(lang, w.since)}</span>
                              </li>
                            ))}
                          </ol>
                          {g.waitlist.count > g.waitlist.visible.length ? <p className="hint">{t('ma.groups.waitlist_others', { n: g.waitlist.count - g.waitlist.visible.length })}</p> : null}
                        </>
                      )}
                    </div>
                  ) : null}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
    </div>
  );
}
