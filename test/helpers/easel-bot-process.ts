/**
 * `easel bot` as an operator runs it: a child process of bin/easel.js configured only by the
 * environment given (plus PATH and HOME), its stdout and stderr collected, for tests that check
 * start-up lines, a clean SIGTERM and that no secret reaches the logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './redis.ts';

export interface EaselBotProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the first match of `match` in stdout (already printed or to come). */
  waitForOutput(match: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with its exit code. */
  readonly exit: Promise<number | null>;
}

export function spawnEaselBot(env: Record<string, string>): EaselBotProcess {
  let output = '';
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'bot'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitForOutput = (match: RegExp, timeoutMs = 60_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`easel bot never printed ${match}; output:\n${output}`)), timeoutMs);
      const check = () => {
        const m = output.match(match);
        if (!m) return;
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve(m);
      };
      child.stdout?.on('data', check);
      check();
    });
  return { child, output: () => output, waitForOutput, exit };
}
