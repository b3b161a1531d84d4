/**
 * Every sentence a chat user reads, once, platform-neutral (plain text; a `code span` in backticks
 * reads well on both Discord and Slack), under this one name: refusals and errors, the status
 * message, prompts, help and settings, an image's refusal (src/images), a settings change's. The
 * chat adapters render these in their idiom (⚠️ / 🎨 prefixes, ephemeral reply, modal field error,
 * markdown); the jobs, images and settings modules attach them to refusals and failures. Nothing
 * else spells these out, and nothing re-exports them under another name (test/foundation/wording.test.ts
 * checks both on the source of every module whose text reaches a chat user).
 */
import { formatBytes } from '../images/limits.ts';

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

export const WORDING = {
  // What the user sent
  noPhoto: 'Please attach a photo (JPEG, PNG, WebP, GIF, AVIF or TIFF).',
  noStyle: 'Pick a preset style or attach a style image.',
  /** `suggestions`: near preset ids; `listCommand`: how this platform lists them all. */
  unknownPreset: (id: string, hint: { suggestions?: readonly string[]; listCommand?: string } = {}) =>
    [
      `I don't know a style called “${id}”.`,
      hint.suggestions?.length ? `Did you mean ${hint.suggestions.map((s) => `\`${s}\``).join(', ')}?` : '',
      hint.listCommand ? `\`${hint.listCommand}\` shows them all.` : '',
    ]
      .filter(Boolean)
      .join(' '),
  cannotMix: (title: string) => `${title} can't be mixed with another painting — pick two paintings from the gallery.`,
  badMix: 'mix is the first painting\'s share, a number between 0 and 1 (e.g. mix=0.7).',
  mixNeedsTwo: 'To mix, name a second painting too (style2 on Discord, `first+second` on Slack).',
  // Finding the image when none was attached
  noRecentImage: (n: number) => `I couldn't find an image in the last ${n} messages here — attach a photo to the command.`,
  cannotReadHistory: "I can't read this channel's earlier messages — attach a photo to the command instead.",
  /** Slack lets Easel read a channel's history only once a minute (apps outside the Marketplace). */
  historyBusy: (retryAfterS: number) => `I can look back through this channel only once a minute — attach the photo to the command, or try again in about ${Math.max(1, Math.ceil(retryAfterS))} s.`,
  usingImageBy: (who: string) => `Using the image posted by ${who}.`,
  notAnImage: "That file doesn't look like an image I can read. Try a JPEG or PNG.",
  tooBig: (maxBytes: number) => `That file is too big — the limit is ${mb(maxBytes)} MB.`,
  untrustedSource: 'I can only paint images uploaded to this chat itself — please attach the photo as a file.',
  downloadFailed: "I couldn't download that file. Please try again.",
  // Limits (checked before anything is downloaded)
  cooldown: (ms: number) => `Easy there — please wait ${Math.max(1, Math.ceil(ms / 1000))} s before your next request.`,
  userLimit: (n: number) => `You already have ${n === 1 ? 'a painting' : `${n} paintings`} in progress — wait for ${n === 1 ? 'it' : 'one'} to finish, then ask again.`,
  serverBusy: 'Lots of people here are waiting for paintings already — please try again in a few minutes.',
  busy: "I'm busy painting for lots of people right now — please try again in a few minutes.",
  // Per-server settings (chosen by the server's admins)
  channelNotAllowed: "I'm not enabled in this channel — please use one of the channels this server's admins chose for Easel.",
  styleUploadsOff: "This server doesn't allow your own style images — please pick one of the preset paintings.",
  dailyQuota: (n: number, retryAfterMs: number) =>
    `You've had your ${n} ${n === 1 ? 'painting' : 'paintings'} for today on this server — more in about ${Math.max(1, Math.ceil(retryAfterMs / 3_600_000))} h.`,
  notAdmin: (what: string) => `Only ${what} can change Easel's settings here.`,
  storageFull: "I'm holding too many photos for paintings right now — please try again in a few minutes.",
  invalidRequest: 'That request is missing something I need. Please try again.',
  // The service
  queueDown: 'The painting queue is unavailable right now. Please try again in a few minutes.',
  /** The blob store (Redis or the S3 bucket) cannot be reached or is too slow. */
  storageDown: "I can't reach my image storage right now — please try again in a few minutes.",
  unexpected: 'Something went wrong on my side. Please try again in a moment.',
  /** Slack distribution mode: the workspace's token expired and could not be refreshed (only a reinstall helps). */
  reinstallNeeded: "Sorry — I've lost my access to this workspace, so I can't paint here right now. Please ask a workspace admin to add Easel to Slack again (reinstall it); nothing else needs to change.",
  // An image Easel cannot use: ImageError's user text (src/images), as the CLI prints it and as chat
  // users read it for the limits; jobs/failures.ts imageErrorText shows chat users imageUnreadable,
  // imageTooComplex and imageTooDemanding instead of the first three and the two costly ones here.
  imageEmpty: 'That file is empty — please attach a photo.',
  imageFormatUnsupported: 'I can only read JPEG, PNG, WebP, GIF, AVIF or TIFF images.',
  imageDamaged: 'That image looks damaged or incomplete — please try another file.',
  imageOverDecodeLimit: 'That image needs more memory or time to decode than the decoder is allowed; a smaller or simpler file (an ordinary JPEG) works.',
  imageBuiltTooExpensive: 'That image is built in a way that is too expensive to decode (oversized metadata or too many scans); save it again as an ordinary JPEG or PNG.',
  imageTooManyBytes: (actualBytes: number, maxBytes: number) => `That file is too big (${formatBytes(actualBytes)}; the limit is ${formatBytes(maxBytes)}).`,
  imageTooManyPixels: (width: number, height: number, maxPixels: number) => `That image is too large (${width}×${height}; the limit is ${Math.floor(maxPixels / 1e6)} megapixels).`,
  imageSideTooLong: (width: number, height: number, maxSide: number) => `That image is too large (${width}×${height}; at most ${maxSide} px per side).`,
  /** sharp's own pixel limit tripped (the header check lets nothing through that it would refuse). */
  imageOverPixelLimit: 'That image has too many pixels — please send a smaller one.',
  animationTooManyFrames: (frames: number, maxFrames: number) => `That animation has ${frames} frames; I can paint at most ${maxFrames} — please send a shorter one.`,
  animationTooLarge: (frames: number, width: number, height: number) => `That animation is too large (${frames} frames of ${width}×${height}) — please send a smaller or shorter one.`,
  resultNotSaved: "I couldn't save the result image — please try a smaller size.",
  // What happened to a job
  renderFailed: 'Something went wrong while painting your image. Please try again.',
  jobInvalid: "That request couldn't be processed. Please try again.",
  photoExpired: 'Your photo expired before it could be painted — please send it again.',
  presetGone: 'That style is no longer available. Please pick another one.',
  imageUnreadable: "That image couldn't be read. Try a JPEG or PNG.",
  /** Built to be expensive to decode: huge compressed metadata, thousands of JPEG scans (images/structure.ts). */
  imageTooComplex: "That image is put together in a way that's far too expensive for me to read — please save it again as an ordinary JPEG or PNG.",
  /** Decoding it needed more memory or time than the worker's decoder may use (images/sandbox.ts). */
  imageTooDemanding: 'That image needs more memory or time to read than I can give it — please send a smaller or simpler one (an ordinary JPEG works best).',
  cancelled: 'Cancelled.',
  /** The job vanished from the queue (Redis restarted without persistence). */
  lost: 'I lost track of this request (the queue was restarted) — please run the command again.',
  /** Every attempt to post a finished result failed (the platform kept refusing it). */
  undeliverable: "I painted your picture but couldn't post it here. Please try again in a moment.",
  tookTooLong: 'That took too long to paint, so it was stopped — try a smaller size or a faster quality.',
  // Cancel buttons
  notYours: (owner = 'the person who asked for it') => `Only ${owner} can cancel this painting.`,
  tooLate: "Too late to cancel — it's already finished.",
  cancelFailed: "I couldn't cancel that right now. Please try again.",
  expired: 'This request expired — please run the command again.',
  /** The first words of a status message, before the job is queued. */
  gettingReady: 'Got your photo — getting the easel ready…',
  /** The same for a reply to a result (Discord), where the photo may come from the message replied to. */
  gotItGettingReady: 'Got it — getting the easel ready…',
  // The status message (chat/common/text.ts and delivery/status-view.ts draw it)
  /** `eta`: "about 40 s" or '' when unknown; `workersOnline` 0: no painter is running. */
  queued: (position: number, eta: string, workersOnline?: number) =>
    workersOnline === 0
      ? `Queued${position > 1 ? ` — position ${position}` : ''}. No painter is running right now; your picture will start as soon as one is back.`
      : position <= 1
        ? `Queued — you're next${eta ? ` (${eta})` : ''}.`
        : `Queued — position ${position}${eta ? `, ${eta}` : ''}.`,
  foundInCache: 'Found it in the cache…',
  /** `caption`: what was painted (captionText). */
  doneInThread: (caption: string) => `Done — ${caption}. Your painting is in the thread.`,
  restyleHint: 'Post another photo in this thread to paint it the same way.',
  uploadFailed: "I painted it but couldn't upload it here. Please try again.",
  postFailed: "I couldn't post here. Please try again.",
  notInChannel: "I'm not in this channel yet — add me with `/invite @Easel`, then try again.",
  // What the request became (requests/resolve.ts): an asked value Easel changed, said once, the same on every entry point
  /** `why`: whose limit it is ("this server's limit", "Easel's limit", "the most there is"). */
  capped: (what: string, value: number, why: string) => `${what} capped at ${value} — ${why}.`,
  raised: (what: string, value: number, why: string) => `${what} raised to ${value} — ${why}.`,
  rounded: (what: string, value: number) => `${what} rounded to ${value}.`,
  mixHasNoFastNetwork: (instead: string) => `A mix of paintings has no fast network, so it's painted at quality ${instead}.`,
  noFastNetwork: (instead: string) => `This painting has no fast network, so it's painted at quality ${instead}.`,
  onlyFastNetwork: (asked: string) => `This style only has a fast network, so it's painted at quality fast instead of ${asked}.`,
  serverLimit: "this server's limit",
  easelLimit: "Easel's limit",
  rangeEnd: (high: boolean) => (high ? 'the most there is' : 'the least there is'),
  // Choosing a painting (and the gallery)
  pickAnotherPainting: 'Pick another painting:',
  /** A select's placeholder and a button's label that open a choice. */
  choosePainting: 'Choose a painting…',
  choosePhoto: 'Choose a photo…',
  whichPainting: 'Which painting should I paint this image like?',
  noImageInMessage: 'That message has no image I can paint. Use it on a message with a photo attached.',
  unknownCommand: 'I don’t know that command any more — it may have been removed.',
  galleryFailed: 'I could not draw the gallery right now. Please try again.',
  /** `example`: a preset id to show. */
  galleryIntro: (example: string) => `The styles I can paint in — use the name under each picture, e.g. \`/stylize ${example}\`.`,
  /** The line under the gallery image's title (presets/gallery.ts draws it into the picture). */
  galleryLegend: 'Use the id below with /stylize or --style. FAST = instant feed-forward network. Public-domain paintings first.',
  sendingGallery: "I'm sending you the gallery of styles in a direct message.",
  mixAtMostTwo: 'I can mix two paintings at most, e.g. `starry-night+the-scream mix=0.7`.',
  // Typed options (Slack's `key=value` words)
  badMixValue: (raw: string) => `mix must be a number between 0 and 1 (e.g. mix=0.7), not “${raw}”.`,
  unknownOption: (key: string, options: readonly string[]) => `I don't know the option “${key}”. Options: ${options.join(', ')}.`,
  /** `range`: [min, max] where no operator's cap narrows it; `example`: a value to show. */
  notANumber: (name: string, value: string, range?: readonly [number | undefined, number | undefined], example?: string) =>
    `${name} must be a number${range ? ` from ${range[0]} to ${range[1]}` : ''}${example ? ` (e.g. ${name}=${example})` : ''}, not “${value}”.`,
  notOneOf: (name: string, choices: readonly string[], value: string) => `${name} must be one of ${choices.join(', ')}, not “${value}”.`,
  notYesNo: (name: string, value: string) => `${name} must be yes or no, not “${value}”.`,
  notUnderstood: (word: string) => `I don't understand “${word}”.`,
  notUnderstoodHere: (word: string) => `I don't understand “${word}” here — choose the style above.`,
  // Slack's prompts and help
  /** `title`: the painting (already marked up), `options`: the options typed, '' when none. */
  replyWithPhoto: (user: string, title: string, options: string) => `${user} reply in this thread with a photo to paint it as *${title}*${options ? ` (\`${options}\`)` : ''}.`,
  mentionWithPhoto: 'Mention me in the same message as the photo, e.g. `@Easel starry-night strength=0.8`.',
  mentionWithStyle: 'e.g. `@Easel starry-night` — `/stylize styles` lists them.',
  modalPresetHint: 'Pick a painting — or attach your own style image below.',
  slackHelp: [
    '*Easel paints your photos in the style of famous paintings.*',
    '`/stylize <style> [options]` then reply in the thread with a photo — or `/stylize` alone for a form.',
    '`@Easel <style> [options]` with a photo attached (attach a second image to use it as the style).',
    'Post another photo in the thread of a result to paint it the same way.',
    '`/stylize <style> latest` paints the most recent image in the channel; `/stylize a+b mix=0.7` mixes two paintings.',
    "Workspace admins: `/stylize settings` shows and changes Easel's settings here.",
  ],
  // Settings
  /** `place`: "server" or "workspace". */
  settingsFor: (place: string) => `Easel's settings for this ${place}:`,
  settingsSaved: 'Settings saved — they apply from the next request.',
  settingsNeedServer: 'Settings belong to a server — use this command in one.',
  settingsChangeHint: 'Change with e.g. `/stylize settings quality=draft size=512 max-size=1024 channels=#art quota=20 uploads=off` (`default` resets one).',
  /** The lines of `settings` (policy.ts describeSettings); `…IsEasels`: no server value, Easel's own applies. */
  settingsLines: (v: {
    quality: string; qualityIsEasels: boolean; size: number; sizeIsEasels: boolean; maxSize: number; maxSizeIsEasels: boolean;
    channels: readonly string[] | undefined; dailyQuota: number | undefined; uploads: boolean;
  }) => [
    `Default quality: ${v.quality}${v.qualityIsEasels ? " (Easel's default)" : ''}`,
    `Default size: ${v.size} px${v.sizeIsEasels ? " (Easel's default)" : ''}`,
    `Largest size allowed: ${v.maxSize} px${v.maxSizeIsEasels ? " (Easel's limit)" : ''}`,
    `Channels: ${v.channels ? v.channels.join(', ') : 'all'}`,
    `Daily quota per member: ${v.dailyQuota !== undefined ? `${v.dailyQuota} pictures` : 'none'}`,
    `Members may upload style images: ${v.uploads ? 'yes' : 'no'}`,
  ],
  // Settings changes that cannot be applied (settings/parse.ts, settings/schema.ts), shown to the admin as-is
  settingNotAPair: (word: string) => `“${word}” isn't a setting — write it as name=value, e.g. quality=draft.`,
  unknownSetting: (key: string, keys: readonly string[]) => `Unknown setting “${key}”. Settings: ${keys.join(', ')}.`,
  nothingToChange: (keys: readonly string[]) => `Nothing to change. Settings: ${keys.join(', ')}.`,
  settingNotOneOf: (key: string, choices: readonly string[]) => `${key} must be one of ${choices.join(', ')}.`,
  settingNotPixels: (key: string, min: number, max: number) => `${key} must be a whole number of pixels from ${min} to ${max}.`,
  settingNotQuota: 'quota must be a whole number of pictures per member per day (or off).',
  settingNotOnOff: (key: string) => `${key} must be on or off.`,
  settingNotAChannel: (typed: string) => `“${typed}” isn't a channel I recognise — mention it (#channel) or give its id.`,
  settingNoChannels: 'channels must be all, or a comma-separated list of channels.',
  defaultSizeOverMax: (defaultSize: number, maxSize: number) => `The default size (${defaultSize}) can't be larger than the largest size allowed (${maxSize}).`,
  // Buttons under a result
  alreadyStrongest: "That's already the strongest I can paint it.",
  alreadySubtlest: "That's already as subtle as it gets.",
  variationNotAvailable: 'That variation is not available here.',
  bestAlready: "That's already the highest quality and size I can paint.",
  notYoursToDelete: 'Only the person who asked for this painting (or a moderator) can delete it.',
  resultOwnerUnknown: "I no longer have a record of who asked for this painting, so I can't delete it for you — a moderator can remove it.",
} as const;
