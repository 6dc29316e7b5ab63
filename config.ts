import { z } from 'zod';
import { IANAZone } from 'luxon';

const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalText.refine(
    (v) => v === undefined || /^postgres(ql)?:\/\/.+/.test(v) || /^(sqlite|file):.+/.test(v),
    'must be postgres://… (PostgreSQL) or sqlite:<path>; leave unset for the embedded SQLite file',
  ),
  CRM_TIMEZONE: z
    .string()
    .default('Asia/Tashkent')
    .refine((v) => IANAZone.isValidZone(v), 'must be an IANA time zone such as Asia/Tashkent'),
  PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_API_ROOT: optionalText.refine((v) => v === undefined || /^https?:\/\//.test(v), 'must be an http(s) URL'),
  TELEGRAM_WEBHOOK_URL: optionalText,
  TELEGRAM_WEBHOOK_SECRET: optionalText,
  TELEGRAM_BOT_USERNAME: optionalText,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  INIT_DATA_EXPIRES_IN: z.coerce.number().int().positive().default(86_400),
  LANDING_RATE_LIMIT: z.coerce.number().int().positive().default(5),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  CORS_ORIGINS: optionalText,
  /** signs back-office session cookies; generated once and kept in the database when unset */
  ADMIN_SESSION_SECRET: optionalText,
  DEMO_MODE: z.enum(['true', 'false', '1', '0', 'auto']).default('auto'),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
  IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(50 * 1024 * 1024),
  GOOGLE_SHEETS_ID: optionalText,
  GOOGLE_SHEETS_RANGE: optionalText,
  GOOGLE_SHEETS_KEY_FILE: optionalText,
  GOOGLE_SHEETS_API_ROOT: optionalText,
});

export type Config = z.infer<typeof schema> & {
  dialect: 'sqlite' | 'postgres';
  sqlitePath: string;
};

export class ConfigError extends Error {}

/** Reads the environment once; a bad value gives one line naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`);
  }
  const c = parsed.data;
  if (c.TELEGRAM_BOT_TOKEN && (c.DEMO_MODE === 'true' || c.DEMO_MODE === '1')) {
    // demo mode signs Mini App sign-ins for anyone; it must never run next to a real bot
    throw new ConfigError(
      'Invalid DEMO_MODE="true": demo mode cannot be combined with TELEGRAM_BOT_TOKEN (it lets anyone open the Mini App as any salesperson). Unset DEMO_MODE or TELEGRAM_BOT_TOKEN.',
    );
  }
  const url = c.DATABASE_URL;
  const dialect = url && /^postgres/.test(url) ? 'postgres' : 'sqlite';
  const sqlitePath = url && dialect === 'sqlite' ? url.replace(/^(sqlite|file):(\/\/)?/, '') : `${c.DATA_DIR}/crm.sqlite`;
  return { ...c, dialect, sqlitePath };
}
