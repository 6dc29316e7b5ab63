import { useState } from 'react';
import type { InferResponseType } from 'hono/client';
import { api, call } from '../api.js';
import { isManager, type Me } from '../App.js';
import { useI18n } from '../i18n.js';
import { Chip, Empty, Loaded, Section, fmtDay, useAsync } from '../ui/kit.js';

type Series = InferResponseType<typeof api.api.kpi.$get, 200>;
type Day = Series['days'][number];
type Metric = 'dailyContacts' | 'dailyFollowups' | 'trialsRegistered' | 'overdueCount';

const pct = (v: number | null) => (v == null ? '—' : `${Math.round(v)}%`);
const mins = (v: number | null) => (v == null ? '—' : `${Math.round(v)}`);

/** My KPI: the eight metrics of today, a 30-day chart and the team ranking. */
export default function Kpi({ me }: { me: Me }) {
  const { t } = useI18n();
  const manager = isManager(me);
  const [userId, setUserId] = useState<number | null>(manager ? null : me.id);
  const staff = useAsync(() => (manager ? call(api.api.staff.$get()).then((r) => r.items) : Promise.resolve([])), [manager]);
  const series = useAsync(
    () => (userId === null ? Promise.resolve(null) : call(api.api.kpi.$get({ query: { days: '30', userId: userId === me.id ? undefined : String(userId) } }))),
    [userId],
  );
  const ranking = useAsync(() => call(api.api.kpi.ranking.$get({ query: {} })), []);
  const [metric, setMetric] = useState<Metric>('dailyContacts');

  return (
    <div data-testid="kpi">
      <h1 className="title">{manager ? t('ma.kpi.team_title') : t('ma.kpi.title')}</h1>
      {manager ? (
        <label className="field">
          <span>{t('ma.kpi.person')}</span>
          <select className="input" value={userId ?? ''} onChange={(e) => setUserId(e.target.value ? Number(e.target.value) : null)}>
            <option value="">{t('ma.choose')}</option>
            {(staff.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.fullName}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {userId !== null ? (
        <Loaded state={series} rows={4}>
          {(s) =>
            s ? (
              <>
                <Section title={t('ma.kpi.today')} testId="kpi-today">
                  {s.today ? <Metrics d={s.today} /> : <p className="hint">{t('ma.kpi.day_off')}</p>}
                </Section>
                <Section title={t('ma.kpi.chart', { n: 30 })} testId="kpi-chart">
                  <div className="chips">
                    {(['dailyContacts', 'dailyFollowups', 'trialsRegistered', 'overdueCount'] as const).map((m) => (
                      <Chip key={m} active={metric === m} onClick={() => setMetric(m)}>
                        {t(`ma.kpi.${m}`)}
                      </Chip>
                    ))}
                  </div>
                  <Chart days={s.days} from={s.from} to={s.to} metric={metric} />
                </Section>
              </>
            ) : null
          }
        </Loaded>
      ) : null}
      <Section title={t('ma.kpi.ranking')} testId="ranking">
        <Loaded state={ranking} rows={3}>
          {(r) =>
            !r.items.length ? (
              <Empty text={t('ma.kpi.no_ranking')} />
            ) : (
              <ol className="list compact ranking">
                {r.items.map((x) => (
                  <li key={x.userId} className={`row${x.userId === me.id ? ' me' : ''}`} data-testid="rank-row">
                    <span className="rank">{x.rank}</span>
                    <span className="grow">{x.name}</span>
                    <span className="hint">
                      {t('ma.kpi.enrolled_n', { n: x.enrolled })} · {pct(x.conversionRate)}
                    </span>
                  </li>
                ))}
              </ol>
            )
          }
        </Loaded>
      </Section>
    </div>
  );
}

function Metrics({ d }: { d: Day }) {
  const { t } = useI18n();
  const cells: Array<[string, string]> = [
    ['ma.kpi.dailyContacts', String(d.dailyContacts)],
    ['ma.kpi.dailyFollowups', String(d.dailyFollowups)],
    ['ma.kpi.completion', pct(d.followupCompletionRate)],
    ['ma.kpi.trialsRegistered', String(d.trialsRegistered)],
    ['ma.kpi.trialsToSales', String(d.trialsToSales)],
    ['ma.kpi.conversion', pct(d.conversionRate)],
    ['ma.kpi.response', mins(d.responseTime)],
    ['ma.kpi.overdueCount', String(d.overdueCount)],
  ];
  return (
    <div className="metrics" data-testid="metrics">
      {cells.map(([k, v]) => (
        <div key={k} className="metric">
          <b>{v}</b>
          <span>{t(k)}</span>
        </div>
      ))}
    </div>
  );
}

/** Inline SVG bars, one per day of the period; days without a row (days off) stay empty. */
function Chart({ days, from, to, metric }: { days: Day[]; from: string; to: string; metric: Metric }) {
  const { t, lang } = useI18n();
  const byDate = new Map(days.map((d) => [d.date, d]));
  const dates: string[] = [];
  for (let d = new Date(`${from}T12:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) dates.push(d.toISOString().slice(0, 10));
  const values = dates.map((d) => byDate.get(d)?.[metric] ?? null);
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  const W = 300;
  const H = 120;
  const bw = W / Math.max(1, dates.length);
  const total = values.reduce<number>((s, v) => s + (v ?? 0), 0);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H + 16}`} role="img" aria-label={t('ma.kpi.chart_label', { metric: t(`ma.kpi.${metric}`), total })} data-testid="chart">
        <line x1="0" y1={H} x2={W} y2={H} className="axis" />
        {values.map((v, i) =>
          v == null ? null : (
            <rect key={dates[i]} x={i * bw + 1} y={H - (v / max) * (H - 8)} width={Math.max(1, bw - 2)} height={(v / max) * (H - 8)} rx="1.5" className={`bar${dates[i] === to ? ' bar-today' : ''}`}>
              <title>
                {fmtDay(lang, dates[i])}: {v}
              </title>
            </rect>
          ),
        )}
        <text x="0" y={H + 13} className="axis-label">
          {fmtDay(lang, from)}
        </text>
        <text x={W} y={H + 13} textAnchor="end" className="axis-label">
          {fmtDay(lang, to)}
        </text>
        <text x={W} y="10" textAnchor="end" className="axis-label">
          {max}
        </text>
      </svg>
      <figcaption className="hint">{t('ma.kpi.total', { n: total })}</figcaption>
    </figure>
  );
}
