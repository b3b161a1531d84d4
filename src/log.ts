/**
 * Structured logging with pino. Secrets are redacted by key wherever they appear in a log object,
 * and tokens are never put into messages (pass them nowhere near a logger).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'token', '*.token', '*.*.token',
  'botToken', '*.botToken', '*.*.botToken',
  'appToken', '*.appToken', '*.*.appToken',
  'signingSecret', '*.signingSecret', '*.*.signingSecret',
  'authorization', '*.authorization', '*.*.authorization', 'headers.authorization',
  'interactionToken', '*.interactionToken', '*.*.interactionToken',
  'password', '*.password',
];

export function createLogger(opts: { level?: string; pretty?: boolean; name?: string } = {}): Logger {
  return pino({
    name: opts.name ?? 'easel',
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    transport: opts.pretty ? { target: 'pino-pretty', options: { colorize: true } } : undefined,
  });
}

/** A logger that writes nothing: the default in tests and library code called without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
