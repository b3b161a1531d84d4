/**
 * `easel start` runs the worker in a child process (`easel worker`) rather than in the bot's own
 * event loop: a render step can hold the CPU for seconds (the first ONNX session at a new size, a
 * tfjs-wasm kernel), and the chat adapters must answer within Discord's and Slack's 3 s. The child
 * is restarted if it dies and stopped gracefully (SIGTERM → it finishes or hands back its job).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';

const EASEL_BIN = fileURLToPath(new URL('../../bin/easel.js', import.meta.url));

export interface WorkerProcess {
  isRunning(): boolean;
  readonly pid: number | undefined;
  /** SIGTERM the child and wait for it (SIGKILL after `graceMs`). */
  stop(graceMs: number): Promise<void>;
}

export function superviseWorkerProcess(opts: { concurrency?: number; log: Logger; env?: NodeJS.ProcessEnv }): WorkerProcess {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = () => {
    const args = [EASEL_BIN, 'worker', '--supervised', ...(opts.concurrency ? ['--concurrency', String(opts.concurrency)] : [])];
    // The worker's own /metrics would collide with the parent's port: give it an ephemeral one.
    const c = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...opts.env, EASEL_METRICS_PORT: '0' } });
    child = c;
    const started = Date.now();
    opts.log.info({ pid: c.pid }, 'worker process started');
    c.on('exit', (code, signal) => {
      if (child === c) child = undefined;
      if (stopping) return;
      // Back off when it dies straight away (e.g. broken assets), reset after a healthy run.
      restarts = Date.now() - started > 60_000 ? 0 : restarts + 1;
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(restarts, 5));
      opts.log.error({ code, signal, restartInMs: delay }, 'worker process exited; restarting');
      restartTimer = setTimeout(launch, delay);
    });
  };
  launch();

  return {
    isRunning: () => child !== undefined && child.exitCode === null,
    get pid() {
      return child?.pid;
    },
    stop: async (graceMs) => {
      stopping = true;
      clearTimeout(restartTimer);
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
