/**
 * `easel deploy-commands` against the fake Discord: a bulk overwrite of the three commands,
 * guild-scoped when DISCORD_GUILD_ID is set, else global; the application id is fetched from
 * /oauth2/applications/@me when DISCORD_APPLICATION_ID is not set.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { deployCommands } from '../../src/chat/discord/deploy.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

const run = promisify(execFile);
let fake: FakeDiscord;

beforeAll(async () => {
  fake = await new FakeDiscord().start();
});

afterAll(async () => {
  await fake?.close();
});

describe('easel deploy-commands', () => {
  it('registers the commands in the guild named by DISCORD_GUILD_ID (the CLI, end to end)', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, DISCORD_GUILD_ID: fake.guildId, LOG_LEVEL: 'silent' };
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'deploy-commands'], { cwd: REPO_ROOT, env });
    expect(stdout).toContain(`in guild ${fake.guildId}`);

    // No application id given: it was looked up with the bot token.
    expect(fake.requestsMatching('GET', /^\/oauth2\/applications\/@me$/)).toHaveLength(1);
    const put = fake.requestsMatching('PUT', /\/commands$/);
    expect(put.map((r) => r.path)).toEqual([`/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`]);
    expect(put[0].auth).toBe(`Bot ${fake.token}`);

    const byName = Object.fromEntries((put[0].body as any[]).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['Stylize image', 'easel-settings', 'styles', 'stylize']);
    expect(byName['Stylize image'].type).toBe(3); // message context menu
    const opts = Object.fromEntries(byName.stylize.options.map((o: any) => [o.name, o]));
    expect(opts.photo.type).toBe(11);
    expect(opts.photo.required).toBeFalsy(); // without one, the latest image in the channel
    expect(opts.brush.choices.map((c: any) => c.value)).toEqual(['fine', 'normal', 'bold']);
    expect(opts.style2).toMatchObject({ type: 3, autocomplete: true });
    expect(opts.mix.type).toBe(10);
    expect(opts.style).toMatchObject({ type: 3, autocomplete: true });
    expect(opts.style_image.type).toBe(11);
    expect(opts.strength).toMatchObject({ type: 10, min_value: 0, max_value: 1 });
    expect(opts.quality.choices.map((c: any) => c.value)).toEqual(['fast', 'draft', 'balanced', 'best']);
    expect(opts.preserve_colors.type).toBe(5);
    // Only members who may manage the server see /easel-settings (ManageGuild = 1 << 5).
    expect(byName['easel-settings'].default_member_permissions).toBe(String(1 << 5));
    expect(byName['easel-settings'].options.map((o: any) => o.name)).toEqual(['show', 'set']);
  });

  it('registers globally without DISCORD_GUILD_ID, using DISCORD_APPLICATION_ID as given', async () => {
    const before = fake.requests.length;
    const config = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, DISCORD_APPLICATION_ID: fake.applicationId }, REPO_ROOT);
    const result = await deployCommands(config.discord!);
    expect(result).toMatchObject({ scope: 'global', applicationId: fake.applicationId });
    const calls = fake.requests.slice(before);
    expect(calls.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /applications/${fake.applicationId}/commands`]);
    expect(fake.commands.get('global')?.map((c) => c.name).sort()).toEqual(['Stylize image', 'easel-settings', 'styles', 'stylize']);
  });
});
