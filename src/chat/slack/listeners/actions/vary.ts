/**
 * The buttons on a finished result: the variations (Stronger, Subtler, Keep colours, Reroll) and
 * Delete. A variation is a new request by the clicker — through the intake, under the clicker's
 * limits, answered in the result's thread; Delete is the asker's only (the rule lives in
 * requests/variations.ts) and removes the painting and its status message.
 */
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { contentOf, loadRecipe } from '../../../common/recipe.ts';
import { ERROR_TEXT } from '../../../common/text.ts';
import { effectiveStrength, isVariation, mayDelete, variationUnavailable, vary } from '../../../../requests/variations.ts';
import { ACTION, type DeleteButtonValue, type VaryButtonValue } from '../../blocks.ts';
import { describeError, type SlackContext } from '../../context.ts';
import { findResultMessage } from '../../delivery.ts';
import { startJob } from '../../start-job.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Where a button was clicked: the channel, the status message, and the thread it lives in. */
function placeOf(body: BlockButtonAction) {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  if (!channel || !messageTs) return undefined;
  return { channel, messageTs, threadTs: (body.message?.thread_ts as string | undefined) ?? messageTs };
}

export function varyResult(ctx: SlackContext) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const variation = action.action_id.slice(ACTION.varyPrefix.length);
    const value = parseJson<VaryButtonValue>(action.value, (v) => typeof v.recipeKey === 'string');
    const place = placeOf(body);
    if (!value || !place || !isVariation(variation)) return;
    const notify = async (text: string) => {
      await client.chat.postEphemeral({ channel: place.channel, user: body.user.id, text: `⚠️ ${text}`, thread_ts: place.threadTs });
    };
    ctx.background('variation', async () => {
      const recipe = await loadRecipe(ctx.jobs.blobs, value.recipeKey);
      if (!recipe?.style) return notify(ERROR_TEXT.expired);
      const options = vary(recipe.options, variation, effectiveStrength(recipe, ctx.presets));
      if (!options) return notify(variationUnavailable(variation));
      await startJob(
        ctx,
        {
          // One click is one request, however often Slack delivers it.
          requestId: `slack-vary-${place.messageTs}-${action.action_ts}-${body.user.id}`,
          user: { id: body.user.id, name: body.user.name },
          team: body.team?.id ?? body.user.team_id,
          channel: place.channel,
          threadTs: place.threadTs,
          photo: contentOf(recipe),
          style: recipe.style,
          options,
        },
        notify,
      );
    });
  };
}

export function deleteResult(ctx: SlackContext) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const value = parseJson<DeleteButtonValue>(action.value, (v) => typeof v.jobId === 'string' && typeof v.ownerId === 'string');
    const place = placeOf(body);
    if (!value || !place) return;
    if (!mayDelete(body.user.id, value.ownerId)) {
      await client.chat.postEphemeral({ channel: place.channel, user: body.user.id, text: `⚠️ ${ERROR_TEXT.notYoursToDelete}`, thread_ts: place.threadTs });
      return;
    }
    try {
      const shared = await findResultMessage(client, ctx.self, { channel: place.channel, threadTs: place.threadTs }, value.jobId);
      if (shared) await client.chat.delete({ channel: place.channel, ts: shared });
      await client.chat.delete({ channel: place.channel, ts: place.messageTs });
      ctx.log.info({ jobId: value.jobId, channel: place.channel, by: body.user.id }, 'slack: result deleted');
    } catch (err) {
      ctx.log.warn({ jobId: value.jobId, err: describeError(err) }, 'slack: could not delete a result');
      await client.chat.postEphemeral({ channel: place.channel, user: body.user.id, text: `⚠️ ${ERROR_TEXT.unexpected}`, thread_ts: place.threadTs });
    }
  };
}

function parseJson<T>(raw: string | undefined, valid: (v: Partial<T>) => boolean): T | undefined {
  try {
    const v = raw ? (JSON.parse(raw) as Partial<T>) : undefined;
    return v && valid(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}
