/**
 * Job events → what the status message of a job shows, platform-neutral. Each platform renders a
 * StatusView in its idiom (Discord content + components, Slack text + blocks).
 *
 *   queued at N → progress (bar, ETA, preview) → done / failed / cancelled / lost
 */
import type { JobEvent, JobResult } from '../../../jobs/types.ts';
import { WORDING } from '../../../requests/wording.ts';
import { captionText, progressText, queuedText } from '../text.ts';

export type StatusPhase = 'queued' | 'progress' | 'done' | 'failed' | 'cancelled' | 'lost';

export interface StatusView {
  phase: StatusPhase;
  text: string;
  /** Blob key of a progress preview image (platforms that show previews upload it now and then). */
  previewKey?: string;
  /** Whether the Cancel button belongs on the message (only while the job may still run). */
  cancellable: boolean;
}

const STARTING = { step: 0, total: 1, stage: 'starting', percent: 0 } as const;

/** The status view of a non-final event, or undefined for final events. */
export function progressView(event: JobEvent): StatusView | undefined {
  switch (event.type) {
    case 'queued':
      return { phase: 'queued', text: queuedText(event.position, event.etaMs, event.workersOnline), cancellable: true };
    case 'active':
      return { phase: 'progress', text: progressText(STARTING), cancellable: true };
    case 'progress':
      return { phase: 'progress', text: progressText(event.progress), previewKey: event.progress.previewKey, cancellable: true };
    default:
      return undefined;
  }
}

/** A failed event as the user sees it; a job lost with Redis is its own phase ("try again"). */
export function failureView(event: Extract<JobEvent, { type: 'failed' }>): StatusView {
  const lost = event.reason.startsWith('lost:');
  return { phase: lost ? 'lost' : 'failed', text: `⚠️ ${event.userMessage || WORDING.renderFailed}`, cancellable: false };
}

export const CANCELLED_VIEW: StatusView = { phase: 'cancelled', text: `✖️ ${WORDING.cancelled}`, cancellable: false };

/** The caption of a finished result, e.g. "Style: The Scream · strength 0.8 · 64×48 · 1.2 s". */
export function resultCaption(event: Extract<JobEvent, { type: 'completed' }>): string {
  return captionText(event.result as JobResult, { strength: event.request.options.strength });
}
