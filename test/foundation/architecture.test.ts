/**
 * The rules of the house (../shared/DESIGN.md), checked on the source: the core never imports a
 * chat platform, imports run one way (adapters → chat core → core), Discord's interaction handlers
 * stand alone, and only src/config.ts reads the environment.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
/** A relative import resolved to a path from the repository root (bare package names as they are). */
const resolved = (file: string, spec: string) => (spec.startsWith('.') ? path.normalize(path.join(path.dirname(file), spec)) : spec);
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

  it('imports run one way: nothing outside src/chat and the CLI imports src/chat, and the chat core imports no adapter', () => {
    const offenders: string[] = [];
    for (const file of sources('src')) {
      const inChat = file.startsWith('src/chat/');
      const isEntry = file.startsWith('src/cli/') || file === 'src/cli.ts';
      for (const spec of imports(file)) {
        const target = resolved(file, spec);
        if (!inChat && !isEntry && target.startsWith('src/chat/')) offenders.push(`${file} imports ${spec}`);
        if (file.startsWith('src/chat/common/') && /^src\/chat\/(discord|slack)\//.test(target)) offenders.push(`${file} imports ${spec}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("Discord's interaction handlers stand alone: one file each, none imports another, each one registered", () => {
    const handlerDirs = ['commands', 'buttons', 'selects', 'modals'].map((d) => `src/chat/discord/${d}`).filter((d) => existsSync(d));
    const registries = ['src/chat/discord/commands/index.ts'];
    const handlers = handlerDirs.flatMap(sources).filter((f) => !registries.includes(f));
    expect(handlers.length).toBeGreaterThanOrEqual(13);
    const offenders = handlers.flatMap((file) => imports(file).filter((spec) => handlers.includes(resolved(file, spec))).map((spec) => `${file} imports ${spec}`));
    expect(offenders).toEqual([]);
    // Every handler file is in a registry (a file the router cannot reach is dead code).
    const registered = [...registries, 'src/chat/discord/components.ts'].flatMap((r) => imports(r).map((spec) => resolved(r, spec)));
    expect(handlers.filter((f) => !registered.includes(f))).toEqual([]);
    // Nothing is left at the top of the repository that the adapter would have to reach up to.
    expect(existsSync('commands/index.ts')).toBe(false);
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
