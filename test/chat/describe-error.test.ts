/**
 * The one error describer: what reaches a log line from a platform client's error. A DiscordAPIError
 * carries the interaction token in its URL and the uploaded file in its request body; neither may
 * be logged. A Slack WebAPI error keeps only Slack's code.
 */
import { Writable } from 'node:stream';
import { DiscordAPIError } from 'discord.js';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../src/log.ts';
import { describeError } from '../../src/util/describe-error.ts';

function memoryLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, sink), text: () => lines.join('') };
}

describe('describeError', () => {
  it('logs a DiscordAPIError as method, route without the token, status and code — no token, no file bytes', () => {
    const token = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpTRUNSRVQtVE9LRU4';
    const fileMarker = 'PNG-BYTES-THAT-MUST-NOT-BE-LOGGED';
    const file = Buffer.concat([Buffer.from('\x89PNG\r\n'), Buffer.from(fileMarker.repeat(2000))]);
    const url = `https://discord.com/api/v10/webhooks/1122334455/${token}/messages/@original?wait=true`;
    const err = new DiscordAPIError({ code: 50035, message: 'Invalid Form Body' }, 50035, 400, 'PATCH', url, {
      files: [{ name: 'easel.png', data: file }],
      body: { content: `done ${token}` },
    });
    // The raw error would leak both (this is why it must never be logged as is).
    expect(JSON.stringify({ url: err.url, body: err.requestBody })).toContain(token);

    const { log, text } = memoryLogger();
    log.warn({ jobId: 'discord-1', err: describeError(err) }, 'discord: could not deliver the result');
    const out = text();
    expect(out).not.toContain(token);
    expect(out).not.toContain(fileMarker);
    expect(out).not.toContain('PNG');
    expect(out.length).toBeLessThan(1000);
    const logged = JSON.parse(out).err;
    expect(logged).toMatchObject({ name: 'DiscordAPIError[50035]', method: 'PATCH', route: '/webhooks/1122334455/:token/messages/@original', status: 400, code: 50035 });
  });

  it('cuts tokens out of messages that quote a URL, and keeps a Slack error to its code', () => {
    const token = 'itok-999-secretsecret';
    const quoted = describeError(new Error(`request to http://127.0.0.1:1234/api/v10/interactions/999/${token}/callback failed, reason: socket hang up`));
    expect(JSON.stringify(quoted)).not.toContain(token);
    expect(quoted.message).toContain('/interactions/999/:token/callback');

    const slack = describeError(Object.assign(new Error('An API error occurred: not_in_channel'), { code: 'slack_webapi_platform_error', data: { ok: false, error: 'not_in_channel', response_metadata: { scopes: ['xoxb-should-not-matter'] } }, headers: { authorization: 'Bearer xoxb-1-2-3' } }));
    expect(slack).toEqual({ name: 'Error', message: 'An API error occurred: not_in_channel', code: 'not_in_channel' });
    expect(describeError('xoxb-123-456 leaked').message).toBe('[token] leaked');
  });
});
