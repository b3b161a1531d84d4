import type { App } from '@slack/bolt';
import type { SlackAppContext } from '../../context.ts';
import { perWorkspace } from '../per-workspace.ts';
import { STYLIZE_COMMAND, stylizeCommand } from './stylize.ts';

export function register(app: App, ctx: SlackAppContext): void {
  app.command(STYLIZE_COMMAND, perWorkspace(ctx, stylizeCommand));
}
