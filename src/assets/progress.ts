/**
 * How `easel assets` shows its work: on a terminal, one progress bar (bytes and files, with an
 * ETA, drawn by cli-progress); elsewhere (CI logs, containers), one line per downloaded file and
 * per retry or failure, and one line for what came from the local folder.
 */
import { SingleBar } from 'cli-progress';
import type { AssetEntry } from './manifest.ts';
import type { AssetProblem, InstallProgress, Provenance } from './install.ts';

const mb = (n: number) => (n < 100_000 ? `${Math.round(n / 1000)} kB` : `${(n / 1e6).toFixed(1)} MB`);

export function createProgress(stream: NodeJS.WriteStream = process.stderr): InstallProgress {
  return stream.isTTY ? barProgress(stream) : lineProgress(stream);
}

export function barProgress(stream: NodeJS.WriteStream): InstallProgress {
  let files = 0;
  let totalFiles = 0;
  let totalBytes = 0;
  let value = 0;
  const bar = new SingleBar({
    stream,
    format: 'assets {bar} {percentage}% | {mb} of {totalMb} | {files}/{totalFiles} files | ETA {eta_formatted}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 50,
  });
  const payload = () => ({ mb: mb(value), totalMb: mb(totalBytes), files, totalFiles });
  return {
    begin(plan) {
      totalFiles = plan.files;
      totalBytes = plan.bytes;
      bar.start(plan.bytes, 0, payload());
    },
    bytes(n) {
      value += n;
      bar.update(value, payload());
    },
    installed() {
      files++;
      bar.update(value, payload());
    },
    retry(entry, attempt, why, delayMs) {
      // Above the bar, which cli-progress redraws on the next update.
      stream.write(`\r\x1b[K  retrying ${entry.target} in ${(delayMs / 1000).toFixed(1)} s (try ${attempt} failed: ${why})\n`);
    },
    failed(problem: AssetProblem) {
      stream.write(`\r\x1b[K  failed ${problem.target}: ${problem.detail}\n`);
    },
    end() {
      bar.update(value, payload());
      bar.stop();
    },
  };
}

export function lineProgress(stream: NodeJS.WritableStream): InstallProgress {
  let fromFolder = 0;
  let folderBytes = 0;
  let folder = '';
  let done = 0;
  let total = 0;
  let failures = 0;
  const SHOWN_FAILURES = 5;
  return {
    begin(plan) {
      total = plan.files;
      stream.write(`easel: installing ${plan.files} asset file${plan.files === 1 ? '' : 's'} (${mb(plan.bytes)}) from ${plan.sources.join(', then ')}\n`);
    },
    bytes() {},
    installed(entry: AssetEntry, from: Provenance, where: string) {
      done++;
      if (from === 'folder') {
        fromFolder++;
        folderBytes += entry.size;
        folder = where;
        return;
      }
      stream.write(`  [${done}/${total}] ${entry.target} (${mb(entry.size)}) from ${where}\n`);
    },
    retry(entry, attempt, why, delayMs) {
      stream.write(`  retrying ${entry.target} in ${(delayMs / 1000).toFixed(1)} s (try ${attempt} failed: ${why})\n`);
    },
    failed(problem) {
      // A few failures in full; the summary after the run groups them all.
      if (++failures <= SHOWN_FAILURES) stream.write(`  failed ${problem.target}: ${problem.detail}\n`);
    },
    end() {
      if (failures > SHOWN_FAILURES) stream.write(`  … and ${failures - SHOWN_FAILURES} more failed\n`);
      if (fromFolder) stream.write(`  ${fromFolder} file${fromFolder === 1 ? '' : 's'} (${mb(folderBytes)}) copied from ${folder}\n`);
    },
  };
}
