import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const easel = path.resolve('bin/easel.js');

async function easelRun(args: string[], env: Record<string, string> = {}, cwd = process.cwd()) {
  try {
    const r = await run(process.execPath, [easel, ...args], { cwd, env: { ...process.env, ...env }, timeout: 60_000 });
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
    for (const c of ['stylize', 'bot', 'worker', 'start', 'assets', 'deploy-commands', 'demo', 'bench']) expect(r.stdout).toContain(c);
  });

  it('invalid config: one clear message naming the variable, exit 2', async () => {
    const r = await easelRun(['assets', '--verify'], { EASEL_MAX_SIZE: 'lots' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EASEL_MAX_SIZE');
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace for the operator
  });

  it('verifies installed assets', async () => {
    const r = await easelRun(['assets', '--verify', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  });

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
  });

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
