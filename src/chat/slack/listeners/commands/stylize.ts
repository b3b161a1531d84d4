/**
 * `/stylize [styles|help] | [preset] [options]`
 *
 * Slash commands carry no files and cannot be used in threads, so the command sets the scene:
 * - `/stylize styles` / `help`: the list of styles (ephemeral) and the gallery image in a DM;
 * - `/stylize settings [key=value …]`: the workspace's settings, for its admins (../../settings.ts);
 * - `/stylize` with no preset: the modal at once (it asks for the photo and a style);
 * - `/stylize <preset> [options]`: a prompt message in the channel; a photo posted in its thread,
 *   or the modal behind its button, starts the job (see events/thread-photo.ts, views/);
 * - `/stylize <preset> latest`: paints the most recent image in the channel (../../latest-image.ts).
 * Everything quick is answered in the ack itself (within Slack's 3 s).
 */
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { promptMessage, helpText, stylizeModal } from '../../blocks.ts';
import { describeError, slackErrorCode, type SlackContext } from '../../context.ts';
import { directMessageChannel, shareGallery } from '../../gallery.ts';
import { OPTIONS_HELP, parseStylizeText } from '../../options.ts';
import { styleOfToken } from '../../presets.ts';
import { WORDING } from '../../../../requests/wording.ts';
import { styleMetadata } from '../../thread-style.ts';
import { SETTINGS_KEYWORD, settingsCommand } from '../../settings.ts';
import { paintLatestImage } from '../../latest-image.ts';

export const STYLIZE_COMMAND = '/stylize';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

export function stylizeCommand(ctx: SlackContext) {
  return async ({ command, ack, respond, client }: Args): Promise<void> => {
    const [first = '', ...rest] = command.text.trim().split(/\s+/);
    if (first.toLowerCase() === SETTINGS_KEYWORD) {
      // users.info and Redis may take a moment: ack now, answer through response_url.
      await ack();
      await respond({ response_type: 'ephemeral', text: await settingsCommand(ctx, { userId: command.user_id, teamId: command.team_id, enterpriseId: command.enterprise_id }, rest.join(' ')) });
      return;
    }
    const parsed = parseStylizeText(command.text);
    const ephemeral = (text: string) => ack({ response_type: 'ephemeral', text });

    if (parsed.problems.length > 0) {
      return ephemeral([...parsed.problems, '', '*Options*', ...OPTIONS_HELP.map((l) => `• ${l}`)].join('\n'));
    }

    if (parsed.keyword) {
      await ephemeral(`${helpText(ctx.presets.all())}\n\n${WORDING.sendingGallery}`);
      ctx.background('gallery', async () => {
        await shareGallery(ctx, await directMessageChannel(ctx, command.user_id));
      });
      return;
    }

    if (!parsed.presetToken) {
      await ack();
      await client.views.open({ trigger_id: command.trigger_id, view: stylizeModal({ presets: ctx.presets.all(), options: parsed.options, context: { channel: command.channel_id } }) });
      return;
    }

    const style = styleOfToken(ctx.presets, parsed.presetToken, parsed.mix);
    if (typeof style === 'string') return ephemeral(style);
    // What was changed of what was asked (a mix capped to its range), said in the ack.
    const ackWithNotes = () => (parsed.notes.length ? ephemeral(parsed.notes.map((n) => `ℹ️ ${n}`).join('\n')) : ack());
    if (parsed.latest) {
      await ackWithNotes();
      const notify = async (text: string) => void (await respond({ response_type: 'ephemeral', text }));
      ctx.background('latest image', () =>
        paintLatestImage(ctx, { requestId: `command-${command.trigger_id}`, user: command.user_id, team: command.team_id, channel: command.channel_id, style, options: parsed.options }, notify),
      );
      return;
    }
    const preset = ctx.presets.get(style.presetId)!;
    const second = style.blend ? { preset: ctx.presets.get(style.blend.presetId)!, mix: style.blend.mix } : undefined;

    await ackWithNotes();
    const thread = { style, options: parsed.options };
    try {
      const prompt = promptMessage(command.user_id, preset, parsed.options, second);
      const posted = await client.chat.postMessage({ channel: command.channel_id, ...prompt, metadata: styleMetadata(thread) });
      ctx.threads.remember(command.channel_id, posted.ts as string, thread);
    } catch (err) {
      ctx.log.warn({ err: describeError(err), channel: command.channel_id }, 'slack: could not post the /stylize prompt');
      const code = slackErrorCode(err);
      await respond({ response_type: 'ephemeral', text: code === 'not_in_channel' || code === 'channel_not_found' ? WORDING.notInChannel : WORDING.postFailed });
    }
  };
}
