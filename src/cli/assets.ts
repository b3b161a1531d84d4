import { existsSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { installAssets, verifyAssets, AssetsError, ASSETS } from '../assets/install.ts';

export async function runAssets(opts: { from?: string; link?: boolean; verify?: boolean; json?: boolean }): Promise<void> {
  const config = loadConfig();
  const root = process.cwd();
  if (opts.verify) {
    const problems = await verifyAssets(root);
    if (problems.length) throw new AssetsError(problems, 'Run `npx easel assets` to install them.');
    print(opts.json, { ok: true, files: ASSETS.length }, `easel: all ${ASSETS.length} asset files present and verified`);
    return;
  }
  if (opts.from && !existsSync(opts.from)) throw new Error(`--from ${opts.from}: no such folder`);
  const report = await installAssets({ source: opts.from ?? config.assets.source, root, link: opts.link });
  print(opts.json, { ok: true, ...report, files: ASSETS.length }, `easel: assets ready — ${report.installed} installed, ${report.alreadyOk} already present, all ${ASSETS.length} verified (from ${report.source})`);
}

function print(json: boolean | undefined, obj: object, text: string) {
  process.stdout.write(json ? `${JSON.stringify(obj)}\n` : `${text}\n`);
}
