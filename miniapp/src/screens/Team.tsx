import { useState } from 'react';
import { api, call } from '../api.js';
import type { Me } from '../App.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { Empty, Loaded, Section, StatusBadge, fmtDateTime, useAction, useAsync } from '../ui/kit.js';

/** Managers: the team at a glance, the unassigned queue (assign from here) and the parked imports. */
export default function Team({ me }: { me: Me }) {
  const { t, lang } = useI18n();
  const staff = useAsync(() => call(api.api.staff.$get()), []);
  const unassigned = useAsync(() => call(api.api.leads.$get({ query: { unassigned: 'true', limit: '50' } })), []);
  const parked = useAsync(() => call(api.api.leads.$get({ query: { parked: 'true', limit: '20' } })), []);
  const action = useAction();
  const [target, setTarget] = useState<Record<number, string>>({});
  void me;

  async function assign(leadId: number) {
    const to = Number(target[leadId]);
    if (!to) return;
    const ok = await action.run(() => call(api.api.leads.assign.$post({ json: { leadIds: [leadId], toUserId: to } })), t('ma.team.assigned'));
    if (ok) {
      unassigned.reload();
      parked.reload();
      staff.reload();
    }
  }

  const people = staff.data?.items ?? [];
  const assignRow = (leadId: number) => (
    <div className="assign">
      <select className="input" value={target[leadId] ?? ''} onChange={(e) => setTarget((x) => ({ ...x, [leadId]: e.target.value }))} aria-label={t('ma.team.assign_to')} data-testid="assign-to">
        <option value="">{t('ma.team.assign_to')}</option>
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {p.fullName} ({p.openLeads})
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-small" disabled={!target[leadId] || action.busy} onClick={() => void assign(leadId)} data-testid="assign">
        {t('ma.team.assign')}
      </button>
    </div>
  );

  return (
    <div data-testid="team">
      <h1 className="title">{t('ma.team.title')}</h1>
      <Section title={t('ma.team.unassigned')} testId="unassigned">
        <Loaded state={unassigned} rows={3}>
          {(d) =>
            !d.items.length ? (
              <Empty icon="done" text={t('ma.team.unassigned_empty')} />
            ) : (
              <ul className="list">
                {d.items.map((l) => (
                  <li key={l.id} className="card" data-testid="queue-lead">
                    <button type="button" className="row-btn" onClick={() => navigate({ name: 'lead', id: l.id })}>
                      <span className="lead-name">{l.name}</span>
                      <span className="lead-meta">
                        <StatusBadge status={l.status} />
                        <span className="hint">
                          {t(`source.${l.source}`)} · {fmtDateTime(lang, l.createdAt)}
                        </span>
                      </span>
                    </button>
                    {assignRow(l.id)}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </Section>
      <Section title={t('ma.team.people')} testId="people">
        <Loaded state={staff} rows={3}>
          {(d) =>
            !d.items.length ? (
              <Empty text={t('ma.team.no_people')} />
            ) : (
              <ul className="list compact">
                {d.items.map((p) => (
                  <li key={p.id} className="row" data-testid="person">
                    <span className="grow">
                      <b>{p.fullName}</b>
                      <span className="hint">
                        {' '}
                        · {p.workStart}–{p.workEnd}
                      </span>
                    </span>
                    <span className="hint">{t('ma.team.open_leads', { n: p.openLeads })}</span>
                    {p.blocked ? <span className="badge tone-danger">{t('ma.team.blocked')}</span> : null}
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </Section>
      <Section title={t('ma.team.parked')} testId="parked">
        <Loaded state={parked} rows={2}>
          {(d) =>
            !d.items.length ? (
              <Empty text={t('ma.team.parked_empty')} />
            ) : (
              <ul className="list">
                {d.items.map((l) => (
                  <li key={l.id} className="card" data-testid="parked-lead">
                    <button type="button" className="row-btn" onClick={() => navigate({ name: 'lead', id: l.id })}>
                      <span className="lead-name">{l.name}</span>
                      <span className="lead-meta hint">
                        {t(`source.${l.source}`)} · {fmtDateTime(lang, l.createdAt)}
                      </span>
                    </button>
                    {assignRow(l.id)}
                  </li>
                ))}
                {d.next ? <p className="hint">{t('ma.team.parked_more')}</p> : null}
              </ul>
            )
          }
        </Loaded>
      </Section>
    </div>
  );
}
