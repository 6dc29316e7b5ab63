import pino, { type Logger } from 'pino';

export type Log = Logger;

/** Redacts anything that can carry a secret, so tokens never reach the logs. */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', fd: 1 | 2 = 1): Log {
  // the CLI logs to stderr (fd 2) so its stdout carries only what the command printed
  const options = {
    level,
    redact: {
      paths: ['token', 'password', 'passwordHash', 'initData', 'req.headers.authorization', 'req.headers.cookie', '*.token', '*.password'],
      censor: '[redacted]',
    },
  };
  return fd === 1 ? pino(options) : pino(options, pino.destination({ fd, sync: true }));
}
