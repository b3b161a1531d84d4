/**
 * `easel bot` as an operator runs it: a child process configured only by its environment, Slack
 * over HTTP against the fake Web API, answering a signed `/stylize styles`, and stopping cleanly on
 * SIGTERM — without a token in its logs.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRedis, type TestRedis } from '../helpers/redis.ts';
import { spawnEaselBot, type EaselBotProcess } from '../helpers/easel-bot-process.ts';
import { FakeSlack } from '../fakes/slack/fake-slack.ts';
import { SignedSender } from '../fakes/slack/signed-sender.ts';
import { BOT_TOKEN, CHANNEL, SIGNING_SECRET, newUser } from './harness.ts';

let fake: FakeSlack;
let redis: TestRedis;
let bot: EaselBotProcess;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  redis = await testRedis('slack-cli');
  bot = spawnEaselBot(redis.env({ LOG_LEVEL: 'debug', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.apiUrl, PORT: '0', EASEL_METRICS_PORT: '0' }));
});

afterAll(async () => {
  if (bot.child.exitCode === null) bot.child.kill('SIGKILL');
  await fake.close();
  await redis.cleanup();
});

describe('easel bot (Slack over HTTP)', () => {
  it('starts from the environment, answers a signed command, stops on SIGTERM, logs no secret', async () => {
    const started = await bot.waitForOutput(/"port":(\d+)[^\n]*slack: adapter started/);
    const sender = new SignedSender(`http://127.0.0.1:${started[1]}/slack/events`, SIGNING_SECRET);

    const user = newUser();
    const res = await sender.command({ user_id: user, channel_id: CHANNEL, text: 'help' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('`starry-night`') });
    const gallery = await fake.waitFor(() => fake.uploads.find((u) => u.channel === `D${user}`), 'the gallery in a DM');
    expect((await sharp(gallery.bytes).metadata()).format).toBe('png');

    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
    expect(bot.output()).toContain('slack: adapter stopped');
    for (const secret of [BOT_TOKEN, SIGNING_SECRET]) expect(bot.output()).not.toContain(secret);
  });
});
