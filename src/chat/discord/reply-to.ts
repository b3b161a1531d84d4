/**
 * Discord's routing data inside a StyleRequest (`replyTo`): where to show progress and where the
 * result goes. The jobs layer stores it with the job and hands it back untouched with every event,
 * so delivery works in whichever bot process receives the event, and after restarts.
 *
 * Two shapes:
 *  - 'interaction': a slash command, context menu or component. Progress edits the interaction's
 *    original response through its token (valid 15 minutes); after that, the bot token posts in the
 *    channel or thread instead, mentioning the user.
 *  - 'message': a reply to a result with a new photo. No interaction token: the bot posted a status
 *    message (a reply to the user's photo) with its own token and edits that.
 */
import { z } from 'zod';

/** Discord invalidates interaction tokens after 15 minutes. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
/** Stop using a token a little early: an edit started at 14:59 may land after 15:00. */
const TOKEN_SAFETY_MARGIN_MS = 30_000;
/** Attachment limit when Discord did not say (messages posted with the bot token): 10 MiB. */
export const DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024;

export const DiscordReplyTo = z.object({
  kind: z.enum(['interaction', 'message']),
  applicationId: z.string(),
  /** The interaction's token (kind 'interaction'); named so the logger's redaction catches it. */
  interactionToken: z.string().optional(),
  /** ms since epoch; the token expires INTERACTION_TOKEN_TTL_MS later. */
  interactionCreatedAt: z.number().optional(),
  channelId: z.string(),
  guildId: z.string().optional(),
  /** The message showing progress: the interaction's response, or the bot's status reply. */
  statusMessageId: z.string(),
  /** The user's message with the photo (kind 'message'). */
  userMessageId: z.string().optional(),
  userId: z.string(),
  /** Start a thread from the status message for the result (channel allows it, config says so). */
  useThread: z.boolean(),
  /** Bytes Discord accepts for this interaction's attachments. */
  attachmentSizeLimit: z.number().int().positive().optional(),
});
export type DiscordReplyTo = z.infer<typeof DiscordReplyTo>;

export function parseReplyTo(data: unknown): DiscordReplyTo | undefined {
  const parsed = DiscordReplyTo.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** Whether the interaction token can still be used at `now` (with a safety margin). */
export function tokenUsable(r: DiscordReplyTo, now = Date.now()): boolean {
  if (r.kind !== 'interaction' || !r.interactionToken || r.interactionCreatedAt === undefined) return false;
  return now < r.interactionCreatedAt + INTERACTION_TOKEN_TTL_MS - TOKEN_SAFETY_MARGIN_MS;
}

export function attachmentLimit(r: DiscordReplyTo): number {
  return r.attachmentSizeLimit ?? DEFAULT_ATTACHMENT_LIMIT;
}
