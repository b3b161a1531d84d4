import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const easel = path.resolve('bin/easel.js');

async function easelRun(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  try {
    const r = await run(process.execPath, [easel, ...args], { cwd, env: { ...process.env, ...env }, timeout: 180_000 }); // a render takes seconds idle, over a minute at load ~30
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('easel CLI', () => {
  it('lists its commands', async () => {
    const r = await easelRun(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['stylize', 'bot', 'worker', 'start', 'assets', 'deploy-commands', 'shards', 'demo', 'bench']) expect(r.stdout).toContain(c);
  });

  it('invalid config: one clear message naming the variable, exit 2', async () => {
    const r = await easelRun(['assets', '--verify'], { EASEL_MAX_SIZE: 'lots' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EASEL_MAX_SIZE');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace for the operator
  });

  it('reads .env from the working directory; the environment wins over it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'easel-dotenv-'));
    try {
      await writeFile(path.join(dir, '.env'), 'EASEL_MAX_SIZE=lots\n');
      const fromFile = await easelRun(['assets', '--verify'], {}, dir);
      expect(fromFile.code).toBe(2);
      expect(fromFile.stderr).toContain('EASEL_MAX_SIZE');
      const envWins = await easelRun(['assets', '--verify'], { EASEL_MAX_SIZE: '512' }, dir);
      expect(envWins.stderr).not.toContain('EASEL_MAX_SIZE');
      expect(envWins.stderr).toMatch(/Assets are missing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('answers user mistakes in one line, without a stack trace', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['stylize', '/nonexistent/photo.jpg', '--style', 'starry-night'], /photo \/nonexistent\/photo\.jpg: no such file/],
      [['stylize', 'presets/photos/stata.jpg', '--style', 'van-gough'], /neither a file nor a preset — did you mean starry-night/],
      [['stylize', 'presets/photos/stata.jpg'], /required option '-s, --style/],
      [['stylize', 'presets/photos/stata.jpg', '--style', 'starry-night', '--size', 'big'], /--size must be a number/],
      [['stylize', 'presets/photos/stata.jpg', '--style', 'starry-night', '-o', 'out/x.bmp'], /name it \.png, \.jpg, \.gif or \.webp/],
      [['stylize', 'presets/photos/stata.jpg', '--style', 'starry-night', '-o', 'out/x.webp'], /still image: an animated result .* or write \.png \/ \.jpg/],
      [['assets', '--from', '/nonexistent/assets'], /--from \/nonexistent\/assets: no such folder/],
      [['stylize', 'presets/photos/stata.jpg', '--style', 'starry-night', '--brush', 'huge'], /--brush <size>' argument 'huge' is invalid.*fine, normal, bold/],
      [['stylize', 'presets/photos/stata.jpg', '--style', 'starry-night', '--brush', 'bold', '--style-scale', '2'], /--brush <size>' cannot be used with option '--style-scale/],
    ];
    for (const [args, expected] of cases) {
      const r = await easelRun(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('prints the licence of each source repository and file', async () => {
    const r = await easelRun(['assets', '--licences']);
    expect(r.code, r.stderr).toBe(0);
    for (const repo of ['azertat/tfjs_models', 'reiinakano/fast-style-transfer-deeplearnjs', 'jcjohnson/neural-style', 'cysmith/neural-style-tf']) expect(r.stdout).toContain(`github.com/${repo} @ `);
    expect(r.stdout).toMatch(/CC BY 4\.0 \(VGG weights, Simonyan & Zisserman\): 21 files \(weights\/vgg19\/…\)/);
    expect(r.stdout).toContain('repository licence: GPL-3.0');
    expect(r.stdout).toMatch(/Published nowhere .* 8 files/);
    const json = JSON.parse((await easelRun(['assets', '--licences', '--json'])).stdout);
    expect(json.reduce((n: number, g: { files: number }) => n + g.files, 0)).toBe(339);
  });

  it('verifies installed assets', async () => {
    const r = await easelRun(['assets', '--verify', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  });

  it('--brush fine and --brush bold paint the same photo and painting differently', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'easel-brush-'));
    try {
      const paint = async (brush: string) => {
        const out = path.join(dir, `${brush}.png`);
        const r = await easelRun(['stylize', 'presets/photos/stata.jpg', '--style', 'starry-night', '--brush', brush, '--size', '32', '--iterations', '4', '--seed', '1', '-o', out]);
        expect(r.code, r.stderr).toBe(0);
        return sharp(out).raw().toBuffer();
      };
      const [fine, bold] = [await paint('fine'), await paint('bold')];
      expect(fine.length).toBe(bold.length);
      expect(fine.equals(bold)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 400_000);

  it('demo paints the bundled example to the file it names', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'easel-demo-'));
    try {
      const out = path.join(dir, 'demo.png');
      const r = await easelRun(['demo', '--size', '48', '--quality', 'draft', '-o', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Result: ${out}`);
      const meta = await sharp(out).metadata();
      expect(Math.max(meta.width!, meta.height!)).toBe(48);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 400_000);

  it('missing assets: one clear message, exit 2', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'easel-empty-'));
    try {
      const r = await easelRun(['assets'], { EASEL_ASSETS: path.join(empty, 'nowhere') }, empty);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/Assets are missing or corrupt/);
      expect(r.stderr).toContain('weights/vgg19/: 21 missing');
      expect(r.stderr).toContain('does not exist');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
