/**
 * The rules of the house (../shared/DESIGN.md), checked on the source: the core never imports a
 * chat platform, and only src/config.ts reads the environment.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]);

describe('architecture', () => {
  it('keeps platforms out of the core (jobs, engine, images, presets, requests)', () => {
    const offenders: string[] = [];
    for (const layer of ['src/jobs', 'src/engine', 'src/images', 'src/presets', 'src/requests']) {
      for (const file of sources(layer)) {
        for (const spec of imports(file)) {
          if (spec === 'discord.js' || spec.startsWith('@slack/') || spec.startsWith('@discordjs/') || /(^|\/)chat\//.test(spec)) offenders.push(`${file} imports ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the engine knows no Redis, queue or chat', () => {
    const offenders = sources('src/engine').flatMap((file) => imports(file).filter((s) => ['bullmq', 'ioredis'].includes(s) || s.includes('/jobs/')).map((s) => `${file} imports ${s}`));
    expect(offenders).toEqual([]);
  });

  it('the engine takes its settings as arguments: it imports neither the config nor the presets', () => {
    const offenders = sources('src/engine').flatMap((file) => imports(file).filter((s) => /(^|\/)config(\.ts)?$/.test(s) || /(^|\/)presets\//.test(s)).map((s) => `${file} imports ${s}`));
    expect(offenders).toEqual([]);
  });

  it('keeps benchmarks out of src/', () => {
    expect(sources('src').filter((file) => /bench|measure/i.test(path.basename(file)))).toEqual([]);
  });

  it('only src/config.ts reads the environment', () => {
    const readers = sources('src').filter((file) => file !== 'src/config.ts' && /process\.env\b(?!\s*[,}])/.test(readFileSync(file, 'utf8').replace(/\{ \.\.\.process\.env/g, '')));
    expect(readers).toEqual([]);
  });
});
