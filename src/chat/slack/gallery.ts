/**
 * The preset gallery (a contact sheet of every style) uploaded into a conversation.
 */
import type { SlackContext } from './context.ts';
import { WORDING } from '../../requests/wording.ts';

export async function shareGallery(ctx: SlackContext, channel: string, threadTs?: string): Promise<void> {
  const png = await ctx.presets.galleryPng();
  const example = ctx.presets.all()[0]?.id ?? 'starry-night';
  const upload = {
    file: png,
    filename: 'easel-styles.png',
    title: 'Easel styles',
    initial_comment: WORDING.galleryIntro(example),
  };
  await ctx.client.filesUploadV2(threadTs ? { ...upload, channel_id: channel, thread_ts: threadTs } : { ...upload, channel_id: channel });
}

/** The user's direct-message conversation with Easel (for things only they asked for). */
export async function directMessageChannel(ctx: SlackContext, userId: string): Promise<string> {
  const res = await ctx.client.conversations.open({ users: userId });
  const id = res.channel?.id;
  if (!id) throw new Error('conversations.open returned no channel');
  return id;
}
