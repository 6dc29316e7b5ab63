import { useEffect, useState } from 'react';
import { ApiError, api, call } from '../api.js';
import { loadCourses } from '../catalog.js';
import { useI18n } from '../i18n.js';
import { back } from '../router.js';
import { haptic, useClosingConfirmation, useMainButton } from '../telegram.js';
import { Empty, Loaded, Section, band, errorText, useAsync, useToast } from '../ui/kit.js';

/** 1250000 → "1 250 000", as sums are written in Uzbekistan. */
function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** Enrollment: a group of the lead's course with a free seat, the agreed price and an applied offer. */
export default function Enroll({ leadId }: { leadId: number }) {
  const { t } = useI18n();
  const toast = useToast();
  const lead = useAsync(() => call(api.api.leads[':id'].$get({ param: { id: String(leadId) } })), [leadId]);
  const courses = useAsync(() => loadCourses(), []);
  const offers = useAsync(() => call(api.api.leads[':id'].offers.$get({ param: { id: String(leadId) } })), [leadId]);
  const courseId = lead.data?.lead.courseId ?? null;
  const groups = useAsync(() => call(api.api.groups.$get({ query: courseId ? { courseId: String(courseId) } : {} })), [courseId]);
  const [groupId, setGroupId] = useState<number | null>(null);
  const [price, setPrice] = useState('');
  const [offerId, setOfferId] = useState('');
  const [busy, setBusy] = useState(false);
  const [full, setFull] = useState<number | null>(null);
  useClosingConfirmation(groupId !== null);

  const group = groups.data?.items.find((g) => g.id === groupId);
  useEffect(() => {
    if (!group || !courses.data) return;
    const course = courses.data.find((c) => c.id === group.courseId);
    if (course) setPrice(groupDigits(course.price));
  }, [group, courses.data]);

  // people write sums in groups ("1 250 000", "1.250.000", "1,250,000"): only the digits count
  const priceDigits = price.replace(/[\s.,'\u00a0\u202f]/g, '');
  const priceValid = /^\d+$/.test(priceDigits);
  async function submit() {
    if (!groupId || !priceValid) return;
    setBusy(true);
    setFull(null);
    try {
      await call(api.api.leads[':id'].enroll.$post({ param: { id: String(leadId) }, json: { groupId, agreedPrice: Number(priceDigits), offerId: offerId ? Number(offerId) : undefined } }));
      haptic('success');
      toast(t('ma.enroll.done'));
      setGroupId(null);
      back({ name: 'enroll', leadId });
    } catch (err) {
      haptic('error');
      if (err instanceof ApiError && err.code === 'GROUP_FULL') {
        setFull(groupId);
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

  useMainButton({ text: t('ma.enroll.submit'), onClick: () => void submit(), enabled: !!groupId && priceValid, loading: busy });

  return (
    <div data-testid="enroll">
      <h1 className="title">{t('ma.enroll.title')}</h1>
      {lead.data ? <p className="subtitle">{lead.data.lead.name}</p> : null}
      {full ? (
        <div className="alert" role="alert" data-testid="group-full">
          <p>{t('ma.err.group_full')}</p>
          <button type="button" className="btn btn-secondary" onClick={() => void joinWaitlist(full)}>
            {t('ma.waitlist.join')}
          </button>
        </div>
      ) : null}
      <Section title={t('ma.trial.group')}>
        <Loaded state={groups} rows={3}>
          {(gs) =>
            !gs.items.length ? (
              <Empty text={t('ma.trial.no_groups')} />
            ) : (
              <ul className="list">
                {gs.items.map((g) => {
                  const tone = band(g.currentStudents, g.capacity);
                  return (
                    <li key={g.id} className={`card group-card${groupId === g.id ? ' chosen' : ''}`}>
                      <button type="button" className="row-btn" aria-pressed={groupId === g.id} onClick={() => setGroupId(g.id)}>
                        <span className="lead-name">
                          {g.name} <span className="hint">· {g.courseName}</span>
                        </span>
                        <span className="lead-meta">
                          <span className={`occ occ-${tone}`}>
                            {g.currentStudents}/{g.capacity}
                          </span>
                          <span className="hint">
                            {t(`ma.days.${g.days}`)} · {g.startTime} · {t('ma.group.free', { n: g.capacity - g.currentStudents })}
                          </span>
                        </span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )
          }
        </Loaded>
      </Section>
      {groupId ? (
        <Section title={t('ma.enroll.terms')}>
          <div className="form">
            <label className="field">
              <span>{t('ma.enroll.price')}</span>
              <input className="input" inputMode="numeric" value={price} onChange={(e) => setPrice(e.target.value)} aria-invalid={!priceValid} />
            </label>
            <label className="field">
              <span>{t('ma.enroll.offer')}</span>
              <select className="input" value={offerId} onChange={(e) => setOfferId(e.target.value)}>
                <option value="">{t('ma.enroll.no_offer')}</option>
                {(offers.data?.items ?? []).map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.title}
                  </option>
                ))}
              </select>
            </label>
          </div>
        </Section>
      ) : null}
    </div>
  );
}
