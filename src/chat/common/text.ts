/**
 * The status message's parts shared by every chat adapter, platform-neutral: progress bar, ETA,
 * captions. Its sentences (and every other) are in the one table, requests/wording.ts; platform
 * formatting (mentions, markdown flavour) stays in the adapter.
 */
import type { JobProgress, JobResult } from '../../jobs/types.ts';
import { WORDING } from '../../requests/wording.ts';

/** A text progress bar such as `▰▰▰▰▱▱▱▱▱▱ 40%`. */
export function progressBar(percent: number, width = 10): string {
  const p = Math.max(0, Math.min(100, Math.round(percent)));
  const filled = Math.round((p / 100) * width);
  return `${'▰'.repeat(filled)}${'▱'.repeat(width - filled)} ${p}%`;
}

/** "about 40 s", "about 3 min", or '' when unknown. */
export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return `about ${s} s`;
  return `about ${Math.round(s / 60)} min`;
}

export function queuedText(position: number, etaMs?: number, workersOnline?: number): string {
  return `🎨 ${WORDING.queued(position, formatEta(etaMs), workersOnline)}`;
}

export function progressText(p: JobProgress): string {
  const eta = formatEta(p.etaMs);
  const frames = framesDone(p);
  return `🖌️ Painting… ${progressBar(p.percent)}${frames ? ` · ${frames}` : ''}${eta ? ` · ${eta} left` : ''}`;
}

/** An animation reports stages "frame k/n" with `step` frames finished: "2/6 frames done". */
function framesDone(p: JobProgress): string | undefined {
  return /^frame \d+\/\d+$/.test(p.stage) ? `${p.step}/${p.total} frames done` : undefined;
}

export function captionText(r: JobResult, opts: { strength?: number } = {}): string {
  const secs = (r.renderMs / 1000).toFixed(r.renderMs < 10_000 ? 1 : 0);
  const parts = [`Style: ${r.styleLabel}`];
  if (opts.strength !== undefined) parts.push(`strength ${opts.strength}`);
  parts.push(`${r.width}×${r.height}`);
  if (r.animation) parts.push(`${r.animation.frames} frames`);
  parts.push(r.cached ? 'from cache' : `${secs} s`);
  return parts.join(' · ');
}
