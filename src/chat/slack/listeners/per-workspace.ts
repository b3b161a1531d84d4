/**
 * Every listener runs with the workspace its event came from: Bolt's authorize() found the token
 * (SLACK_BOT_TOKEN, or the workspace's installation in distribution mode) and put it in the
 * context; the listener gets a SlackContext whose client, bot ids, file-download token and thread
 * reads are that workspace's.
 */
import type { AllMiddlewareArgs } from '@slack/bolt';
import type { SlackAppContext, SlackContext } from '../context.ts';

export function perWorkspace<A extends AllMiddlewareArgs>(app: SlackAppContext, listener: (ctx: SlackContext) => (args: A) => Promise<void>): (args: A) => Promise<void> {
  return (args) => {
    const { context } = args;
    if (!context.botToken) throw new Error('slack: an event without a bot token (authorize() gave none)');
    const workspace = app.workspaces.fromAuthorized({
      token: context.botToken,
      botUserId: context.botUserId,
      botId: context.botId,
      teamId: context.teamId,
      enterpriseId: context.enterpriseId,
      enterpriseInstall: context.isEnterpriseInstall,
    });
    return listener(app.forWorkspace(workspace))(args);
  };
}
