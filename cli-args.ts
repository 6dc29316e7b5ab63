// Argument reading for `npm run crm -- …`: every wrong flag becomes one line naming it (a
// CliUsageError, printed by runCli with exit code 1) before anything touches the database.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DateTime } from 'luxon';

export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export interface FlagSpec {
  /** flags that take a value: `--name value` or `--name=value` */
  values?: readonly string[];
  /** flags that are on or off: `--dry-run` */
  switches?: readonly string[];
}

/**
 * Positional arguments and flags. An unknown flag (a typo like `--rol`) is refused rather than
 * ignored, as is a value flag given without its value: either would otherwise do something the
 * operator did not ask for.
 */
export function parseFlags(args: string[], spec: FlagSpec, command: string): { positional: string[]; f: Record<string, string> } {
  const values = new Set(spec.values ?? []);
  const switches = new Set(spec.switches ?? []);
  const f: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || a === '--') {
      if (a !== '--') positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    if (switches.has(key)) {
      if (inline !== undefined && !['true', 'yes', '1'].includes(inline.toLowerCase())) throw new CliUsageError(`${command}: --${key} takes no value`);
      f[key] = 'true';
      continue;
    }
    if (!values.has(key)) {
      const known = [...values, ...switches].map((k) => `--${k}`).join(', ');
      throw new CliUsageError(`${command}: unknown flag --${key}${known ? ` (known: ${known})` : ''}`);
    }
    const value = inline ?? (i + 1 < args.length && !args[i + 1].startsWith('--') ? args[++i] : undefined);
    if (value === undefined || value.trim() === '') throw new CliUsageError(`${command}: --${key} needs a value`);
    f[key] = value;
  }
  return { positional, f };
}

export function positiveInt(flag: string, v: string): number {
  const s = v.trim();
  if (!/^\d+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) throw new CliUsageError(`${flag}: "${v}" is not an id (a whole number from 1)`);
  return Number(s);
}

/** `1,2,3` → ids, each a whole number from 1; duplicates dropped. */
export function idList(flag: string, v: string): number[] {
  const parts = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (!parts.length) throw new CliUsageError(`${flag}: give one or more ids separated by commas, e.g. 1,2`);
  return [...new Set(parts.map((p) => positiveInt(flag, p)))];
}

/** Work days as ISO weekday numbers (1 = Monday … 7 = Sunday), sorted, duplicates dropped. */
export function weekdays(flag: string, v: string): number[] {
  const parts = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (!parts.length) throw new CliUsageError(`${flag}: give day numbers separated by commas, 1 = Monday … 7 = Sunday (e.g. 1,2,3,4,5,6)`);
  const days = parts.map((p) => {
    if (!/^[1-7]$/.test(p)) throw new CliUsageError(`${flag}: "${p}" is not a day number: use 1 = Monday … 7 = Sunday (e.g. 1,2,3,4,5,6)`);
    return Number(p);
  });
  return [...new Set(days)].sort((a, b) => a - b);
}

export function clockTime(flag: string, v: string): string {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(v.trim());
  if (!m) throw new CliUsageError(`${flag}: "${v}" is not a time of day: use HH:MM from 00:00 to 23:59 (e.g. 09:00)`);
  return `${m[1].padStart(2, '0')}:${m[2]}`;
}

/** A calendar day `YYYY-MM-DD` that exists (2025-02-30 does not). */
export function calendarDay(flag: string, v: string): string {
  const s = v.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || !DateTime.fromISO(s).isValid) throw new CliUsageError(`${flag}: "${v}" is not a date: use YYYY-MM-DD (e.g. 2025-01-31)`);
  return s;
}

export function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  const s = v.trim();
  if (!(allowed as readonly string[]).includes(s)) throw new CliUsageError(`${flag}: "${v}" is not one of ${allowed.join(', ')}`);
  return s as T;
}

/** `new,lost` → each checked against the allowed values. */
export function someOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T[] {
  const parts = v.split(',').map((x) => x.trim()).filter(Boolean);
  if (!parts.length) throw new CliUsageError(`${flag}: give one or more of ${allowed.join(', ')}`);
  const bad = parts.filter((p) => !(allowed as readonly string[]).includes(p));
  if (bad.length) throw new CliUsageError(`${flag}: "${bad.join(', ')}" is not one of ${allowed.join(', ')}`);
  return [...new Set(parts)] as T[];
}

/** A file the command will write: its folder must exist, and it must not be a folder itself. */
export function writableFile(flag: string, path: string): string {
  const full = resolve(path);
  const dir = dirname(full);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliUsageError(`${flag}: the folder ${dir} does not exist`);
  if (existsSync(full) && statSync(full).isDirectory()) throw new CliUsageError(`${flag}: ${full} is a folder, not a file`);
  return path;
}
