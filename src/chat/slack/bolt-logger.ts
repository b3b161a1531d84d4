/**
 * Bolt and the Slack WebClient log through this bridge into our pino logger.
 *
 * Their messages are strings (pino's key-based redaction cannot see inside them) and at debug level
 * they include request bodies, so their info and debug go one level lower than ours (info → debug,
 * debug → trace): an operator at LOG_LEVEL=info sees only their warnings and errors.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log.ts';
import { scrub } from '../../util/describe-error.ts';

export function slackLoggerFrom(log: Logger): SlackLogger {
  let child = log.child({ lib: 'slack' });
  // Tokens are cut out of the text the way the error describer does it (URLs with tokens, xox… tokens).
  const text = (msg: unknown[]) => scrub(msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : safeJson(m))).join(' '));
  return {
    debug: (...msg) => child.trace(text(msg)),
    info: (...msg) => child.debug(text(msg)),
    // Bolt warns for every event whose workspace has no installation; Easel logs those once itself
    // (install/authorize-errors.ts), so a removed workspace's stragglers are no warning storm.
    warn: (...msg) => (typeof msg[0] === 'string' && msg[0].startsWith('Authorization of incoming event did not succeed') ? child.debug(text(msg)) : child.warn(text(msg))),
    error: (...msg) => child.error(text(msg)),
    // Our LOG_LEVEL decides; Bolt's own setting is ignored.
    setLevel: () => undefined,
    getLevel: () => (child.isLevelEnabled('trace') ? LogLevel.DEBUG : child.isLevelEnabled('debug') ? LogLevel.INFO : LogLevel.WARN),
    setName: (name: string) => {
      child = log.child({ lib: name });
    },
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}
