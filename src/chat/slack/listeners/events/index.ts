import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { appMention } from './app-mention.ts';
import { threadPhoto } from './thread-photo.ts';

export function register(app: App, ctx: SlackContext): void {
  app.event('app_mention', appMention(ctx));
  app.event('message', threadPhoto(ctx));
}
