/**
 * What every chat adapter gets from the process that runs it (src/cli/serve.ts), and gives back.
 * Adapters are thin: parse the platform's event into a StyleRequest, call the jobs API, render job
 * events in the platform's idiom.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { JobsClient } from '../jobs/types.ts';
import type { PresetCatalog } from '../presets/types.ts';
import type { ServerSettingsDeps } from './common/intake/index.ts';

export interface AdapterDeps {
  config: Config;
  jobs: JobsClient;
  presets: PresetCatalog;
  log: Logger;
  /** Per-server settings and daily quotas; absent = every server gets the deployment's defaults. */
  settings?: ServerSettingsDeps;
}

export interface RunningAdapter {
  readonly platform: 'discord' | 'slack';
  /** Stop taking new events, finish in-flight replies, disconnect. */
  close(): Promise<void>;
}
