/**
 * Registering the commands in commands/ (one file each) with Discord: a bulk overwrite (PUT), guild-scoped when a
 * guild id is given (instant, for development), else global (may take up to an hour to show).
 * Done by `easel deploy-commands`, not on every start — Discord rate-limits command updates.
 */
import { REST, Routes, type RESTGetAPIOAuth2CurrentApplicationResult, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import type { Config } from '../../config.ts';
import { commands } from './commands/index.ts';

export interface DeployResult {
  applicationId: string;
  scope: 'guild' | 'global';
  guildId?: string;
  names: string[];
}

export async function deployCommands(discord: NonNullable<Config['discord']>): Promise<DeployResult> {
  const rest = new REST({ api: discord.apiBase }).setToken(discord.token);
  const applicationId = discord.applicationId ?? ((await rest.get(Routes.oauth2CurrentApplication())) as RESTGetAPIOAuth2CurrentApplicationResult).id;
  const body = commands.map((c) => c.data.toJSON());
  const route = discord.guildId ? Routes.applicationGuildCommands(applicationId, discord.guildId) : Routes.applicationCommands(applicationId);
  const registered = (await rest.put(route, { body })) as RESTPutAPIApplicationCommandsResult;
  return { applicationId, scope: discord.guildId ? 'guild' : 'global', guildId: discord.guildId, names: registered.map((c) => c.name) };
}
