import { useState } from 'react';
import { api, call } from '../api.js';
import { useI18n } from '../i18n.js';
import { useClosingConfirmation, useMainButton } from '../telegram.js';
import { Chip, Empty, Loaded, Section, addDays, fmtDay, localDay, useAction, useAsync } from '../ui/kit.js';

/** Ask for leave (whole days or part of a day), see my requests, withdraw a pending one. */
export default function Leave() {
  const { t, lang } = useI18n();
  const list = useAsync(() => call(api.api.leave.$get()), []);
  const action = useAction();
  const tomorrow = addDays(localDay(), 1);
  const [partial, setPartial] = useState(false);
  const [startDate, setStartDate] = useState(tomorrow);
  const [endDate, setEndDate] = useState(tomorrow);
  const [startTime, setStartTime] = useState('14:00');
  const [endTime, setEndTime] = useState('18:00');
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  useClosingConfirmation(touched);

  const valid = partial ? !!startDate && startTime < endTime : !!startDate && !!endDate && endDate >= startDate;
  async function submit() {
    if (!valid) return;
    const ok = await action.run(
      () =>
        call(
          api.api.leave.$post({
            json: partial
              ? { startDate, endDate: startDate, startTime, endTime, reason: reason.trim() || null }
              : { startDate, endDate, reason: reason.trim() || null },
          }),
        ),
      t('ma.leave.sent'),
    );
    if (ok) {
      setReason('');
      setTouched(false);
      list.reload();
    }
  }
  async function cancel(id: number) {
    const ok = await action.run(() => call(api.api.leave[':id'].cancel.$post({ param: { id: String(id) }, json: {} })), t('ma.leave.cancelled'));
    if (ok) list.reload();
  }
  useMainButton({ text: t('ma.leave.submit'), onClick: () => void submit(), enabled: valid, loading: action.busy });
  const edit = <T,>(fn: (v: T) => void) => (v: T) => {
    setTouched(true);
    fn(v);
  };

  return (
    <div data-testid="leave">
      <h1 className="title">{t('ma.leave.title')}</h1>
      <Section title={t('ma.leave.new')}>
        <div className="chips">
          <Chip active={!partial} onClick={() => edit(setPartial)(false)} testId="leave-whole">
            {t('ma.leave.whole')}
          </Chip>
          <Chip active={partial} onClick={() => edit(setPartial)(true)} testId="leave-partial">
            {t('ma.leave.partial')}
          </Chip>
        </div>
        <div className="form">
          <label className="field">
            <span>{partial ? t('ma.leave.date') : t('ma.leave.from')}</span>
            <input
              className="input"
              type="date"
              value={startDate}
              min={localDay()}
              onChange={(e) =>
                edit((v: string) => {
                  setStartDate(v);
                  if (endDate < v) setEndDate(v);
                })(e.target.value)
              }
              data-testid="leave-start"
            />
          </label>
          {partial ? (
            <div className="filter-row">
              <label className="field">
                <span>{t('ma.leave.start_time')}</span>
                <input className="input" type="time" value={startTime} onChange={(e) => edit(setStartTime)(e.target.value)} data-testid="leave-start-time" />
              </label>
              <label className="field">
                <span>{t('ma.leave.end_time')}</span>
                <input className="input" type="time" value={endTime} onChange={(e) => edit(setEndTime)(e.target.value)} data-testid="leave-end-time" />
              </label>
            </div>
          ) : (
            <label className="field">
              <span>{t('ma.leave.to')}</span>
              <input className="input" type="date" value={endDate} min={startDate} onChange={(e) => edit(setEndDate)(e.target.value)} data-testid="leave-end" />
            </label>
          )}
          <label className="field">
            <span>{t('ma.leave.reason')}</span>
            <textarea className="input" rows={2} maxLength={1000} value={reason} onChange={(e) => edit(setReason)(e.target.value)} data-testid="leave-reason" />
          </label>
          {!valid ? <small className="field-error">{t('ma.leave.invalid')}</small> : null}
        </div>
      </Section>
      <Section title={t('ma.leave.mine')} testId="leave-list">
        <Loaded state={list} rows={2}>
          {(d) =>
            !d.items.length ? (
              <Empty icon="leave" text={t('ma.leave.empty')} />
            ) : (
              <ul className="list compact">
                {d.items.map((l) => (
                  <li key={l.id} className="row" data-testid="leave-request" data-status={l.status}>
                    <div className="grow">
                      <b>
                        {fmtDay(lang, l.startDate)}
                        {l.endDate !== l.startDate ? ` – ${fmtDay(lang, l.endDate)}` : ''}
                        {l.startTime || l.endTime ? ` · ${l.startTime ?? '00:00'}–${l.endTime ?? '24:00'}` : ''}
                      </b>
                      <div>
                        <span className={`badge leave-${l.status}`}>{t(`ma.leave.status.${l.status}`)}</span>
                        {l.reason ? <span className="hint"> · {l.reason}</span> : null}
                      </div>
                      {l.rejectionReason ? <div className="hint">{l.rejectionReason}</div> : null}
                    </div>
                    {l.status === 'pending' ? (
                      <button type="button" className="btn btn-small btn-secondary" disabled={action.busy} onClick={() => void cancel(l.id)} data-testid="leave-cancel">
                        {t('ma.leave.cancel')}
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </Section>
    </div>
  );
}
