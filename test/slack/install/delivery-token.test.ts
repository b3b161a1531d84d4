/**
 * The token of a delivery is looked up when it posts, never carried by the job: a painting queued
 * in workspace A while no worker runs, A's token rotated meanwhile, then a worker process starts —
 * the result is uploaded with the refreshed token (found in the store at delivery time), and the
 * job's data names the workspace only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisInstallationStore } from '../../../src/chat/slack/install/installation-store.ts';
import { startServices, type Services } from '../../../src/cli/serve.ts';
import { createLogger } from '../../../src/log.ts';
import { photoBytes, waitForUpload } from '../harness.ts';
import { startDistributionStack, until, type DistributionStack } from './distribution-stack.ts';

const TEAM = 'TAAA';
const CHANNEL = `C${TEAM}`;
let s: DistributionStack;
let worker: Services | undefined;

beforeAll(async () => {
  s = await startDistributionStack({ teams: [TEAM], bots: 2, worker: false, expiresIn: 12 * 3600 });
  await s.install(TEAM);
});
afterAll(async () => {
  await worker?.close();
  await s?.close();
});

describe('Slack distribution mode: the delivery looks its token up at call time', () => {
  it('a job queued before a token rotation is delivered with the refreshed token', async () => {
    const [original] = s.fake.botTokensOf(TEAM);
    const file = s.fake.hostFile(await photoBytes(), 'dancer.jpg', 'image/jpeg', { teamId: TEAM });
    const { mention } = s.fake.userMessage({ channel: CHANNEL, user: `U${TEAM}Q`, text: `<@U${TEAM}BOT> the-scream size=32`, files: [file] });
    await s.bots[1]!.sender.event(mention, { teamId: TEAM });
    const queue = s.bots[0]!.services.jobs.queue;
    await until(async () => (await queue.getJobs(['waiting', 'prioritized'])).length === 1, 'the job waiting');
    const [job] = await queue.getJobs(['waiting', 'prioritized']);
    expect(JSON.stringify(job!.data)).not.toContain(original!);
    expect(job!.data.request.replyTo).toMatchObject({ teamId: TEAM, channel: CHANNEL });

    // Time passes: the stored token is now inside its refresh window.
    const store = new RedisInstallationStore(s.redis.redis, s.redis.prefix, s.config.slackDistribution!.tokenKey);
    const query = { teamId: TEAM, enterpriseId: undefined, isEnterpriseInstall: false };
    const installed = await store.fetchInstallation(query);
    await store.storeInstallation({ ...installed, bot: { ...installed.bot!, expiresAt: Math.floor(Date.now() / 1000) + 60 } });

    worker = await startServices(s.config, createLogger({ level: 'silent', name: `worker-${randomUUID()}` }), { bot: false, worker: true });
    const upload = await waitForUpload(s.fake, CHANNEL, mention.ts as string);
    const refreshed = s.fake.botTokensOf(TEAM).at(-1)!;
    expect(refreshed).not.toBe(original);
    expect(s.fake.grants.filter((g) => g.grant === 'refresh_token')).toEqual([{ grant: 'refresh_token', teamId: TEAM }]);
    const completed = s.fake.callsOf('files.completeUploadExternal').find((c) => c.args.thread_ts === mention.ts)!;
    expect(completed.token).toBe(refreshed);
    expect(upload.initialComment).toContain(`<@U${TEAM}Q>`);
  });
});
