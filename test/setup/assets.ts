/**
 * vitest globalSetup: the tests render with the real weights and paintings, so install them first,
 * the way `easel assets` does (the assets folder, else a mirror or the public sources). On a fresh
 * clone with internet this downloads them once; with neither, the run stops here with one message
 * saying how to provide them instead of every engine test failing on its own.
 */
import { loadConfig } from '../../src/config.ts';
import { install } from '../../src/cli/assets.ts';

export default async function setup(): Promise<void> {
  const report = await install(loadConfig());
  if (report.installed) process.stderr.write(`test setup: ${report.installed} asset files installed (${report.alreadyOk} were in place)\n`);
  if (report.unavailable.length) process.stderr.write(`test setup: ${report.unavailable.length} unpublished files absent; the tests that compare against them are skipped\n`);
}
