import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/log.ts';

describe('logging', () => {
  it('redacts tokens and secrets wherever they sit in a log object', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info({ token: 'discord-secret', slack: { botToken: 'xoxb-secret', signingSecret: 'sig-secret' }, req: { headers: { authorization: 'Bot abc' } }, replyTo: { interactionToken: 'itok-secret' } }, 'hello');
    const out = lines.join('');
    for (const secret of ['discord-secret', 'xoxb-secret', 'sig-secret', 'itok-secret']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    expect(out).toContain('hello');
  });
});
