import type { App } from '@slack/bolt';
import { ACTION } from '../../blocks.ts';
import type { SlackContext } from '../../context.ts';
import { cancelJob } from './cancel.ts';
import { openModal } from './open-modal.ts';
import { anotherStyleResult, deleteResult, higherQualityResult, varyResult } from './vary.ts';

export function register(app: App, ctx: SlackContext): void {
  app.action(ACTION.openModal, openModal(ctx));
  app.action(ACTION.cancel, cancelJob(ctx));
  app.action(new RegExp(`^${ACTION.varyPrefix}`), varyResult(ctx));
  app.action(ACTION.higherQuality, higherQualityResult(ctx));
  app.action(ACTION.anotherStyle, anotherStyleResult(ctx));
  app.action(ACTION.delete, deleteResult(ctx));
}
