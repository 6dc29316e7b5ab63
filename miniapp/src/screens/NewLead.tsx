import { useState } from 'react';
import { SOURCES } from '../../../core/leads/statuses.js';
import { ApiError, api, call } from '../api.js';
import { loadCourses } from '../catalog.js';
import { useI18n } from '../i18n.js';
import { navigate } from '../router.js';
import { haptic, useClosingConfirmation, useMainButton } from '../telegram.js';
import { errorText, fieldRuleText, useAsync, useToast } from '../ui/kit.js';

const MANUAL = SOURCES.filter((s) => s !== 'form' && s !== 'excel' && s !== 'google_sheets');
type ManualSource = (typeof MANUAL)[number];

export default function NewLead() {
  const { t } = useI18n();
  const toast = useToast();
  const courses = useAsync(() => loadCourses(), []);
  const [form, setForm] = useState({ name: '', phone: '', courseId: '', source: 'phone_call' as string, note: '', studentName: '' });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const dirty = !!(form.name || form.phone || form.note || form.studentName);
  useClosingConfirmation(dirty);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const valid = form.name.trim() !== '' && form.phone.trim() !== '';

  async function save() {
    if (!valid) return;
    setBusy(true);
    setFields({});
    try {
      const r = await call(
        api.api.leads.$post({
          json: {
            name: form.name.trim(),
            phone: form.phone.trim(),
            source: form.source as ManualSource,
            courseId: form.courseId ? Number(form.courseId) : undefined,
            note: form.note.trim() || undefined,
            studentName: form.studentName.trim() || undefined,
          },
        }),
      );
      haptic('success');
      setForm({ name: '', phone: '', courseId: '', source: 'phone_call', note: '', studentName: '' });
      if (r.duplicate) toast(t('ma.newlead.duplicate'));
      else toast(t('ma.newlead.saved'));
      if (r.lead) navigate({ name: 'lead', id: r.lead.id }, { replace: true });
    } catch (err) {
      haptic('error');
      if (err instanceof ApiError && err.fields) setFields(err.fields);
      toast(errorText(t, err), 'error');
    } finally {
      setBusy(false);
    }
  }

  useMainButton({ text: t('ma.save'), onClick: () => void save(), enabled: valid, loading: busy });

  return (
    <div data-testid="new-lead">
      <h1 className="title">{t('ma.lead.new')}</h1>
      <form
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="field">
          <span>{t('ma.newlead.name')}</span>
          <input className="input" value={form.name} onChange={set('name')} maxLength={200} autoComplete="off" aria-invalid={!!fields.name} data-testid="new-name" />
          {fields.name ? <small className="field-error" data-testid="new-name-error">{fieldRuleText(t, fields.name)}</small> : null}
        </label>
        <label className="field">
          <span>{t('ma.newlead.phone')}</span>
          <input className="input" type="tel" value={form.phone} onChange={set('phone')} maxLength={40} placeholder="+998 90 123 45 67" aria-invalid={!!fields.phone} data-testid="new-phone" />
          {fields.phone ? <small className="field-error" data-testid="new-phone-error">{fieldRuleText(t, fields.phone)}</small> : null}
        </label>
        <label className="field">
          <span>{t('ma.lead.course')}</span>
          <select className="input" value={form.courseId} onChange={set('courseId')}>
            <option value="">{t('ma.lead.no_course')}</option>
            {(courses.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('ma.leads.source')}</span>
          <select className="input" value={form.source} onChange={set('source')}>
            {MANUAL.map((s) => (
              <option key={s} value={s}>
                {t(`source.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('ma.newlead.student')}</span>
          <input className="input" value={form.studentName} onChange={set('studentName')} maxLength={200} />
        </label>
        <label className="field">
          <span>{t('ma.lead.note_optional')}</span>
          <textarea className="input" rows={3} value={form.note} onChange={set('note')} maxLength={4000} />
        </label>
      </form>
    </div>
  );
}
