/**
 * Discord API v10 payloads as the fake sends them: users, guilds, messages and the interactions a
 * user's clicks produce. Shapes follow discord-api-types; only the fields discord.js reads are filled.
 */
import { PermissionsBitField, SnowflakeUtil } from 'discord.js';

export interface ApiUser {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: string | null;
  bot?: boolean;
}

export interface ApiAttachment {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number;
  height?: number;
}

export interface ApiMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  author: ApiUser;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  tts: boolean;
  mention_everyone: boolean;
  mentions: ApiUser[];
  mention_roles: string[];
  attachments: ApiAttachment[];
  embeds: unknown[];
  components: any[];
  pinned: boolean;
  type: number;
  flags: number;
  message_reference?: { message_id?: string; channel_id?: string; guild_id?: string };
  interaction_metadata?: unknown;
  thread?: unknown;
}

export interface ChannelSpec {
  name: string;
  /** 0 text (threads allowed), 2 voice chat (no threads), 5 announcement. */
  type: number;
}

/** Everything a well-configured Easel install has: view, send, threads, attach, history. */
export const PERMISSIONS_ALL = PermissionsBitField.resolve([
  'ViewChannel',
  'SendMessages',
  'SendMessagesInThreads',
  'CreatePublicThreads',
  'AttachFiles',
  'EmbedLinks',
  'ReadMessageHistory',
  'UseApplicationCommands',
]).toString();

export function botUser(id: string): ApiUser {
  return { id, username: 'Easel', discriminator: '0', global_name: 'Easel', avatar: null, bot: true };
}

export function humanUser(name = 'ada'): ApiUser {
  return { id: SnowflakeUtil.generate().toString(), username: name, discriminator: '0', global_name: name, avatar: null };
}

export function guildCreatePayload(guildId: string, bot: ApiUser, channels: any[]): any {
  const now = new Date().toISOString();
  return {
    id: guildId,
    name: 'Fake Guild',
    icon: null,
    owner_id: bot.id,
    unavailable: false,
    large: false,
    member_count: 2,
    joined_at: now,
    features: [],
    roles: [{ id: guildId, name: '@everyone', permissions: PERMISSIONS_ALL, position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }],
    emojis: [],
    stickers: [],
    channels,
    threads: [],
    members: [{ user: bot, roles: [], joined_at: now, deaf: false, mute: false, flags: 0 }],
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    premium_tier: 0,
    preferred_locale: 'en-US',
    system_channel_flags: 0,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
  };
}

export function messagePayload(m: {
  id?: string;
  channelId: string;
  author: ApiUser;
  content?: string;
  flags?: number;
  components?: any[];
  attachments?: ApiAttachment[];
  mentions?: ApiUser[];
  reference?: { message_id?: string; channel_id?: string; guild_id?: string };
  interaction?: { id: string; type: number; name: string; user: ApiUser };
}): ApiMessage {
  return {
    id: m.id ?? SnowflakeUtil.generate().toString(),
    channel_id: m.channelId,
    author: m.author,
    content: m.content ?? '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: m.mentions ?? [],
    mention_roles: [],
    attachments: m.attachments ?? [],
    embeds: [],
    components: m.components ?? [],
    pinned: false,
    type: m.reference ? 19 : m.interaction ? 20 : 0,
    flags: m.flags ?? 0,
    message_reference: m.reference,
    interaction_metadata: m.interaction ? { id: m.interaction.id, type: m.interaction.type, user: m.interaction.user, authorizing_integration_owners: {} } : undefined,
  };
}

/** An attachment as it appears in an interaction's `resolved.attachments` or a message. */
export function attachment(url: string, bytes: Buffer | number, opts: { filename?: string; contentType?: string; width?: number; height?: number } = {}): ApiAttachment {
  return {
    id: SnowflakeUtil.generate().toString(),
    filename: opts.filename ?? 'photo.jpg',
    size: typeof bytes === 'number' ? bytes : bytes.length,
    url,
    proxy_url: url,
    content_type: opts.contentType ?? 'image/jpeg',
    width: opts.width,
    height: opts.height,
  };
}

interface Where {
  guildId: string;
  channel: any;
  user: ApiUser;
  /** Bytes; Discord sends this with every interaction (10 MiB for an unboosted guild). */
  attachmentSizeLimit?: number;
  appPermissions?: string;
  /** The member's permissions in the channel (a bitfield string); every permission when absent. */
  memberPermissions?: string;
}

function base(type: number, w: Where): Record<string, any> {
  return {
    type,
    guild_id: w.guildId,
    channel_id: w.channel.id,
    channel: w.channel,
    member: { user: w.user, roles: [], joined_at: new Date().toISOString(), permissions: w.memberPermissions ?? PERMISSIONS_ALL, deaf: false, mute: false, flags: 0 },
    app_permissions: w.appPermissions ?? PERMISSIONS_ALL,
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': w.guildId },
    context: 0,
    attachment_size_limit: w.attachmentSizeLimit ?? 10 * 1024 * 1024,
  };
}

export type OptionValue = string | number | boolean | ApiAttachment;

/** Option types: 3 string, 4 integer, 5 boolean, 10 number, 11 attachment. */
function optionType(v: OptionValue): number {
  if (typeof v === 'object') return 11;
  if (typeof v === 'boolean') return 5;
  if (typeof v === 'number') return Number.isInteger(v) ? 4 : 10;
  return 3;
}

/** A chat-input command (`/stylize photo:… style:…`). Attachments go into `resolved`, by id. */
export function slashCommand(w: Where, name: string, options: Record<string, OptionValue>, opts: { focused?: string; numberOptions?: string[]; subcommand?: string } = {}): Record<string, any> {
  const attachments: Record<string, ApiAttachment> = {};
  const opts2 = Object.entries(options).map(([optName, v]) => {
    if (typeof v === 'object') {
      attachments[v.id] = v;
      return { name: optName, type: 11, value: v.id };
    }
    const type = opts.numberOptions?.includes(optName) ? 10 : optionType(v);
    return { name: optName, type, value: v, ...(opts.focused === optName ? { focused: true } : {}) };
  });
  return {
    ...base(opts.focused ? 4 : 2, w),
    data: { id: SnowflakeUtil.generate().toString(), name, type: 1, options: opts.subcommand ? [{ name: opts.subcommand, type: 1, options: opts2 }] : opts2, ...(Object.keys(attachments).length ? { resolved: { attachments } } : {}) },
  };
}

/** A message context-menu command on `target` (e.g. "Stylize image"). */
export function messageCommand(w: Where, name: string, target: ApiMessage): Record<string, any> {
  return {
    ...base(2, w),
    data: { id: SnowflakeUtil.generate().toString(), name, type: 3, target_id: target.id, resolved: { messages: { [target.id]: { ...target, guild_id: undefined } } } },
  };
}

/** A click on a button (component_type 2) or a choice in a string select (3) on `message`. */
export function componentInteraction(w: Where, message: ApiMessage, customId: string, values?: string[]): Record<string, any> {
  return {
    ...base(3, w),
    message,
    data: values ? { custom_id: customId, component_type: 3, values } : { custom_id: customId, component_type: 2 },
  };
}
