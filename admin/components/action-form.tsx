import React, { useEffect, useState } from 'react';
import { Box, Button, Label, MessageBox, Text } from '@adminjs/design-system';
import { ApiClient, useActionResponseHandler, type ActionProps } from 'adminjs';

// The server describes each business action (fields, choices, words in the reader's language);
// this component only draws it, posts it and shows what came back. Every value is rendered as
// text by React: nothing from the server is ever inserted as HTML.

type Option = { value: string; label: string };
type Field = {
  name: string;
  type: 'select' | 'multiselect' | 'text' | 'textarea' | 'number' | 'datetime' | 'date' | 'password';
  label: string;
  required?: boolean;
  options?: Option[];
  suggestions?: Option[];
  value?: string | string[];
  hint?: string;
};
type Form = { intro?: string; fields: Field[]; submit: string; danger?: boolean };
type Result = { lines: Array<{ label: string; value: string; href?: string; testId?: string }>; hint?: string };
type Crm = { form?: Form; ok?: boolean; fields?: Record<string, string>; result?: Result | null };

const api = new ApiClient();

const inputStyle: React.CSSProperties = {
  width: '100%',
  boxSizing: 'border-box',
  padding: '8px 10px',
  border: '1px solid #c0c0ca',
  borderRadius: 4,
  font: 'inherit',
  background: '#fff',
};

async function call(props: ActionProps, data?: FormData) {
  const { action, resource, record, records } = props;
  const base = { resourceId: resource.id, actionName: action.name, ...(data ? { data } : {}) };
  if (action.actionType === 'record') return api.recordAction({ ...base, recordId: String(record?.id) });
  if (action.actionType === 'bulk') return api.bulkAction({ ...base, recordIds: (records ?? []).map((r) => String(r.id)) });
  return api.resourceAction(base);
}

const initialValues = (form: Form): Record<string, string | string[]> =>
  Object.fromEntries(form.fields.map((f) => [f.name, f.value ?? (f.type === 'multiselect' ? [] : '')]));

const CrmActionForm: React.FC<ActionProps> = (props) => {
  const [form, setForm] = useState<Form | null>(null);
  const [values, setValues] = useState<Record<string, string | string[]>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [busy, setBusy] = useState(false);
  const handle = useActionResponseHandler();

  useEffect(() => {
    let live = true;
    call(props)
      .then((res) => {
        const crm = (res.data as { crm?: Crm; notice?: { message: string } }).crm;
        if (!live) return;
        if (crm?.form) {
          setForm(crm.form);
          setValues(initialValues(crm.form));
        } else setFailure((res.data as { notice?: { message: string } }).notice?.message ?? 'Error');
      })
      .catch((e: Error) => live && setFailure(e.message));
    return () => {
      live = false;
    };
  }, [props.action.name, props.record?.id, (props.records ?? []).map((r) => r.id).join(',')]);

  const set = (name: string, v: string | string[]) => setValues((prev) => ({ ...prev, [name]: v }));

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!form || busy) return;
    setBusy(true);
    setErrors({});
    const data = new FormData();
    for (const f of form.fields) {
      const v = values[f.name];
      data.append(f.name, Array.isArray(v) ? v.join(',') : (v ?? ''));
    }
    // a form with no fields still posts something, so the server sees a submit
    data.append('_submit', '1');
    try {
      const res = await call(props, data);
      const crm = (res.data as { crm?: Crm }).crm ?? {};
      if (crm.ok === false) setErrors(crm.fields ?? {});
      if (crm.ok && crm.result) {
        setResult(crm.result);
        // stay on the page to show the result (a link or a password shown once)
        handle({ ...res, data: { ...res.data, redirectUrl: undefined } } as never);
      } else handle(res as never);
    } catch (err) {
      setFailure((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (failure) return <MessageBox variant="danger" message={failure} m="xl" data-testid="crm-failure" />;
  if (!form) return <Box p="xl">…</Box>;

  return (
    <Box variant="white" p="xl" m="lg" data-testid={`crm-form-${props.action.name}`}>
      {form.intro ? (
        <Text mb="xl" data-testid="crm-intro">
          {form.intro}
        </Text>
      ) : null}
      {result ? (
        <Box data-testid="crm-result" mb="xl">
          {result.lines.map((l) => (
            <Box key={l.label} mb="default">
              <Label>{l.label}</Label>
              {l.href ? (
                <a href={l.href} target="_blank" rel="noopener noreferrer" data-testid={l.testId}>
                  {l.value}
                </a>
              ) : (
                <Text data-testid={l.testId} style={{ fontFamily: 'monospace', fontSize: 16 }}>
                  {l.value}
                </Text>
              )}
            </Box>
          ))}
          {result.hint ? <Text color="grey60">{result.hint}</Text> : null}
        </Box>
      ) : (
        <form onSubmit={submit} noValidate>
          {form.fields.map((f) => (
            <Box key={f.name} mb="xl" data-testid={`field-${f.name}`}>
              <Label required={f.required} htmlFor={`crm-${f.name}`}>
                {f.label}
              </Label>
              <FieldInput field={f} value={values[f.name]} onChange={(v) => set(f.name, v)} />
              {f.hint ? <Text color="grey60">{f.hint}</Text> : null}
              {errors[f.name] ? (
                <Text color="error" mt="sm" data-testid={`error-${f.name}`}>
                  {errors[f.name]}
                </Text>
              ) : null}
            </Box>
          ))}
          {Object.keys(errors)
            .filter((k) => !form.fields.some((f) => f.name === k))
            .map((k) => (
              <Text key={k} color="error" mb="lg" data-testid={`error-${k}`}>
                {`${k} — ${errors[k]}`}
              </Text>
            ))}
          <Button type="submit" variant={form.danger ? 'danger' : 'contained'} disabled={busy} data-testid="crm-submit">
            {form.submit}
          </Button>
        </form>
      )}
    </Box>
  );
};

const FieldInput: React.FC<{ field: Field; value: string | string[] | undefined; onChange: (v: string | string[]) => void }> = ({ field: f, value, onChange }) => {
  const id = `crm-${f.name}`;
  const str = Array.isArray(value) ? value.join(',') : (value ?? '');
  switch (f.type) {
    case 'select':
      return (
        <select id={id} name={f.name} style={inputStyle} value={str} onChange={(e) => onChange(e.target.value)}>
          {f.required && !(f.options ?? []).some((o) => o.value === str) ? <option value="">—</option> : null}
          {(f.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case 'multiselect': {
      const chosen = new Set(Array.isArray(value) ? value : []);
      return (
        <Box id={id} style={{ maxHeight: 260, overflowY: 'auto', border: '1px solid #e0e0e6', borderRadius: 4, padding: 8 }}>
          {(f.options ?? []).map((o) => (
            <label key={o.value} style={{ display: 'block', padding: '4px 0', cursor: 'pointer' }}>
              <input
                type="checkbox"
                name={f.name}
                value={o.value}
                checked={chosen.has(o.value)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(o.value);
                  else next.delete(o.value);
                  onChange([...next]);
                }}
              />{' '}
              {o.label}
            </label>
          ))}
        </Box>
      );
    }
    case 'textarea':
      return <textarea id={id} name={f.name} rows={4} style={inputStyle} value={str} onChange={(e) => onChange(e.target.value)} />;
    default: {
      const type = f.type === 'datetime' ? 'datetime-local' : f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : f.type === 'password' ? 'password' : 'text';
      return (
        <>
          <input id={id} name={f.name} type={type} style={inputStyle} value={str} list={f.suggestions?.length ? `${id}-list` : undefined} onChange={(e) => onChange(e.target.value)} />
          {f.suggestions?.length ? (
            <datalist id={`${id}-list`}>
              {f.suggestions.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </datalist>
          ) : null}
          {f.suggestions?.length ? (
            <Box mt="sm">
              {f.suggestions.map((o) => (
                <Text key={o.value} color="grey60" style={{ cursor: 'pointer' }} onClick={() => onChange(o.value)} data-testid={`suggestion-${o.value}`}>
                  {o.label}
                </Text>
              ))}
            </Box>
          ) : null}
        </>
      );
    }
  }
};

export default CrmActionForm;
