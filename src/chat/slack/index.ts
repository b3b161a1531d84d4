/**
 * The Slack adapter: `startSlackAdapter(deps)` starts the Bolt app (HTTP or Socket Mode), follows
 * the jobs of Slack requests, and returns a handle to close it.
 *
 *   listeners/commands  /stylize                  ─┐
 *   listeners/events    @Easel + photo, thread photo ├─► start-job.ts ─► jobs.submit
 *   listeners/views     the "Paint a photo" modal  ─┘
 *   listeners/actions   "Choose a photo…", Cancel
 *   delivery.ts         Slack's port of the delivery core: status message (chat.update), result upload (files.uploadV2)
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { AdapterDeps, RunningAdapter } from '../types.ts';
import { createBoltApp, slackMode, type SlackMode } from './app.ts';
import { createContext, describeError } from './context.ts';
import { dedupeEvents } from './dedupe.ts';
import { registerListeners } from './listeners/index.ts';

export interface SlackAdapter extends RunningAdapter {
  readonly platform: 'slack';
  readonly mode: SlackMode;
  /** The HTTP receiver's port (HTTP mode; useful with PORT=0). */
  readonly port?: number;
}

export async function startSlackAdapter(deps: AdapterDeps): Promise<SlackAdapter> {
  const slack = deps.config.slack;
  if (!slack) throw new Error('Slack is not configured: set SLACK_BOT_TOKEN');
  const log = deps.log; // serve.ts binds { platform: 'slack' } already
  const mode = slackMode(slack);
  const app = createBoltApp(slack, log);

  // Fail fast on a bad token, and learn our own ids (to ignore our messages, trust our metadata).
  const auth = await app.client.auth.test();
  const self = { botUserId: auth.user_id, botId: auth.bot_id };
  log.info({ team: auth.team, botUserId: self.botUserId, mode }, 'slack: authenticated');

  const ctx = createContext(deps, app.client, self, log);
  app.use(dedupeEvents(log));
  registerListeners(app, ctx);
  app.error(async (err) => {
    log.error({ err: describeError(err) }, 'slack: listener error');
  });
  await deps.jobs.subscribe('slack', ctx.presenter.handle);

  const started = await app.start(slack.port);
  const port = mode === 'http' ? ((started as Server).address() as AddressInfo).port : undefined;
  log.info({ mode, port }, 'slack: adapter started');

  let closing: Promise<void> | undefined;
  return {
    platform: 'slack',
    mode,
    port,
    close() {
      closing ??= (async () => {
        await app.stop();
        await ctx.settle();
        await ctx.presenter.close();
        log.info('slack: adapter stopped');
      })();
      return closing;
    },
  };
}
