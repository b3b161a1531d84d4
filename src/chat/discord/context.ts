/**
 * What every command and component handler receives: the adapter's dependencies plus the live
 * client and the delivery (to show a fresh job's queue position through the same edit throttle).
 */
import type { Client } from 'discord.js';
import type { Config } from '../../config.ts';
import type { Logger } from '../../log.ts';
import type { JobsClient } from '../../jobs/types.ts';
import type { PresetCatalog } from '../../presets/types.ts';
import type { JobPresenter } from '../common/delivery/presenter.ts';
import type { ServerSettingsDeps } from '../common/intake/index.ts';

export interface DiscordContext {
  config: Config;
  discord: NonNullable<Config['discord']>;
  jobs: JobsClient;
  presets: PresetCatalog;
  log: Logger;
  client: Client;
  delivery: JobPresenter;
  settings?: ServerSettingsDeps;
}
