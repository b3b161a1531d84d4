/**
 * Slack distribution mode end to end: two bot processes as `easel bot` runs them (the first also
 * renders), two workspaces installed through the real OAuth flow, and in each workspace a
 * `/stylize` prompt answered and a photo posted in its thread painted and delivered — every call
 * with that workspace's own token, every photo fetched with its own workspace's token only (the
 * fake counts any other try), and no token in the job's data (the delivery looks it up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoBytes, waitForUpload } from '../harness.ts';
import { startDistributionStack, type DistributionStack } from './distribution-stack.ts';

const TEAMS = ['TAAA', 'TBBB'];
let s: DistributionStack;

beforeAll(async () => {
  s = await startDistributionStack({ teams: TEAMS, bots: 2 });
});
afterAll(async () => s?.close());

describe('Slack distribution mode: easel bot serves two installed workspaces', () => {
  it('installs both workspaces (install page on one process, redirect on the other)', async () => {
    expect(await s.install('TAAA', { startOn: 0, finishOn: 1 })).toContain('Easel is ready in Workspace TAAA');
    expect(await s.install('TBBB', { startOn: 1, finishOn: 0 })).toContain('Easel is ready in Workspace TBBB');
  });

  it('paints a photo in each workspace with that workspace’s own token, end to end', async () => {
    const photo = await photoBytes();
    const threads: Record<string, string> = {};
    for (const [i, team] of TEAMS.entries()) {
      const channel = `C${team}`;
      const user = `U${team}ASKER`;
      // The command lands on one process, the photo event on the other.
      const ack = await s.bots[i % 2]!.sender.command({ team_id: team, user_id: user, channel_id: channel, text: 'the-scream size=32' });
      expect(ack.status).toBe(200);
      const prompt = await s.fake.waitFor(() => s.fake.botMessages(channel).find((m) => !m.thread_ts && m.text.includes(`<@${user}>`)), `the prompt in ${team}`);
      const file = s.fake.hostFile(photo, 'dancer.jpg', 'image/jpeg', { teamId: team });
      const { message } = s.fake.userMessage({ channel, user, threadTs: prompt.ts, files: [file] });
      expect((await s.bots[(i + 1) % 2]!.sender.event(message, { teamId: team })).status).toBe(200);
      threads[team] = prompt.ts;
    }
    for (const team of TEAMS) {
      const upload = await waitForUpload(s.fake, `C${team}`, threads[team]!);
      expect(upload.initialComment).toContain(`<@U${team}ASKER>`);
      const status = s.fake.botMessages(`C${team}`).find((m) => m.thread_ts === threads[team]);
      await s.fake.waitFor(() => status?.text.startsWith('✅'), `the final status in ${team}`);
    }

    // Every call about a workspace's channel presented that workspace's token …
    for (const team of TEAMS) {
      const calls = s.fake.calls.filter((c) => c.args.channel === `C${team}` || c.args.channel_id === `C${team}`);
      // No thread read: the process that got the photo never saw the prompt but finds the thread's
      // style in Redis, and the delivery's exactly-once check reads its upload record.
      expect(new Set(calls.map((c) => c.method))).toEqual(new Set(['chat.postMessage', 'chat.update', 'files.completeUploadExternal']));
      expect(calls.map((c) => s.fake.teamOfToken(c.token)).filter((t) => t !== team)).toEqual([]);
      expect(s.fake.messages.filter((m) => m.channel === `C${team}` && s.fake.isBotUser(m.user)).every((m) => m.user === `U${team}BOT`)).toBe(true);
    }
    expect(s.fake.crossWorkspaceCalls).toEqual([]);
    // … and each photo was fetched once, with its own workspace's token (a cross-workspace try would be counted here).
    expect(s.fake.downloads.map((d) => [d.fileTeam, d.tokenTeam, d.authorized])).toEqual([
      ['TAAA', 'TAAA', true],
      ['TBBB', 'TBBB', true],
    ]);

    // The jobs name their workspace, never a token.
    const jobs = await s.bots[0]!.services.jobs.queue.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(jobs.length).toBe(2);
    for (const job of jobs) {
      const data = JSON.stringify(job.data);
      expect(data).not.toMatch(/xox[abpe]-/);
      expect(TEAMS).toContain(job.data.request.replyTo.teamId);
    }
  });
});
