/**
 * `@Easel <preset> [options]` with a photo attached, in a channel or a thread. A second image
 * attached is the style (it wins over a preset named in the text). In the thread of one of Easel's results, the preset may be left out: the thread's style
 * is used, with any options given overriding the remembered ones. `@Easel styles|help` answers in
 * the thread with the list and the gallery. `@Easel <preset> latest` without a photo paints the
 * most recent image in the channel.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { WORDING } from '../../../../requests/wording.ts';
import { helpText } from '../../blocks.ts';
import type { SlackContext } from '../../context.ts';
import { slackFiles } from '../../files.ts';
import { shareGallery } from '../../gallery.ts';
import { parseStylizeText } from '../../options.ts';
import { styleOfToken } from '../../presets.ts';
import { startJob, type StyleSource } from '../../start-job.ts';
import { paintLatestImage } from '../../latest-image.ts';

type Args = SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs;

export function appMention(ctx: SlackContext) {
  return async ({ event, body }: Args): Promise<void> => {
    const user = event.user;
    if (!user) return;
    const channel = event.channel;
    const threadTs = event.thread_ts ?? event.ts;
    const notify = async (text: string) => {
      await ctx.client.chat.postEphemeral({ channel, user, text, thread_ts: event.thread_ts });
    };

    ctx.background('app_mention', async () => {
      const parsed = parseStylizeText(event.text);
      if (parsed.keyword) {
        await ctx.client.chat.postMessage({ channel, thread_ts: threadTs, text: helpText(ctx.presets.all()) });
        await shareGallery(ctx, channel, threadTs);
        return;
      }
      if (parsed.problems.length > 0) return notify(parsed.problems.join('\n'));

      const [photo, styleFile] = slackFiles((event as { files?: unknown }).files);
      // `latest`: no photo attached, paint the most recent image in the channel instead.
      if (!photo && !parsed.latest) return notify(`${WORDING.noPhoto} ${WORDING.mentionWithPhoto}`);

      let style: StyleSource;
      let options = parsed.options;
      if (styleFile) {
        style = { kind: 'file', file: styleFile };
      } else if (parsed.presetToken) {
        const chosen = styleOfToken(ctx.presets, parsed.presetToken, parsed.mix);
        if (typeof chosen === 'string') return notify(chosen);
        style = chosen;
        // What was changed of what was asked (a mix capped to its range).
        if (parsed.notes.length) await notify(parsed.notes.map((n) => `ℹ️ ${n}`).join('\n'));
      } else {
        const remembered = event.thread_ts ? await ctx.threads.recall(channel, event.thread_ts) : undefined;
        if (!remembered) return notify(`${WORDING.noStyle} ${WORDING.mentionWithStyle}`);
        style = remembered.style;
        options = { ...remembered.options, ...parsed.options };
      }

      if (!photo) return paintLatestImage(ctx, { requestId: body.event_id, user, team: body.team_id, channel, threadTs, style, options }, notify);
      await startJob(ctx, { requestId: body.event_id, user: { id: user }, team: body.team_id, channel, threadTs, photo, style, options }, notify);
    });
  };
}
