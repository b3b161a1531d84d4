/**
 * `easel doctor`: what a worker on this machine would render on, and why — the same check the
 * worker runs at start (engine/onnx/provider-deps.ts), printed for an operator.
 */
import { loadConfig } from '../config.ts';
import { diagnoseProvider, planProvider, ProviderUnavailableError } from '../engine/onnx/provider-deps.ts';

export async function runDoctor(opts: { json?: boolean }): Promise<void> {
  const config = loadConfig();
  const asked = config.render.onnxProviders ?? ['cuda', 'cpu'];
  const checks = asked.map((p) => diagnoseProvider(p));
  let plan: { engine: string; provider: string } | undefined;
  let refusal: string | undefined;
  try {
    plan = planProvider(config.render.onnxProviders, config.render.engine);
  } catch (err) {
    if (!(err instanceof ProviderUnavailableError)) throw err;
    refusal = err.message;
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ providers: asked, checks, engine: plan?.engine, provider: plan?.provider, refusal }, null, 2)}\n`);
  } else {
    process.stdout.write(`EASEL_ONNX_PROVIDERS: ${asked.join(',')}\n`);
    for (const c of checks) process.stdout.write(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.reason}${c.fix && !c.ok ? `\n       fix: ${c.fix}` : ''}\n`);
    process.stdout.write(plan ? `a worker here renders with ${plan.engine} on ${plan.provider}\n` : `a worker here refuses to start: ${refusal}\n`);
  }
  if (refusal) process.exitCode = 1;
}
