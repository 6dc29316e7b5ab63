import pino, { type Logger } from 'pino';

export type Log = Logger;

/** Redacts anything that can carry a secret, so tokens never reach the logs. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Log {
  return pino({
    level,
    redact: {
      paths: ['token', 'password', 'passwordHash', 'initData', 'req.headers.authorization', 'req.headers.cookie', '*.token', '*.password'],
      censor: '[redacted]',
    },
  });
}
