/** `easel deploy-commands`: register the Discord commands (guild-scoped with DISCORD_GUILD_ID, else global). */
import { loadConfig } from '../config.ts';
import { deployCommands } from '../chat/discord/deploy.ts';

export async function runDeployCommands(): Promise<void> {
  const config = loadConfig();
  if (!config.discord) throw new Error('DISCORD_TOKEN is not set: it is needed to register the commands.');
  const result = await deployCommands(config.discord);
  const where = result.scope === 'guild' ? `in guild ${result.guildId} (available now)` : 'globally (may take up to an hour to appear)';
  process.stdout.write(`easel: registered ${result.names.length} commands ${where}: ${result.names.map((n) => (n.includes(' ') ? `“${n}”` : `/${n}`)).join(', ')}\n`);
}
