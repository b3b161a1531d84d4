/**
 * bench/gpu.ts runs end to end and prints its JSON (on the CPU provider here, tiny sizes): the
 * shape the GPU run's closing note and README table are read from. No timing is asserted.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/redis.ts';

describe('bench/gpu.ts', () => {
  it('prints the gradient check, ms per evaluation and both renders as JSON', () => {
    const stdout = execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/gpu.ts', '--provider', 'cpu', '--sizes', '48', '--reps', '1', '--check-size', '48', '--render-size', '48'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 170_000 });
    const r = JSON.parse(stdout);
    expect(r).toMatchObject({ engine: 'onnx', provider: 'cpu', check: { size: '48x32' } });
    expect(r.check.gradRelL2).toBeLessThan(1e-5); // cpu vs cpu
    expect(r.evals).toEqual([expect.objectContaining({ size: '48x32', reps: 1, medianMs: expect.any(Number) })]);
    expect(r.renders.map((x: { quality: string; provider: string }) => [x.quality, x.provider])).toEqual([['balanced', 'cpu'], ['fast', 'cpu']]);
    expect(r.renders[0].iterations).toBeGreaterThan(0);
  }, 180_000);
});
