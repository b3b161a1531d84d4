/**
 * Measures, in one `easel start`-style process (bot + worker): how fast interactions are answered
 * while a render runs, the event loop's longest stall, and how the status edits were spaced.
 * Not a test (nothing asserted); run by hand:
 *
 *   npx tsx test/discord/measure-latency.ts
 */
import { deferral, originalEdits, startHarness } from './harness.ts';

const h = await startHarness({ name: 'discord-measure' });
try {
  const fake = h.fake;
  const user = h.user('m');
  const lag: number[] = [];
  const stalls: string[] = [];
  const started = Date.now();
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    const late = now - last - 50;
    lag.push(late);
    if (late > 300) stalls.push(`+${late} ms at ${now - started} ms`);
    last = now;
  }, 50);

  // A style image → an optimisation ('draft') render of several seconds, in this process.
  const rec = h.slash(user, 'stylize', { photo: h.photo(64), style_image: h.styleImage(48), size: 48 }, { channel: 'voice' });
  const deferred = await deferral(fake, rec);
  const latencies: number[] = [];
  const t0 = Date.now();
  while (!originalEdits(fake, rec).some((r) => r.files.some((f) => f.name === 'easel.png'))) {
    const ac = h.slash(user, 'stylize', { style: 'wa' }, { focused: 'style' });
    const cb = await deferral(fake, ac);
    latencies.push(cb.at - ac.dispatchedAt);
    await new Promise((r) => setTimeout(r, 500));
  }
  clearInterval(tick);
  const edits = originalEdits(fake, rec);
  const gaps = edits.slice(1).map((e, i) => e.at - edits[i].at);
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify(
      {
        deferMs: deferred.at - rec.dispatchedAt,
        renderWallMs: Date.now() - t0,
        autocompleteDuringRenderMs: { n: latencies.length, p50: latencies[Math.floor(latencies.length / 2)], max: latencies.at(-1) },
        eventLoopStallMaxMs: Math.max(...lag),
        stallsOver300Ms: stalls,
        statusEdits: edits.length,
        minGapBetweenEditsMs: Math.min(...gaps),
        editsWithPreview: edits.filter((e) => e.files.some((f) => f.name === 'preview.jpg')).length,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await h.close();
}
