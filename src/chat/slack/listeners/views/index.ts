import type { App } from '@slack/bolt';
import { MODAL_CALLBACK_ID } from '../../blocks.ts';
import type { SlackContext } from '../../context.ts';
import { stylizeModalSubmitted } from './stylize-modal.ts';

export function register(app: App, ctx: SlackContext): void {
  app.view(MODAL_CALLBACK_ID, stylizeModalSubmitted(ctx));
}
