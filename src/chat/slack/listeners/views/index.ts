import type { App } from '@slack/bolt';
import { MODAL_CALLBACK_ID } from '../../blocks.ts';
import type { SlackAppContext } from '../../context.ts';
import { perWorkspace } from '../per-workspace.ts';
import { stylizeModalSubmitted } from './stylize-modal.ts';

export function register(app: App, ctx: SlackAppContext): void {
  app.view(MODAL_CALLBACK_ID, perWorkspace(ctx, stylizeModalSubmitted));
}
