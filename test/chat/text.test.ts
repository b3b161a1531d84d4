import { describe, expect, it } from 'vitest';
import { formatEta, progressBar, queuedText } from '../../src/chat/common/text.ts';

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
});
