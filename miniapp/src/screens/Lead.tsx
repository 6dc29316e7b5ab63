import { useEffect, useState } from 'react';
import type { InferResponseType } from 'hono/client';
import { CALL_OUTCOMES, LOST_REASONS, TRANSITIONS } from '../../../core/leads/statuses.js';
import { reasonKey } from '../../../core/leads/reasons.js';
import type { LeadStatus } from '../../../db/types.js';
import { api, call } from '../api.js';
import { isManager, type Me } from '../App.js';
import { loadCourses, loadGroupNames } from '../catalog.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { useClosingConfirmation, useMainButton } from '../telegram.js';
import { CallLink, Chip, Empty, Loaded, Section, StatusBadge, fmtDateTime, fmtDay, useAction, useAsync } from '../ui/kit.js';
import { kindLabel } from './Today.js';
import { Icon } from '../ui/icons.js';

type Details = InferResponseType<(typeof api.api.leads)[':id']['$get'], 200>;
type Trial = Details['trials'][number];
type Event = Details['events'][number];

/** Statuses reached through their own screen rather than a plain move. */
const VIA_SCREEN: Partial<Record<LeadStatus, 'book' | 'enroll'>> = { trial_registered: 'book', enrolled: 'enroll' };

export default function Lead({ id, me }: { id: number; me: Me }) {
  const { t, lang } = useI18n();
  const manager = isManager(me);
  // SPEC §10: a sales manager views trials and corrects results; booking, moving and cancelling are the salesperson's (and an admin's)
  const handlesTrials = me.role !== 'sales_manager';
  const details = useAsync(() => call(api.api.leads[':id'].$get({ param: { id: String(id) } })), [id]);
  const offers = useAsync(() => call(api.api.leads[':id'].offers.$get({ param: { id: String(id) } })), [id, details.data?.lead.status]);
  const catalog = useAsync(() => Promise.all([loadCourses(), loadGroupNames()]), []);
  const action = useAction();

  const [to, setTo] = useState<LeadStatus | null>(null);
  const [lostReason, setLostReason] = useState('');
  const [lostText, setLostText] = useState('');
  const [moveNote, setMoveNote] = useState('');
  const [outcome, setOutcome] = useState<string | null>(null);
  const [callbackAt, setCallbackAt] = useState('');
  const [callNote, setCallNote] = useState('');
  const [note, setNote] = useState('');
  const [confirmCancel, setConfirmCancel] = useState<number | null>(null);

  const lead = details.data?.lead;
  const dirty = to !== null || outcome !== null || note.trim() !== '' || callNote.trim() !== '';
  useClosingConfirmation(dirty);

  const moveValid = to !== null && (to !== 'lost' || (lostReason !== '' && (lostReason !== 'other' || lostText.trim() !== '')));
  const resetMove = () => {
    setTo(null);
    setLostReason('');
    setLostText('');
    setMoveNote('');
  };
  async function saveMove() {
    if (!to || !moveValid) return;
    const ok = await action.run(
      () =>
        call(
          api.api.leads[':id'].status.$post({
            param: { id: String(id) },
            json: {
              to,
              lostReason: to === 'lost' ? (lostReason as (typeof LOST_REASONS)[number]) : undefined,
              lostReasonText: to === 'lost' && lostText.trim() ? lostText.trim() : undefined,
              note: moveNote.trim() || undefined,
            },
          }),
        ),
      t('ma.lead.status_saved', { status: t(`status.${to}`) }),
    );
    if (ok) resetMove();
    // refused too: the lead may have moved meanwhile (another tab, the bot, a manager), so the
    // card must show its real status and the moves allowed from it
    details.reload();
  }

  // a move picked before the card learnt of another change is dropped once it is no longer allowed
  const current = details.data?.lead.status as LeadStatus | undefined;
  useEffect(() => {
    if (to && current && !(TRANSITIONS[current] ?? []).includes(to)) resetMove();
  }, [current, to]);

  const phoneHref = lead ? `tel:${lead.phone.replace(/[^\d+]/g, '')}` : '';
  useMainButton(
    !lead
      ? null
      : to
        ? { text: t('ma.lead.save_status', { status: t(`status.${to}`) }), onClick: () => void saveMove(), enabled: moveValid, loading: action.busy }
        : { text: t('ma.lead.call'), onClick: () => void (window.location.href = phoneHref) },
  );

  function pick(s: LeadStatus) {
    const screen = VIA_SCREEN[s];
    if (screen === 'book') return navigate({ name: 'book', leadId: id });
    if (screen === 'enroll') return navigate({ name: 'enroll', leadId: id });
    setTo(to === s ? null : s);
  }

  async function logCall() {
    if (!outcome) return;
    // the picker's value has no zone: the server reads it as the center's local time
    const at = outcome === 'call_back' && callbackAt ? callbackAt : undefined;
    const ok = await action.run(
      () => call(api.api.leads[':id'].calls.$post({ param: { id: String(id) }, json: { outcome: outcome as (typeof CALL_OUTCOMES)[number], note: callNote.trim() || undefined, callbackAt: at } })),
      t('ma.lead.call_saved'),
    );
    if (ok) {
      setOutcome(null);
      setCallbackAt('');
      setCallNote('');
      details.reload();
    }
  }

  async function addNote() {
    const text = note.trim();
    if (!text) return;
    const ok = await action.run(() => call(api.api.leads[':id'].notes.$post({ param: { id: String(id) }, json: { text } })), t('ma.lead.note_saved'));
    if (ok) {
      setNote('');
      details.reload();
    }
  }

  async function completeFollowUp(fid: number) {
    await action.run(() => call(api.api.followups[':id'].complete.$post({ param: { id: String(fid) }, json: {} })), t('ma.lead.followup_done'));
    details.reload();
  }

  async function trialResult(trial: Trial, result: 'attended' | 'not_attended' | 'offer_sent' | 'accepted') {
    await action.run(() => call(api.api.trials[':id'].result.$post({ param: { id: String(trial.id) }, json: { result } })), t('ma.trial.result_saved'));
    details.reload();
  }

  async function cancelTrial(trial: Trial) {
    setConfirmCancel(null);
    await action.run(() => call(api.api.trials[':id'].cancel.$post({ param: { id: String(trial.id) }, json: {} })), t('ma.trial.cancelled'));
    details.reload();
  }

  const groupName = (gid: number | null) => (gid == null ? '' : (catalog.data?.[1].get(gid)?.name ?? `#${gid}`));
  const courseName = (cid: number | null) => (cid == null ? t('ma.lead.no_course') : (catalog.data?.[0].find((c) => c.id === cid)?.name ?? `#${cid}`));

  return (
    <div data-testid="lead">
      <Loaded state={details} rows={6}>
        {(d) => {
          const l = d.lead;
          const status = l.status as LeadStatus;
          // SPEC §3: attendance (and an offer after it) is recorded once the lesson has started; the
          // server refuses both before that, so neither is offered while the booked trial is ahead
          const ahead = d.trials.some((tr) => !tr.cancelled && tr.result == null && Date.parse(tr.startsAt) > Date.now());
          const next = (status === 'enrolled' && !manager ? [] : TRANSITIONS[status] ?? [])
            .filter((s) => handlesTrials || s !== 'trial_registered')
            .filter((s) => !(ahead && status === 'trial_registered' && (s === 'trial_attended' || s === 'offer_sent')));
          const reasons = LOST_REASONS.filter((r) => (status === 'enrolled' ? r === 'left' : r !== 'left'));
          const openFollowUps = d.followUps.filter((f) => f.state === 'open');
          const closedFollowUps = d.followUps.filter((f) => f.state !== 'open');
          return (
            <>
              <section className="card lead-head">
                <h1 className="title" data-testid="lead-name">
                  {l.name}
                </h1>
                <div className="lead-meta">
                  <StatusBadge status={l.status} />
                  <span className="hint">{t(`source.${l.source}`)}</span>
                  {l.parked ? <span className="badge">{t('ma.team.parked')}</span> : null}
                </div>
                <div className="phones">
                  <CallLink phone={l.phone} />
                  {l.phone2 ? <CallLink phone={l.phone2} /> : null}
                </div>
                <dl className="facts">
                  <dt>{t('ma.lead.course')}</dt>
                  <dd>{courseName(l.courseId)}</dd>
                  {l.studentName ? (
                    <>
                      <dt>{t('ma.lead.student')}</dt>
                      <dd>
                        {l.studentName}
                        {l.studentAge ? `, ${l.studentAge}` : ''}
                        {l.studentLevel ? ` · ${l.studentLevel}` : ''}
                      </dd>
                    </>
                  ) : null}
                  {l.groupId ? (
                    <>
                      <dt>{t('ma.lead.group')}</dt>
                      <dd>{groupName(l.groupId)}</dd>
                    </>
                  ) : null}
                  {l.lostReason ? (
                    <>
                      <dt>{t('ma.lead.lost_reason')}</dt>
                      <dd>
                        {t(`lost.${l.lostReason}`)}
                        {l.lostReasonText ? `: ${l.lostReasonText}` : ''}
                      </dd>
                    </>
                  ) : null}
                  <dt>{t('ma.lead.created')}</dt>
                  <dd>{fmtDateTime(lang, l.createdAt)}</dd>
                </dl>
              </section>

              <Section title={t('ma.lead.change_status')} testId="status-section">
                {next.length ? (
                  <div className="chips" data-testid="next-statuses">
                    {next.map((s) => (
                      <Chip key={s} active={to === s} onClick={() => pick(s)} testId={`to-${s}`}>
                        {VIA_SCREEN[s] ? '→ ' : ''}
                        {t(`status.${s}`)}
                      </Chip>
                    ))}
                  </div>
                ) : (
                  <p className="hint">{t('ma.lead.no_moves')}</p>
                )}
                {to === 'lost' ? (
                  <div className="form">
                    <label className="field">
                      <span>{t('ma.lead.lost_reason')}</span>
                      <select className="input" value={lostReason} onChange={(e) => setLostReason(e.target.value)} data-testid="lost-reason">
                        <option value="">{t('ma.choose')}</option>
                        {reasons.map((r) => (
                          <option key={r} value={r}>
                            {t(`lost.${r}`)}
                          </option>
                        ))}
                      </select>
                    </label>
                    {lostReason === 'other' ? (
                      <label className="field">
                        <span>{t('ma.lead.lost_text')}</span>
                        <input className="input" value={lostText} maxLength={500} onChange={(e) => setLostText(e.target.value)} data-testid="lost-text" />
                      </label>
                    ) : null}
                  </div>
                ) : null}
                {to ? (
                  <label className="field">
                    <span>{t('ma.lead.note_optional')}</span>
                    <textarea className="input" rows={2} maxLength={4000} value={moveNote} onChange={(e) => setMoveNote(e.target.value)} data-testid="move-note" />
                  </label>
                ) : null}
              </Section>

              <Section title={t('ma.lead.log_call')} testId="call-section">
                <div className="chips">
                  {CALL_OUTCOMES.filter((o) => !(status === 'lost' && o === 'call_back')).map((o) => (
                    <Chip key={o} active={outcome === o} onClick={() => setOutcome(outcome === o ? null : o)} testId={`outcome-${o}`}>
                      {t(`outcome.${o}`)}
                    </Chip>
                  ))}
                </div>
                {outcome ? (
                  <div className="form">
                    {outcome === 'call_back' ? (
                      <label className="field">
                        <span>{t('ma.lead.callback_at')}</span>
                        <input className="input" type="datetime-local" value={callbackAt} onChange={(e) => setCallbackAt(e.target.value)} data-testid="callback-at" />
                      </label>
                    ) : null}
                    <label className="field">
                      <span>{t('ma.lead.note_optional')}</span>
                      <textarea className="input" rows={2} maxLength={4000} value={callNote} onChange={(e) => setCallNote(e.target.value)} />
                    </label>
                    <button type="button" className="btn" disabled={action.busy || (outcome === 'call_back' && !callbackAt)} onClick={() => void logCall()} data-testid="save-call">
                      {t('ma.lead.save_call')}
                    </button>
                  </div>
                ) : null}
              </Section>

              <Section title={t('ma.lead.followups')} testId="followups-section">
                {!d.followUps.length ? (
                  <p className="hint">{t('ma.lead.no_followups')}</p>
                ) : (
                  <ul className="list compact">
                    {[...openFollowUps, ...closedFollowUps].map((f) => (
                      <li key={f.id} className={`row fu-state-${f.state}${f.overdue && f.state === 'open' ? ' fu-overdue' : ''}`} data-testid="lead-followup" data-state={f.state} data-kind={f.kind}>
                        <span className="grow">
                          <b>{kindLabel(t, f.kind)}</b>
                          <span className="hint"> · {fmtDateTime(lang, f.dueAt)}</span>
                          {f.state !== 'open' ? <span className="hint"> · {t(`ma.fu.${f.state}`)}</span> : null}
                        </span>
                        {f.state === 'open' && (f.salesId === me.id || manager) ? (
                          <button type="button" className="btn btn-small" onClick={() => void completeFollowUp(f.id)} disabled={action.busy}>
                            <Icon name="check" size={16} />
                          </button>
                        ) : null}
                      </li>
                    ))}
                  </ul>
                )}
              </Section>

              <Section
                title={t('ma.lead.trials')}
                testId="trials-section"
                extra={
                  handlesTrials && TRANSITIONS[status]?.includes('trial_registered') ? (
                    <button type="button" className="link-btn" onClick={() => navigate({ name: 'book', leadId: id })} data-testid="book-trial">
                      + {t('ma.trial.book')}
                    </button>
                  ) : undefined
                }
              >
                {!d.trials.length ? (
                  <p className="hint">{t('ma.lead.no_trials')}</p>
                ) : (
                  <ul className="list compact">
                    {d.trials.map((tr) => {
                      const active = !tr.cancelled && tr.result == null;
                      const started = Date.parse(tr.startsAt) <= Date.now();
                      return (
                        <li key={tr.id} className={`row trial${tr.cancelled ? ' trial-cancelled' : ''}`} data-testid="trial">
                          <div className="grow">
                            <b>
                              {fmtDay(lang, tr.date)} {tr.time}
                            </b>
                            <span className="hint"> · {groupName(tr.groupId)}</span>
                            <div className="hint">{tr.cancelled ? t('ma.trial.state_cancelled') : tr.result ? t(`ma.trial.result.${tr.result}`) : t('ma.trial.state_booked')}</div>
                            {active ? (
                              <div className="chips">
                                {started ? (
                                  <Chip onClick={() => void trialResult(tr, 'attended')} testId="trial-attended">
                                    {t('ma.trial.result.attended')}
                                  </Chip>
                                ) : null}
                                <Chip onClick={() => void trialResult(tr, 'not_attended')}>{t('ma.trial.result.not_attended')}</Chip>
                                {!handlesTrials ? null : (
                                  <Chip onClick={() => navigate({ name: 'book', leadId: id, trialId: tr.id })} testId="move-trial">
                                    {t('ma.trial.move')}
                                  </Chip>
                                )}
                                {!handlesTrials ? null : confirmCancel === tr.id ? (
                                  <Chip tone="danger" onClick={() => void cancelTrial(tr)} testId="confirm-cancel-trial">
                                    {t('ma.trial.confirm_cancel')}
                                  </Chip>
                                ) : (
                                  <Chip onClick={() => setConfirmCancel(tr.id)} testId="cancel-trial">
                                    {t('ma.trial.cancel')}
                                  </Chip>
                                )}
                              </div>
                            ) : !tr.cancelled && (tr.result === 'attended' || tr.result === 'offer_sent') ? (
                              <div className="chips">
                                {tr.result === 'attended' ? <Chip onClick={() => void trialResult(tr, 'offer_sent')}>{t('ma.trial.result.offer_sent')}</Chip> : null}
                                <Chip onClick={() => void trialResult(tr, 'accepted')}>{t('ma.trial.result.accepted')}</Chip>
                              </div>
                            ) : null}
                          </div>
                        </li>
                      );
                    })}
                  </ul>
                )}
              </Section>

              <Section title={t('ma.lead.offers')} testId="offers-section">
                {offers.data === undefined ? (
                  offers.error ? (
                    <p className="hint">{t('ma.err.internal')}</p>
                  ) : (
                    <div className="skeleton-line w60" />
                  )
                ) : !offers.data.items.length ? (
                  <p className="hint">{t('ma.lead.no_offers')}</p>
                ) : (
                  <ul className="list compact">
                    {offers.data.items.map((o) => (
                      <li key={o.id} className="row offer" data-testid="offer">
                        <div className="grow">
                          <b>{o.title}</b>
                          {o.description ? <div className="hint pre">{o.description}</div> : null}
                          {o.validUntil ? <div className="hint">{t('ma.offer.until', { date: fmtDay(lang, o.validUntil) })}</div> : null}
                        </div>
                      </li>
                    ))}
                  </ul>
                )}
              </Section>

              <Section title={t('ma.lead.notes')} testId="notes-section">
                {l.notes ? <p className="pre notes">{l.notes}</p> : <p className="hint">{t('ma.lead.no_notes')}</p>}
                <div className="form">
                  <textarea className="input" rows={2} maxLength={4000} placeholder={t('ma.lead.note_placeholder')} value={note} onChange={(e) => setNote(e.target.value)} data-testid="note-input" />
                  <button type="button" className="btn" disabled={!note.trim() || action.busy} onClick={() => void addNote()} data-testid="add-note">
                    {t('ma.lead.add_note')}
                  </button>
                </div>
              </Section>

              <Section title={t('ma.lead.timeline')} testId="timeline">
                {!d.events.length ? <Empty text={t('ma.lead.no_events')} /> : <Timeline events={d.events} />}
              </Section>
            </>
          );
        }}
      </Loaded>
    </div>
  );
}

function Timeline({ events }: { events: Event[] }) {
  const { t, lang } = useI18n();
  return (
    <ol className="timeline">
      {events.map((e) => {
        const data = (e.data ?? {}) as Record<string, unknown>;
        const label = t(`ma.event.${e.type}`);
        const reason = typeof data.reason === 'string' ? data.reason : '';
        const reasonLabel = reason ? reasonKey(reason, LOST_REASONS) : null;
        const text = typeof data.note === 'string' ? data.note : typeof data.text === 'string' ? data.text : reasonLabel ? t(reasonLabel) : reason;
        return (
          <li key={e.id} className="timeline-item" data-testid="event" data-type={e.type}>
            <div className="timeline-head">
              <b>{label === `ma.event.${e.type}` ? e.type : label}</b>
              <span className="hint">{fmtDateTime(lang, e.createdAt)}</span>
            </div>
            {e.fromStatus || e.toStatus ? (
              <div className="hint">
                {e.fromStatus ? t(`status.${e.fromStatus}`) : ''} → {e.toStatus ? t(`status.${e.toStatus}`) : ''}
              </div>
            ) : null}
            {typeof data.outcome === 'string' ? <div className="hint">{t(`outcome.${data.outcome}`)}</div> : null}
            {text ? <div className="pre">{text}</div> : null}
            {e.actorName ? <div className="hint">{e.actorName}</div> : null}
          </li>
        );
      })}
    </ol>
  );
}
