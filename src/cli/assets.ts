/**
 * `easel assets`: install (from the assets folder, a mirror, or the public sources) and verify the
 * weights and preset images; `--verify` only checks; `--licences` tells whose files they are.
 */
import { existsSync } from 'node:fs';
import { loadConfig, type Config } from '../config.ts';
import { installAssets, verifyAssets, AssetsError, ASSETS, isUnpublishedAndMissing, type InstallReport } from '../assets/install.ts';
import { licences } from '../assets/manifest.ts';
import { createProgress } from '../assets/progress.ts';

export interface AssetsCliOptions {
  from?: string;
  link?: boolean;
  verify?: boolean;
  json?: boolean;
  licences?: boolean;
  mirror?: string;
  /** commander's --no-download */
  download?: boolean;
  concurrency?: number;
}

export async function runAssets(opts: AssetsCliOptions): Promise<void> {
  const config = loadConfig();
  const root = process.cwd();
  if (opts.licences) return printLicences(opts.json);
  if (opts.verify) {
    const problems = await verifyAssets(root);
    const absent = problems.filter((p) => isUnpublishedAndMissing(p));
    const fatal = problems.filter((p) => !isUnpublishedAndMissing(p));
    if (fatal.length) throw new AssetsError(fatal, 'Run `npx easel assets` to install them.');
    const present = ASSETS.length - absent.length;
    print(
      opts.json,
      { ok: true, files: ASSETS.length, verified: present, unavailable: absent.map((p) => p.target) },
      `easel: all ${present} asset files present and verified${absent.length ? ` (${absent.length} unpublished files absent: ${absent.map((p) => p.target).join(', ')})` : ''}`,
    );
    return;
  }
  if (opts.from && !existsSync(opts.from)) throw new Error(`--from ${opts.from}: no such folder`);
  const report = await install(config, opts);
  const via = [report.fromFolder && `${report.fromFolder} from the folder`, report.fromMirror && `${report.fromMirror} from the mirror`, report.downloaded && `${report.downloaded} downloaded (${(report.bytesDownloaded / 1e6).toFixed(1)} MB)`].filter(Boolean);
  print(
    opts.json,
    { ok: true, ...report, files: ASSETS.length },
    `easel: assets ready — ${report.installed} installed${via.length ? ` (${via.join(', ')})` : ''}, ${report.alreadyOk} already present, all ${ASSETS.length - report.unavailable.length} verified (from ${report.source})` +
      (report.unavailable.length ? `\neasel: ${report.unavailable.length} files are published nowhere and no assets folder or mirror had them (the fast-style reference outputs some tests compare against; they are skipped without them): ${report.unavailable.join(', ')}` : '') +
      report.warnings.map((w) => `\neasel: warning: ${w}`).join(''),
  );
}

/** The installer as the CLI, `easel demo` and the test setup run it: folder, then mirror or public sources. */
export async function install(config: Config, opts: AssetsCliOptions = {}, entries = ASSETS): Promise<InstallReport> {
  return installAssets({
    root: process.cwd(),
    source: opts.from ?? config.assets.source,
    mirror: opts.mirror ?? config.assets.mirror,
    download: opts.download ?? true,
    link: opts.link,
    concurrency: opts.concurrency,
    entries,
    progress: opts.json ? undefined : createProgress(),
  });
}

function printLicences(json: boolean | undefined) {
  const groups = licences();
  if (json) {
    process.stdout.write(`${JSON.stringify(groups)}\n`);
    return;
  }
  const lines = ['Licences of the assets (src/assets/manifest.json) — a best-effort reading, not legal advice.', ''];
  for (const g of groups) {
    lines.push(
      g.repository
        ? `${g.repository.replace(/^https:\/\//, '')} @ ${g.commit?.slice(0, 7)} — ${g.files} file${g.files === 1 ? '' : 's'}, ${(g.bytes / 1e6).toFixed(1)} MB; repository licence: ${g.repositoryLicence}`
        : `Published nowhere (made for Easel; only an assets folder or a mirror has them) — ${g.files} file${g.files === 1 ? '' : 's'}, ${(g.bytes / 1e6).toFixed(1)} MB`,
    );
    for (const l of g.byLicence) lines.push(`  ${l.licence}: ${l.targets.length > 3 ? `${l.targets.length} files (${commonFolder(l.targets)})` : l.targets.join(', ')}`);
    lines.push('');
  }
  process.stdout.write(lines.join('\n'));
}

function commonFolder(targets: string[]): string {
  const parts = targets.map((t) => t.split('/'));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length - 1 && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  return `${common.join('/')}/…`;
}

function print(json: boolean | undefined, obj: object, text: string) {
  process.stdout.write(json ? `${JSON.stringify(obj)}\n` : `${text}\n`);
}
