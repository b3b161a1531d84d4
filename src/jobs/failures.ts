/**
 * Why a job failed, carried through BullMQ's `failedReason` as "<code>: <detail>" so that the bot
 * side (another process, maybe after a restart) can tell a user-friendly message from the reason
 * alone. Only `render` and `storage` failures are retried: the others would fail the same way again.
 */
import { UnrecoverableError } from 'bullmq';
import type { ImageError } from '../images/types.ts';
import { WORDING } from '../requests/wording.ts';

export type FailureCode = 'invalid' | 'expired' | 'unknown-preset' | 'image' | 'cancelled' | 'timeout' | 'render' | 'lost' | 'storage';

/** Transient: tried again with backoff (a render error, the blob store down or slow). */
const RETRYABLE: ReadonlySet<FailureCode> = new Set(['render', 'storage']);

/** Which entry of the one wording table (requests/wording.ts) a chat user is shown for each code. */
const FAILURE_WORDING = {
  invalid: 'jobInvalid',
  expired: 'photoExpired',
  'unknown-preset': 'presetGone',
  image: 'imageUnreadable',
  cancelled: 'cancelled',
  timeout: 'tookTooLong',
  render: 'renderFailed',
  lost: 'lost',
  storage: 'storageDown',
} as const satisfies Record<FailureCode, keyof typeof WORDING>;

/** The friendly text for a failure code, shown to chat users as-is. */
export function failureText(code: FailureCode): string {
  return WORDING[FAILURE_WORDING[code]];
}

/**
 * What a chat user is told about an image that could not be used: the wording table's text for an
 * unreadable file and for the costly ones (built to be expensive; over the decoder's memory or
 * time), else the image module's own text, which names the limit (pixels, frames, bytes).
 */
export function imageErrorText(err: Pick<ImageError, 'code' | 'userMessage'>): string {
  switch (err.code) {
    case 'too-complex':
      return WORDING.imageTooComplex;
    case 'decode-limit':
      return WORDING.imageTooDemanding;
    case 'corrupt':
    case 'unsupported-format':
    case 'empty':
      return WORDING.imageUnreadable;
    default:
      return err.userMessage;
  }
}

/** A render failure with a code; `userMessage` overrides the code's default text (e.g. an ImageError's). */
export class JobFailure extends Error {
  constructor(
    public readonly code: FailureCode,
    detail: string,
    public readonly userMessage: string = failureText(code),
  ) {
    super(detail);
    this.name = 'JobFailure';
  }
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/**
 * The error a processor throws for BullMQ: non-retryable failures become UnrecoverableError (no
 * further attempts, whatever `attempts` says). For 'image' the user text is the reason's detail.
 */
export function toBullError(f: JobFailure): Error {
  const detail = f.code === 'image' ? f.userMessage : f.message;
  const message = `${f.code}: ${detail}`;
  return f.retryable ? new Error(message) : new UnrecoverableError(message);
}

export interface DecodedFailure {
  code: FailureCode;
  userMessage: string;
  reason: string;
}

const CODE_RE = /^(invalid|expired|unknown-preset|image|cancelled|timeout|render|lost|storage): ([\s\S]*)$/;

/** Read a BullMQ failedReason back; anything unrecognised (BullMQ's own "stalled" etc.) is a render failure. */
export function decodeFailure(failedReason: string | undefined): DecodedFailure {
  const reason = failedReason ?? 'unknown';
  const m = CODE_RE.exec(reason);
  if (!m) return { code: 'render', userMessage: WORDING.renderFailed, reason };
  const code = m[1] as FailureCode;
  return { code, userMessage: code === 'image' && m[2] ? m[2] : failureText(code), reason };
}
