/**
 * The "Choose a photo…" button of a `/stylize <preset>` prompt opens the modal with that preset and
 * those options filled in; the result goes into the prompt's thread.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { stylizeModal, type PromptButtonValue } from '../../blocks.ts';
import type { SlackContext } from '../../context.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export function openModal(ctx: SlackContext) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const value = parseValue(action.value);
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (!channel) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: stylizeModal({
        presets: ctx.presets.all(),
        selectedPresetId: value?.presetId,
        options: value?.options,
        context: { channel, threadTs: body.message?.thread_ts ?? body.message?.ts },
      }),
    });
  };
}

function parseValue(raw: string | undefined): PromptButtonValue | undefined {
  try {
    return raw ? (JSON.parse(raw) as PromptButtonValue) : undefined;
  } catch {
    return undefined;
  }
}
