import type { App } from '@slack/bolt';
import { ACTION } from '../../blocks.ts';
import type { SlackAppContext } from '../../context.ts';
import { perWorkspace } from '../per-workspace.ts';
import { cancelJob } from './cancel.ts';
import { openModal } from './open-modal.ts';
import { anotherStyleResult, deleteResult, higherQualityResult, varyResult } from './vary.ts';

export function register(app: App, ctx: SlackAppContext): void {
  app.action(ACTION.openModal, perWorkspace(ctx, openModal));
  app.action(ACTION.cancel, perWorkspace(ctx, cancelJob));
  app.action(new RegExp(`^${ACTION.varyPrefix}`), perWorkspace(ctx, varyResult));
  app.action(ACTION.higherQuality, perWorkspace(ctx, higherQualityResult));
  app.action(ACTION.anotherStyle, perWorkspace(ctx, anotherStyleResult));
  app.action(ACTION.delete, perWorkspace(ctx, deleteResult));
}
