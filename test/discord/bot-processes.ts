/**
 * `easel bot` for Discord as real child processes (the CLI an operator runs), each talking to the
 * fake Discord through its own `apiBaseVia(marker)`, so every REST call the fake records says
 * which process made it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/redis.ts';
import type { FakeDiscord } from '../fakes/discord/fake-discord.ts';

export interface DiscordBotProcess {
  readonly marker: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown, no lease released, connections dropped. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startDiscordBot(fake: FakeDiscord, marker: string, env: Record<string, string>): Promise<DiscordBotProcess> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/easel.js'), 'bot'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBaseVia(marker), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += String(d)));
  child.stderr?.on('data', (d) => (out += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`easel bot ${marker} did not start; output:\n${out}`)), 90_000);
    const check = () => {
      if (!out.includes('discord: bot ready')) return;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      resolve();
    };
    child.stdout?.on('data', check);
    child.once('exit', () => reject(new Error(`easel bot ${marker} exited while starting; output:\n${out}`)));
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return { marker, child, output: () => out, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
