import type { App } from '@slack/bolt';
import type { SlackContext } from '../../context.ts';
import { STYLIZE_COMMAND, stylizeCommand } from './stylize.ts';

export function register(app: App, ctx: SlackContext): void {
  app.command(STYLIZE_COMMAND, stylizeCommand(ctx));
}
