/**
 * The Slack bot scopes Easel needs, declared once. Bolt's OAuth flow (distribution mode) requests
 * exactly these, and both app manifests in commands/ must list the same set (a test checks it), so
 * an admin installing Easel is never asked for more than the code uses.
 */
export const BOT_SCOPES = [
  'app_mentions:read', // @Easel with a photo
  'channels:history', // photos replied in a result's thread (public channels)
  'groups:history', // … private channels
  'im:history', // … direct messages
  'mpim:history', // … group direct messages
  'chat:write', // replies, progress edits, failure notices
  'commands', // /stylize
  'files:read', // download the photo (url_private, with the workspace's own token)
  'files:write', // upload the painting
  'im:write', // open a DM for ephemeral fallbacks
  'users:read', // users.info: is the caller an admin (workspace settings)
] as const;

export type BotScope = (typeof BOT_SCOPES)[number];
