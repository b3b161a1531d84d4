import { describe, expect, it } from 'vitest';
import { captionText, formatEta, progressBar, progressText, queuedText } from '../../src/chat/common/text.ts';

describe('shared chat wording', () => {
  it('draws a bounded progress bar', () => {
    expect(progressBar(0)).toBe('▱▱▱▱▱▱▱▱▱▱ 0%');
    expect(progressBar(42)).toBe('▰▰▰▰▱▱▱▱▱▱ 42%');
    expect(progressBar(250)).toBe('▰▰▰▰▰▰▰▰▰▰ 100%');
  });

  it('rounds ETAs for people', () => {
    expect(formatEta(undefined)).toBe('');
    expect(formatEta(400)).toBe('about 1 s');
    expect(formatEta(150_000)).toBe('about 3 min');
  });

  it('says when no worker is running instead of promising an ETA', () => {
    expect(queuedText(1, 30_000, 2)).toBe("🎨 Queued — you're next (about 30 s).");
    expect(queuedText(3, 90_000, 1)).toBe('🎨 Queued — position 3, about 2 min.');
    expect(queuedText(3, 90_000, 0)).toMatch(/position 3\. No painter is running right now/);
  });

  it('shows an animation\'s frames done in its progress, and its frames in the caption', () => {
    expect(progressText({ step: 2, total: 6, stage: 'frame 3/6', percent: 33 })).toBe('🖌️ Painting… ▰▰▰▱▱▱▱▱▱▱ 33% · 2/6 frames done');
    expect(progressText({ step: 40, total: 100, stage: 'optimising', percent: 40 })).not.toContain('frames');
    const result = { resultKey: 'k', width: 48, height: 36, engine: 'onnx', backend: 'cpu', iterations: 1, renderMs: 1200, styleLabel: 'The Scream', cached: false };
    expect(captionText({ ...result, animation: { key: 'a', format: 'gif', frames: 6 } })).toBe('Style: The Scream · 48×36 · 6 frames · 1.2 s');
    expect(captionText(result)).toBe('Style: The Scream · 48×36 · 1.2 s');
  });
});
