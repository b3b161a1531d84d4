/**
 * The one intake: how every chat request (Discord slash command, message command, reply with a
 * photo, buttons; Slack slash command prompt, modal, mention, thread photo) becomes a job. Each
 * rule below is written here once; the adapters only translate their platform's event into an
 * `IntakeRequest` and render the outcome.
 *
 *   1. cheap checks on what the platform told us (a photo? an image type? declared size?)
 *   2. the server's settings (src/settings): channel allow-list, style uploads; then what will be
 *      painted, decided once (src/requests/resolve.ts: the asked options + the server's defaults and
 *      largest size + the deployment's caps + what the style can do → the effective options and
 *      notes for the user); then admission: cooldown, per-user, per-server, global cap — one atomic
 *      reservation (jobs.admit) — and the member's daily quota on that server.
 *      A refused request costs no download, no decode, no Redis bytes.
 *   3. each file fetched only from its platform's own file host (sources.ts, fetch.ts)
 *   4. the header probed (format, dimensions; an animation's frames against EASEL_GIF_MAX_FRAMES) —
 *      pixels are decoded by the worker
 *   5. the original bytes stored as a *pending* blob (short TTL, a byte budget)
 *   6. the adapter opens its status message (replyTo), jobs.submit — blobs get the full TTL
 * Everything taken after admission — the reservation, the quota, each pending upload, the status
 * message — is written on one undo list as it is taken; when anything after (2) fails, all of it
 * is given back (the cooldown stays spent).
 */
import { describeError } from '../../../util/describe-error.ts';
import type { Config } from '../../../config.ts';
import type { Logger } from '../../../log.ts';
import { ImageError, isAnimation, probeAnimation, probeImage } from '../../../images/index.ts';
import { imageErrorText } from '../../../jobs/failures.ts';
import { BlobStoreUnavailable, DuplicateRequest, JobRefused, type Admitted, type JobsClient, type Submitted } from '../../../jobs/types.ts';
import type { PresetCatalog } from '../../../presets/types.ts';
import { capabilitiesOf, deploymentCaps, resolveRequest, styleCapabilities, type ServerChoices, type StyleCapabilities } from '../../../requests/resolve.ts';
import { parseStyleRequest, presetIdsOf, type BlobRef, type RequestOptions, type StyleChoice } from '../../../requests/style-request.ts';
import { WORDING } from '../../../requests/wording.ts';
import { applyServerSettings, usesOwnStyleImage, type DailyQuota, type ServerScope, type ServerSettingsStore } from '../../../settings/index.ts';
import { describeUrl, FetchError, fetchTrusted } from './fetch.ts';
import type { FilePlatform, SourcePolicy } from './sources.ts';

export { sourcePolicies, type FilePlatform, type SourcePolicy } from './sources.ts';

/** A file the platform told us about, not fetched yet. */
export interface RemoteImage {
  kind: 'remote';
  url: string;
  name?: string | null;
  /** Size the platform declared (metadata; the download counts bytes anyway). */
  declaredBytes?: number | null;
  contentType?: string | null;
}

/** An image: already a blob (a follow-up on an earlier result), or a file to fetch. */
export type ImageInput = { kind: 'blob'; ref: BlobRef } | RemoteImage;

/** A preset (resolved by the adapter with presets' resolvePreset), a stored choice, or the user's own image. */
export type StyleInput = StyleChoice | { kind: 'image'; image: ImageInput };

/** What an entry point asks for: the photo, the style, the options as the user gave them. */
export interface AskedRequest {
  content: ImageInput;
  style: StyleInput;
  options: RequestOptions;
}

export interface IntakeRequest extends AskedRequest {
  platform: FilePlatform;
  /** Idempotency key (interaction id, event id, view id): a retried event is one job. */
  requestId: string;
  user: { id: string; name?: string };
  /** Discord guild id / Slack team id; absent in direct messages. */
  server?: string;
  /** The channel the request came from (the server's channel allow-list applies to it). */
  channel?: string;
}

/** What the adapter does around the submit. */
export interface IntakeReply {
  /**
   * The images are in: open the status message if the platform needs one, and say where results go.
   * `notes`: what Easel changed of what was asked, for the adapter to tell the user its own way.
   */
  replyTo(notes: readonly string[]): Promise<Record<string, unknown>>;
  /** The request will not become a job after all: undo what `replyTo` did. */
  abandon?(): Promise<void>;
}

export type IntakeOutcome =
  /** `notes`: what was changed of what was asked, to tell the user ("size capped at 1024 — Easel's limit"). */
  | { kind: 'submitted'; submitted: Submitted; replyTo: Record<string, unknown>; notes: string[] }
  /** The same request id was admitted before: its first delivery owns the job; say nothing. */
  | { kind: 'duplicate' }
  | { kind: 'refused'; code: string; text: string };

/** Per-server settings and daily quotas (src/settings), shared by every adapter of a bot process. */
export interface ServerSettingsDeps {
  store: ServerSettingsStore;
  quota: DailyQuota;
}

export interface IntakeDeps {
  config: Pick<Config, 'limits' | 'animation' | 'render' | 'jobs'>;
  /** What each preset can do (a painting? a fast network?), for resolveRequest. */
  presets: Pick<PresetCatalog, 'get'>;
  /** Absent: no per-server settings (every server gets the deployment's defaults). */
  settings?: ServerSettingsDeps;
  jobs: JobsClient;
  log: Logger;
  /** The hosts this platform's files may come from. */
  source: SourcePolicy;
  /** Headers for file downloads (Slack's bot token); sent only to trusted hosts. */
  fileHeaders?: Record<string, string>;
}

/** An intake step that failed with words for the user (adapters may throw it from `replyTo`). */
export class IntakeRefusal extends Error {
  constructor(
    readonly code: string,
    readonly text: string,
    detail: string,
  ) {
    super(detail);
  }
}

const IMAGE_TYPE = /^image\//i;
const IMAGE_EXTENSION = /\.(jpe?g|png|webp|gif|avif|tiff?|heic|heif)$/i;

/** Whether a file's declared type (else its name) says image; the bytes are checked after the download. */
export function looksLikeImage(file: { name?: string | null; contentType?: string | null }): boolean {
  return file.contentType ? IMAGE_TYPE.test(file.contentType) : IMAGE_EXTENSION.test(file.name ?? '');
}

/** The user-facing problem with a file from its metadata alone (no network), else undefined. */
export function remoteProblem(file: RemoteImage | undefined, limits: Pick<Config['limits'], 'maxUploadBytes'>): string | undefined {
  if (!file) return WORDING.noPhoto;
  if (!looksLikeImage(file)) return WORDING.notAnImage;
  if (typeof file.declaredBytes === 'number' && file.declaredBytes > limits.maxUploadBytes) return WORDING.tooBig(limits.maxUploadBytes);
  return undefined;
}

/** Every cheap check of a request (metadata, a style), so adapters can also answer before deferring. */
export function precheck(req: Pick<IntakeRequest, 'content' | 'style'>, limits: Pick<Config['limits'], 'maxUploadBytes'>): string | undefined {
  const images = [req.content, ...(req.style.kind === 'image' ? [req.style.image] : [])];
  for (const image of images) {
    const problem = image.kind === 'remote' ? remoteProblem(image, limits) : undefined;
    if (problem) return problem;
  }
  return undefined;
}

export async function intake(deps: IntakeDeps, req: IntakeRequest, reply: IntakeReply): Promise<IntakeOutcome> {
  const log = deps.log.child({ requestId: req.requestId, user: req.user.id, server: req.server });
  const problem = precheck(req, deps.config.limits);
  if (problem) {
    log.info({ code: 'precheck' }, 'intake: refused by its metadata');
    return { kind: 'refused', code: 'precheck', text: problem };
  }

  const scope: ServerScope | undefined = deps.settings && req.server ? { platform: req.platform, serverId: req.server } : undefined;
  let server: ServerChoices | undefined;
  let dailyQuota: number | undefined;
  if (scope) {
    const ruled = await serverRules(deps.settings!, scope, req);
    if (!ruled.ok) {
      log.info({ code: ruled.code }, 'intake: refused by the server settings');
      return { kind: 'refused', code: ruled.code, text: ruled.text };
    }
    server = ruled.server;
    dailyQuota = ruled.dailyQuota;
  }

  // What will be painted, decided once for every platform (the job stores it).
  const style = capabilitiesOfInput(req.style, deps.presets);
  if ('unknown' in style) {
    log.info({ code: 'unknown-preset', preset: style.unknown }, 'intake: refused an unknown preset');
    return { kind: 'refused', code: 'unknown-preset', text: WORDING.unknownPreset(style.unknown) };
  }
  const resolved = resolveRequest(req.options, { caps: deploymentCaps(deps.config), server, style });
  if (resolved.notes.length) log.info({ notes: resolved.notes.map((n) => n.option) }, 'intake: options changed to fit the limits');

  let admitted: Admitted;
  try {
    admitted = await deps.jobs.admit({ platform: req.platform, server: req.server, userId: req.user.id }, req.requestId);
  } catch (err) {
    if (err instanceof DuplicateRequest) return { kind: 'duplicate' };
    if (err instanceof JobRefused) {
      log.info({ code: err.code }, 'intake: refused by the limits');
      return { kind: 'refused', code: err.code, text: err.userMessage };
    }
    log.error({ err: describeError(err) }, 'intake: admission failed');
    return { kind: 'refused', code: 'unavailable', text: WORDING.queueDown };
  }

  // From here on, everything the request takes is written down as it is taken; a refusal or a
  // failure anywhere below gives all of it back, newest first (the cooldown stays spent).
  const taken = new Undo(log);
  taken.push('the reservation', () => deps.jobs.release(admitted));
  try {
    // The quota is taken after the reservation, so a request refused by the limits costs none of it.
    if (scope && dailyQuota !== undefined) {
      const verdict = await deps.settings!.quota.take(scope, req.user.id, dailyQuota).catch((err: unknown) => {
        log.error({ err: describeError(err) }, 'intake: daily quota unavailable');
        return undefined;
      });
      if (!verdict) throw new IntakeRefusal('unavailable', WORDING.queueDown, 'daily quota unavailable');
      if (!verdict.ok) throw new IntakeRefusal(verdict.code, WORDING.dailyQuota(dailyQuota, verdict.retryAfterMs), 'over the daily quota');
      taken.push('the daily quota', () => deps.settings!.quota.giveBack(scope, req.user.id));
    }

    // Photo and style image download side by side; both are waited for, so an upload that lands
    // after the other one failed is still on the list when it is given back.
    const [content, chosen] = await allSettledOrThrow([storeImage(deps, req.content, taken), styleOf(deps, req.style, taken)]);
    const replyTo = await reply.replyTo(resolved.notes.map((n) => n.text));
    taken.push('the status message', () => reply.abandon?.() ?? Promise.resolve());
    const request = parseStyleRequest({ requestId: req.requestId, platform: req.platform, user: req.user, server: req.server, replyTo, content, style: chosen, options: resolved.accepted });
    const submitted = await deps.jobs.submit(request, admitted, resolved);
    // The job holds the reservation, the quota and the blobs now.
    taken.clear();
    log.info({ jobId: submitted.jobId, state: submitted.state, position: submitted.position }, 'intake: job submitted');
    return { kind: 'submitted', submitted, replyTo, notes: resolved.notes.map((n) => n.text) };
  } catch (err) {
    await taken.undoAll();
    const refusal = asRefusal(err, deps.config.limits.maxUploadBytes);
    if (refusal.code === 'unexpected') log.error({ err: describeError(err) }, 'intake: failed');
    else log.info({ code: refusal.code, detail: refusal.message }, 'intake: refused');
    return { kind: 'refused', code: refusal.code, text: refusal.text };
  }
}

/**
 * What a request has taken since admission (reservation, daily quota, pending uploads, a status
 * message), each with how to give it back. One list instead of a flag per resource: a step added
 * to the intake later is undone by adding one line where it is taken.
 */
export class Undo {
  private steps: Array<{ what: string; undo: () => Promise<unknown> }> = [];

  constructor(private readonly log: Logger) {}

  push(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  /** Nothing to give back any more (the job owns it all). */
  clear(): void {
    this.steps = [];
  }

  /** Give everything back, newest first; a step that fails is logged and the others still run. */
  async undoAll(): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    for (const step of steps) {
      await step.undo().catch((err: unknown) => this.log.warn({ err: describeError(err) }, `intake: could not give back ${step.what}`));
    }
  }
}

/** Like Promise.all, but waits for every promise before throwing the first failure. */
async function allSettledOrThrow<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

type Ruled = { ok: true; server: ServerChoices; dailyQuota?: number } | { ok: false; code: string; text: string };

/** The server's settings applied to one request (read from the store's cache; a Redis failure refuses). */
async function serverRules(settings: ServerSettingsDeps, scope: ServerScope, req: IntakeRequest): Promise<Ruled> {
  let current;
  try {
    current = await settings.store.get(scope);
  } catch {
    return { ok: false, code: 'unavailable', text: WORDING.queueDown };
  }
  // The effective request: a follow-up's stored style image counts like a new upload.
  const verdict = applyServerSettings(current, { channelId: req.channel, ownStyleImage: usesOwnStyleImage(req.style) });
  if (!verdict.ok) return { ok: false, code: verdict.code, text: verdict.code === 'channel-not-allowed' ? WORDING.channelNotAllowed : WORDING.styleUploadsOff };
  return { ok: true, server: { defaultSize: current.defaultSize, maxSize: current.maxSize, defaultQuality: current.defaultQuality }, dailyQuota: current.dailyQuota };
}

/** What the asked style can do, known before any download; `unknown`: a preset id the catalog lacks. */
function capabilitiesOfInput(style: StyleInput, presets: Pick<PresetCatalog, 'get'>): StyleCapabilities | { unknown: string } {
  if (style.kind === 'image') return styleCapabilities([{ painting: true }]);
  return capabilitiesOf(style, presets) ?? { unknown: presetIdsOf(style).find((id) => !presets.get(id)) ?? '?' };
}

async function styleOf(deps: IntakeDeps, style: StyleInput, taken: Undo): Promise<StyleChoice> {
  if (style.kind !== 'image') return style;
  return { kind: 'images', images: [{ blob: await storeImage(deps, style.image, taken), weight: 1 }] };
}

/** Fetch (trusted sources only), probe the header, keep the original bytes as a pending blob (on `taken`). */
async function storeImage(deps: IntakeDeps, image: ImageInput, taken: Undo): Promise<BlobRef> {
  if (image.kind === 'blob') return image.ref;
  const { limits } = deps.config;
  const bytes = await fetchTrusted(image.url, deps.source, { maxBytes: limits.maxUploadBytes, timeoutMs: limits.downloadTimeoutMs, headers: deps.fileHeaders });
  const probe = await probeImage(bytes, { maxBytes: limits.maxUploadBytes, maxPixels: limits.maxInputPixels });
  // An animation is painted frame by frame: its frame count and all frames' pixels are checked
  // here, from the header, before any work (the worker applies the same limits when decoding).
  if (isAnimation(probe)) await probeAnimation(bytes, { maxBytes: limits.maxUploadBytes, maxPixels: limits.maxInputPixels, maxFrames: deps.config.animation.maxFrames });
  const key = await deps.jobs.blobs.putPending(bytes);
  if (!key) throw new IntakeRefusal('storage-full', WORDING.storageFull, `pending uploads over budget; refused ${bytes.length} bytes from ${describeUrl(image.url)}`);
  taken.push('a pending upload', () => deps.jobs.blobs.discardPending(key));
  return { key, width: probe.width, height: probe.height };
}

function asRefusal(err: unknown, maxBytes: number): IntakeRefusal {
  if (err instanceof IntakeRefusal) return err;
  if (err instanceof FetchError) {
    if (err.code === 'untrusted' || err.code === 'forbidden-address') return new IntakeRefusal(err.code, WORDING.untrustedSource, err.message);
    if (err.code === 'too-big') return new IntakeRefusal(err.code, WORDING.tooBig(maxBytes), err.message);
    return new IntakeRefusal(err.code, WORDING.downloadFailed, err.message);
  }
  if (err instanceof ImageError) {
    const unreadable = err.code === 'unsupported-format' || err.code === 'corrupt' || err.code === 'empty';
    return new IntakeRefusal(`image-${err.code}`, unreadable ? WORDING.notAnImage : imageErrorText(err), err.message);
  }
  if (err instanceof JobRefused) return new IntakeRefusal(err.code, err.userMessage, err.message);
  if (err instanceof BlobStoreUnavailable) return new IntakeRefusal('storage-unavailable', WORDING.storageDown, err.message);
  return new IntakeRefusal('unexpected', WORDING.queueDown, err instanceof Error ? err.message : String(err));
}
