/**
 * Makes docs/images/discord-chat.png: a real /stylize run (fake Discord, real Redis, jobs, worker
 * and engine), drawn from what the fake received. Not a test; run it by hand:
 *
 *   npx tsx test/discord/screenshot.ts [out.png]
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { attachment } from '../fakes/discord/payloads.ts';
import { renderChatPng } from '../fakes/discord/render-chat.ts';
import { REPO_ROOT } from '../helpers/redis.ts';
import { originalEdits, smallJpeg, startHarness } from './harness.ts';

const out = path.resolve(process.argv[2] ?? path.join(REPO_ROOT, 'docs/images/discord-chat.png'));
const h = await startHarness({ name: 'discord-screenshot', env: { EASEL_MAX_SIZE: '512', EASEL_DEFAULT_SIZE: '384', EASEL_MAX_UPLOAD_BYTES: String(5 * 1024 * 1024) } });
try {
  const fake = h.fake;
  const photo = await smallJpeg(await readFile(path.join(REPO_ROOT, 'presets/photos/golden_gate.jpg')), 640);
  const user = h.user('ada');
  const rec = h.slash(user, 'stylize', { photo: attachment(fake.hostFile('golden_gate.jpg', photo), photo, { filename: 'golden_gate.jpg' }), style: 'the-scream', strength: 0.7 });
  const post = await fake.waitFor('result', () => fake.requestsMatching('POST', /^\/channels\/\d+\/messages$/).find((r) => r.files.length > 0), 120_000);
  const reply = await fake.waitFor('tidied reply', () => originalEdits(fake, rec).find((r) => /thread/.test(r.body.content ?? '')));
  const threadName = fake.requestsMatching('POST', /\/threads$/).at(-1)?.body.name ?? '';
  const rows = (post.body.components ?? []).map((row: any) => row.components.map((c: any) => ({ label: c.label, style: c.style })));
  const png = await renderChatPng(
    'general',
    [{ author: 'Easel', bot: true, context: 'ada used /stylize  photo: golden_gate.jpg  style: The Scream  strength: 0.7', content: reply.body.content, thread: threadName }],
    { threadTitle: threadName, thread: [{ author: 'Easel', bot: true, content: post.body.content.replace(`<@${user.id}>`, '@ada'), image: post.files[0].bytes, buttons: rows }] },
  );
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, png);
  process.stdout.write(`wrote ${out} (${png.length} bytes)\n`);
} finally {
  await h.close();
}
