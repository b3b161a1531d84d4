import type { App } from '@slack/bolt';
import type { SlackAppContext } from '../../context.ts';
import { perWorkspace } from '../per-workspace.ts';
import { appMention } from './app-mention.ts';
import { threadPhoto } from './thread-photo.ts';

export function register(app: App, ctx: SlackAppContext): void {
  app.event('app_mention', perWorkspace(ctx, appMention));
  app.event('message', perWorkspace(ctx, threadPhoto));
}
