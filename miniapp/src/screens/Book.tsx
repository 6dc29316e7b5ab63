import { useEffect, useState } from 'react';
import { ApiError, api, call } from '../api.js';
import { loadCourses } from '../catalog.js';
import { useI18n } from '../i18n.js';
import { back } from '../router.js';
import { haptic, useClosingConfirmation, useMainButton } from '../telegram.js';
import { Chip, Empty, Loaded, Section, band, errorText, fmtDay, useAsync, useToast } from '../ui/kit.js';

/** Trial booking: course → a group with a free seat (occupancy colour) → a lesson date. With `trialId`, moves that trial. */
export default function Book({ leadId, trialId }: { leadId: number; trialId?: number }) {
  const { t, lang } = useI18n();
  const toast = useToast();
  const lead = useAsync(() => call(api.api.leads[':id'].$get({ param: { id: String(leadId) } })), [leadId]);
  const courses = useAsync(() => loadCourses(), []);
  const [courseId, setCourseId] = useState<number | null>(null);
  const [groupId, setGroupId] = useState<number | null>(null);
  const [date, setDate] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [full, setFull] = useState<{ groupId: number; message: string } | null>(null);

  // the lead's course first; else the course of the trial being moved; else the first course
  useEffect(() => {
    if (courseId !== null || !lead.data || !courses.data) return;
    setCourseId(lead.data.lead.courseId ?? courses.data[0]?.id ?? null);
  }, [lead.data, courses.data, courseId]);

  const groups = useAsync(
    () => (courseId === null ? Promise.resolve({ items: [] }) : call(api.api.groups.$get({ query: { courseId: String(courseId) } }))),
    [courseId],
  );
  const moving = trialId ? lead.data?.trials.find((x) => x.id === trialId) : undefined;
  useClosingConfirmation(groupId !== null);

  async function submit() {
    if (!groupId || !date) return;
    setBusy(true);
    setFull(null);
    try {
      if (trialId) await call(api.api.trials[':id'].move.$post({ param: { id: String(trialId) }, json: { groupId, date } }));
      else await call(api.api.leads[':id'].trials.$post({ param: { id: String(leadId) }, json: { groupId, date } }));
      haptic('success');
      toast(trialId ? t('ma.trial.moved') : t('ma.trial.booked'));
      setGroupId(null);
      back({ name: 'book', leadId, trialId });
    } catch (err) {
      haptic('error');
      if (err instanceof ApiError && err.code === 'GROUP_FULL') {
        // someone took the last seat meanwhile: say so here, offer the waitlist, refresh the seats
        setFull({ groupId, message: t('ma.err.group_full') });
        groups.reload();
      } else toast(errorText(t, err), 'error');
    } finally {
      setBusy(false);
    }
  }

  async function joinWaitlist(gid: number) {
    try {
      await call(api.api.leads[':id'].waitlist.$post({ param: { id: String(leadId) }, json: { groupId: gid } }));
      haptic('success');
      toast(t('ma.waitlist.joined'));
      setFull(null);
    } catch (err) {
      haptic('error');
      toast(errorText(t, err), 'error');
    }
  }

  useMainButton({ text: trialId ? t('ma.trial.move_submit') : t('ma.trial.book_submit'), onClick: () => void submit(), enabled: !!groupId && !!date, loading: busy });

  return (
    <div data-testid="book">
      <h1 className="title">{trialId ? t('ma.trial.move_title') : t('ma.trial.book_title')}</h1>
      {lead.data ? <p className="subtitle">{lead.data.lead.name}</p> : null}
      {moving ? (
        <p className="hint">
          {t('ma.trial.now')}: {fmtDay(lang, moving.date)} {moving.time}
        </p>
      ) : null}
      {full ? (
        <div className="alert" role="alert" data-testid="group-full">
          <p>{full.message}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void joinWaitlist(full.groupId)} data-testid="join-waitlist">
            {t('ma.waitlist.join')}
          </button>
        </div>
      ) : null}
      <Section title={t('ma.trial.course')}>
        <Loaded state={courses} rows={1}>
          {(cs) =>
            cs.length ? (
              <div className="chips" data-testid="courses">
                {cs.map((c) => (
                  <Chip
                    key={c.id}
                    active={courseId === c.id}
                    onClick={() => {
                      setCourseId(c.id);
                      setGroupId(null);
                      setDate(null);
                    }}
                  >
                    {c.name}
                  </Chip>
                ))}
              </div>
            ) : (
              <Empty text={t('ma.trial.no_courses')} />
            )
          }
        </Loaded>
      </Section>
      {courseId !== null ? (
        <Section title={t('ma.trial.group')}>
          <Loaded state={groups} rows={3}>
            {(gs) =>
              !gs.items.length ? (
                <Empty text={t('ma.trial.no_groups')} />
              ) : (
                <ul className="list" data-testid="groups">
                  {gs.items.map((g) => {
                    const free = g.capacity - g.currentStudents;
                    const tone = band(g.currentStudents, g.capacity);
                    const chosen = groupId === g.id;
                    return (
                      <li key={g.id} className={`card group-card${chosen ? ' chosen' : ''}`} data-testid="group-option" data-group-id={g.id}>
                        <button
                          type="button"
                          className="row-btn"
                          aria-pressed={chosen}
                          onClick={() => {
                            setGroupId(g.id);
                            setDate(g.nextFreeDates[0]?.date ?? null);
                            setFull(null);
                          }}
                        >
                          <span className="lead-name">{g.name}</span>
                          <span className="lead-meta">
                            <span className={`occ occ-${tone}`} data-band={tone}>
                              {g.currentStudents}/{g.capacity}
                            </span>
                            <span className="hint">
                              {t(`ma.days.${g.days}`)} · {g.startTime} · {t('ma.group.free', { n: free })}
                            </span>
                          </span>
                        </button>
                        {chosen ? (
                          g.nextFreeDates.length ? (
                            <div className="chips" data-testid="dates">
                              {g.nextFreeDates.map((d) => (
                                <Chip key={d.date} active={date === d.date} onClick={() => setDate(d.date)} testId={`date-${d.date}`}>
                                  {fmtDay(lang, d.date)} · {t('ma.group.free', { n: d.free })}
                                </Chip>
                              ))}
                            </div>
                          ) : (
                            <p className="hint">{t('ma.trial.no_dates')}</p>
                          )
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              )
            }
          </Loaded>
        </Section>
      ) : null}
    </div>
  );
}
