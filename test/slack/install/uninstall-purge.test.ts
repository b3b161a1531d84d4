/**
 * A workspace removes Easel while two of its paintings wait in line (no worker running): on
 * `app_uninstalled` its installation, its waiting jobs, its settings and its members' daily quotas
 * are gone, nothing is posted to it (not even "Cancelled"), the other workspace's job keeps its
 * place, and a later command from the removed workspace gets nothing and logs no error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoBytes } from '../harness.ts';
import { startDistributionStack, until, type DistributionStack } from './distribution-stack.ts';

const logLines: string[] = [];
let s: DistributionStack;

beforeAll(async () => {
  s = await startDistributionStack({ teams: ['TAAA', 'TBBB'], worker: false, logLines });
  await s.install('TAAA');
  await s.install('TBBB');
});
afterAll(async () => s?.close());

let seq = 0;
async function paint(team: string): Promise<string> {
  const file = s.fake.hostFile(await photoBytes(), 'dancer.jpg', 'image/jpeg', { teamId: team });
  const { mention } = s.fake.userMessage({ channel: `C${team}`, user: `U${team}P${++seq}`, text: `<@U${team}BOT> the-scream size=32`, files: [file] });
  await s.bots[0]!.sender.event(mention, { teamId: team });
  return mention.ts as string;
}

const waitingJobs = async () => (await s.bots[0]!.services.jobs.queue.getJobs(['waiting', 'prioritized', 'delayed', 'active'])).map((j) => j.data.request.server);
const keysOf = async (part: string) => (await s.redis.keys()).filter((k) => k.includes(part));

describe('Slack distribution mode: uninstall with jobs waiting', () => {
  it('drops the waiting jobs without posting, deletes installation, settings and quotas; later events get nothing', async () => {
    // An admin of A sets a daily quota, so A's requests leave quota counters behind.
    s.fake.admins.add('UTAAAADMIN');
    await s.bots[0]!.sender.command({ team_id: 'TAAA', user_id: 'UTAAAADMIN', channel_id: 'CTAAA', text: 'settings quota=5', response_url: s.fake.responseUrl() });
    await s.fake.waitFor(() => s.fake.responses.find((r) => JSON.stringify(r.body).includes('Settings saved')), 'the settings saved');
    expect(s.fake.callsOf('users.info').map((c) => s.fake.teamOfToken(c.token))).toEqual(['TAAA']); // the admin check with A's token
    await paint('TAAA');
    await paint('TAAA');
    await paint('TBBB');
    await until(async () => (await waitingJobs()).length === 3, 'three jobs waiting');
    expect((await waitingJobs()).sort()).toEqual(['TAAA', 'TAAA', 'TBBB']);
    expect(await keysOf(':settings:slack:TAAA')).toHaveLength(1);
    expect(await keysOf(':quota:slack:TAAA:')).toHaveLength(2);

    const callsBefore = s.fake.calls.length;
    const envelope = { token: 'x', team_id: 'TAAA', api_app_id: 'A0EASEL', type: 'event_callback', event_id: 'EvUninstallA', event_time: Math.floor(Date.now() / 1000), event: { type: 'app_uninstalled', event_ts: '1.1' }, authorizations: [{ team_id: 'TAAA', user_id: 'UTAAABOT', is_bot: true }] };
    expect((await s.bots[0]!.sender.post(JSON.stringify(envelope), 'application/json')).status).toBe(200);
    await until(() => logLines.some((l) => l.includes('installation deleted')), 'the uninstall handled');
    // Both dropped jobs went through delivery, which found no installation and posted nothing.
    await until(() => logLines.filter((l) => l.includes('cannot be reached')).length >= 2, 'both jobs settled without a post');

    expect(await waitingJobs()).toEqual(['TBBB']);
    expect(await keysOf(':slack:install:team:')).toEqual([expect.stringMatching(/:TBBB$/)]);
    expect(await keysOf(':settings:slack:TAAA')).toEqual([]);
    expect(await keysOf(':quota:slack:TAAA:')).toEqual([]);
    const deleted = logLines.map((l) => JSON.parse(l) as { msg: string; purged?: unknown }).find((l) => l.msg === 'slack: installation deleted');
    expect(deleted?.purged).toEqual({ jobs: 2, settings: true, quotas: 2 });
    expect(s.fake.calls.slice(callsBefore).filter((c) => c.method !== 'oauth.v2.access')).toEqual([]); // no post, no update, no upload

    // A straggler from A: nothing posted, one info line, no error.
    const linesBefore = logLines.length;
    await s.bots[0]!.sender.command({ team_id: 'TAAA', user_id: 'UTAAAP9', channel_id: 'CTAAA', text: 'the-scream', response_url: s.fake.responseUrl() });
    const { message } = s.fake.userMessage({ channel: 'CTAAA', user: 'UTAAAP9', text: 'hello' });
    await s.bots[0]!.sender.event(message, { teamId: 'TAAA' });
    await until(() => logLines.slice(linesBefore).filter((l) => l.includes('without an installation ignored')).length >= 2, 'both stragglers ignored');
    expect(s.fake.calls.slice(callsBefore)).toEqual([]);
    const later = logLines.slice(linesBefore).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(later.filter((l) => l.level >= 40)).toEqual([]);
  });
});
