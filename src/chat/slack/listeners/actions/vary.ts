/**
 * The buttons on a finished result: "Another style" (a select), Higher quality, the variations
 * (Stronger, Subtler, Keep colours, Reroll) and Delete. Each but Delete is a new request by the clicker — through the intake, under the clicker's
 * limits, answered in the result's thread; Delete is the asker's only (the rule lives in
 * requests/variations.ts) and removes the painting and its status message.
 */
import type { AllMiddlewareArgs, BlockButtonAction, BlockStaticSelectAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { contentOf, higherQuality, loadRecipe, renderDefaults, type Recipe } from '../../../common/recipe.ts';
import { resolvePreset } from '../../../../presets/resolve.ts';
import type { RequestOptions, StyleChoice } from '../../../../requests/style-request.ts';
import { WORDING } from '../../../../requests/wording.ts';
import { effectiveStrength, isVariation, mayDelete, variationUnavailable, vary } from '../../../../requests/variations.ts';
import { ACTION, RESULT_BLOCK_PREFIX, type DeleteButtonValue, type RecipeButtonValue } from '../../blocks.ts';
import { describeError, type SlackContext } from '../../context.ts';
import { findResultMessage, resultPlace } from '../../delivery.ts';
import { startJob } from '../../start-job.ts';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type SelectArgs = SlackActionMiddlewareArgs<BlockStaticSelectAction> & AllMiddlewareArgs;
type Args = ButtonArgs | SelectArgs;
type BlockAction = BlockButtonAction | BlockStaticSelectAction;

/** Where a button was clicked: the channel, the status message, and the thread it lives in. */
function placeOf(body: BlockAction) {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  if (!channel || !messageTs) return undefined;
  return { channel, messageTs, threadTs: (body.message?.thread_ts as string | undefined) ?? messageTs };
}

/** What a follow-up makes of the result's recipe: the new request's style and options, or why not. */
type Change = (recipe: Recipe & { style: StyleChoice }) => { style: StyleChoice; options: RequestOptions } | { refusal: string };

/**
 * Paint the result's photo again with `change` applied: a new request by the clicker (their
 * limits, their job), answered in the result's thread. Problems go to the clicker privately.
 */
function repaint(ctx: SlackContext, args: { body: BlockAction; action: { action_ts: string }; client: Args['client'] }, recipeKey: string, change: Change): void {
  const { body, action, client } = args;
  const place = placeOf(body);
  if (!place) return;
  const notify = async (text: string) => {
    await client.chat.postEphemeral({ channel: place.channel, user: body.user.id, text: `⚠️ ${text}`, thread_ts: place.threadTs });
  };
  ctx.background('follow-up on a result', async () => {
    const recipe = await loadRecipe(ctx.jobs.blobs, recipeKey);
    if (!recipe?.style) return notify(WORDING.expired);
    const changed = change({ ...recipe, style: recipe.style });
    if ('refusal' in changed) return notify(changed.refusal);
    await startJob(
      ctx,
      {
        // One click is one request, however often Slack delivers it.
        requestId: `slack-follow-up-${place.messageTs}-${action.action_ts}-${body.user.id}`,
        user: { id: body.user.id, name: body.user.name },
        team: body.team?.id ?? body.user.team_id,
        channel: place.channel,
        threadTs: place.threadTs,
        photo: contentOf(recipe),
        style: changed.style,
        options: changed.options,
      },
      notify,
    );
  });
}

/** Stronger, Subtler, Keep colours, Reroll (requests/variations.ts). */
export function varyResult(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const variation = action.action_id.slice(ACTION.varyPrefix.length);
    const value = recipeValue(action.value);
    if (!value || !isVariation(variation)) return;
    repaint(ctx, { body, action, client }, value.recipeKey, (recipe) => {
      const options = vary(recipe.options, variation, effectiveStrength(recipe, ctx.presets));
      return options ? { style: recipe.style, options } : { refusal: variationUnavailable(variation) };
    });
  };
}

export function higherQualityResult(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const value = recipeValue(action.value);
    if (!value) return;
    repaint(ctx, { body, action, client }, value.recipeKey, (recipe) => {
      const options = higherQuality(recipe.options, renderDefaults(ctx.config.render));
      return options ? { style: recipe.style, options } : { refusal: WORDING.bestAlready };
    });
  };
}

/** The "Another style" select: the same photo and options, the painting picked. */
export function anotherStyleResult(ctx: SlackContext) {
  return async ({ ack, body, action, client }: SelectArgs): Promise<void> => {
    await ack();
    const recipeKey = action.block_id.startsWith(RESULT_BLOCK_PREFIX) ? action.block_id.slice(RESULT_BLOCK_PREFIX.length) : '';
    const chosen = action.selected_option?.value ?? '';
    if (!recipeKey) return;
    repaint(ctx, { body, action, client }, recipeKey, (recipe) => {
      const preset = resolvePreset(ctx.presets, chosen);
      return preset ? { style: { kind: 'preset', presetId: preset.id }, options: recipe.options } : { refusal: WORDING.unknownPreset(chosen) };
    });
  };
}

export function deleteResult(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs): Promise<void> => {
    await ack();
    const value = parseJson<DeleteButtonValue>(action.value, (v) => typeof v.jobId === 'string');
    const place = placeOf(body);
    if (!value || !place) return;
    const tell = (text: string) => client.chat.postEphemeral({ channel: place.channel, user: body.user.id, text: `⚠️ ${text}`, thread_ts: place.threadTs });
    let record;
    try {
      // Which result and whose: Easel's record of the message the button sits on (Slack names the
      // message), never the button's value.
      record = await ctx.jobs.resultAt('slack', resultPlace(place.channel, place.messageTs));
    } catch (err) {
      ctx.log.warn({ err: describeError(err) }, 'slack: could not read a result record');
      return void (await tell(WORDING.unexpected));
    }
    const team = body.team?.id ?? body.user.team_id;
    const ownerId = record && record.owner.userId === body.user.id && record.owner.server === team ? body.user.id : undefined;
    if (!record || !mayDelete(body.user.id, ownerId)) {
      ctx.log.info({ channel: place.channel, by: body.user.id, owner: record?.owner.userId, claimedJob: value.jobId }, 'slack: delete refused');
      return void (await tell(record ? WORDING.notYoursToDelete : WORDING.resultOwnerUnknown));
    }
    const { jobId } = record;
    try {
      const shared = await findResultMessage(client, ctx.self, { channel: place.channel, threadTs: place.threadTs }, jobId);
      if (shared) await client.chat.delete({ channel: place.channel, ts: shared });
      await client.chat.delete({ channel: place.channel, ts: place.messageTs });
      ctx.log.info({ jobId, channel: place.channel, by: body.user.id }, 'slack: result deleted');
    } catch (err) {
      ctx.log.warn({ jobId, err: describeError(err) }, 'slack: could not delete a result');
      await client.chat.postEphemeral({ channel: place.channel, user: body.user.id, text: `⚠️ ${WORDING.unexpected}`, thread_ts: place.threadTs });
    }
  };
}

function recipeValue(raw: string | undefined): RecipeButtonValue | undefined {
  return parseJson<RecipeButtonValue>(raw, (v) => typeof v.recipeKey === 'string');
}

function parseJson<T>(raw: string | undefined, valid: (v: Partial<T>) => boolean): T | undefined {
  try {
    const v = raw ? (JSON.parse(raw) as Partial<T>) : undefined;
    return v && valid(v) ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}
