/**
 * The one preset resolver that Discord, Slack and the CLI share: every spelling users type.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPresets, resolvePreset } from '../../src/presets/index.ts';
import { REPO_ROOT } from '../helpers/redis.ts';

const catalog = await loadPresets(path.join(REPO_ROOT, 'presets'));

describe('resolvePreset', () => {
  it('finds a preset by id in any spelling, or by its exact title', () => {
    for (const typed of ['starry-night', 'Starry_Night', ' STARRY NIGHT ', 'The Starry Night', 'the starry night']) {
      expect(resolvePreset(catalog, typed)?.id, typed).toBe('starry-night');
    }
    expect(resolvePreset(catalog, 'Great Wave off Kanagawa')).toBeUndefined(); // not the title, not an id
    expect(resolvePreset(catalog, 'mona-lisa-smile')).toBeUndefined();
    expect(resolvePreset(catalog, '')).toBeUndefined();
  });
});
