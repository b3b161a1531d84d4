/**
 * The `easel` command line (commander). Each command's work lives in src/cli/<command>.ts and is
 * imported lazily, so `easel assets` does not pay for loading TensorFlow.js or discord.js.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError, QUALITIES, loadDotEnv } from './config.ts';
import { stylizeFlags } from './cli/stylize-flags.ts';

loadDotEnv();

function int(name: string, min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}
function collect(v: string, prev: string[]) {
  return [...prev, v];
}

const program = new Command()
  .name('easel')
  .description('Paint photos in the style of famous paintings — CLI, chat bot and render worker.')
  .option('--verbose', 'print stack traces of errors')
  .showHelpAfterError('(run with --help for usage)');

const stylize = program
  .command('stylize')
  .description('Stylize one photo with a preset or a style image and write the result to a file.')
  .argument('<content>', 'the photo (file path)')
  .option('-s, --style <preset-id|file>', 'preset id (see `easel styles`) or a style image file; repeat to blend (required)', collect, [])
  .addOption(new Option('--engine <name>', 'engine (default EASEL_ENGINE)').choices(['auto', 'onnx', 'tfjs']))
  .option('-o, --out <file>', 'output file (.png or .jpg; .gif or .webp paints every frame of an animated photo)', 'out/stylized.png')
  .option('--json', 'print one JSON object with the result instead of progress')
  .action(async (content: string, opts, cmd: Command) => {
    if (opts.style.length === 0) cmd.error("error: required option '-s, --style <preset-id|file>' not specified (see `easel styles`)");
    return (await import('./cli/stylize.ts')).runStylize(content, opts);
  });
// The knobs come from the one option table (src/requests/option-table.ts), as Discord's and Slack's do.
for (const flag of stylizeFlags()) stylize.addOption(flag);

program
  .command('styles')
  .description('List the preset styles (and write the gallery image with --gallery <file>).')
  .option('--gallery <file>', 'write the preset gallery image to this file')
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./cli/styles.ts')).runStyles(opts));

program
  .command('bot')
  .description('Run the chat adapters (Discord and/or Slack, whichever has a token).')
  .action(async () => (await import('./cli/serve.ts')).runServe({ bot: true, worker: false }));

program
  .command('worker')
  .description('Run a render worker (one per GPU; add more on other machines against the same Redis).')
  .option('--concurrency <n>', 'jobs at once in this process (default EASEL_WORKER_CONCURRENCY)', int('--concurrency', 1, 64))
  // `easel start` runs its worker with this: the child then stops only on its parent's SIGTERM, not
  // on the terminal's Ctrl-C that reaches the whole process group (the parent shuts it down gracefully).
  .addOption(new Option('--supervised').hideHelp())
  .action(async (opts) => (await import('./cli/serve.ts')).runServe({ bot: false, worker: true, concurrency: opts.concurrency, supervised: opts.supervised }));

program
  .command('start')
  .description('Run the chat adapters and a worker (in a supervised child process) on one machine.')
  .action(async () => (await import('./cli/serve.ts')).runServe({ bot: true, worker: true }));

program
  .command('assets')
  .description('Install weights and preset images into weights/ and presets/ (from EASEL_ASSETS, else a mirror or the public sources), and verify them.')
  .option('--from <dir>', 'assets folder (default EASEL_ASSETS, else ../shared/assets)')
  .option('--mirror <url>', 'a mirror laid out like the assets folder, instead of the public sources (default EASEL_ASSETS_URL)')
  .option('--no-download', 'use only the assets folder: no network')
  .option('--concurrency <n>', 'files downloaded at once (default 4)', int('--concurrency', 1, 32))
  .option('--link', 'symlink instead of copying')
  .option('--verify', 'only verify what is installed')
  .option('--licences', 'print the licence of each source and file')
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./cli/assets.ts')).runAssets(opts));

program
  .command('doctor')
  .description('Check which ONNX execution provider a worker here would render on (CUDA libraries present?), and why.')
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./cli/doctor.ts')).runDoctor(opts));

const gpu = program.command('gpu').description('GPU workers: the CUDA execution provider.');
gpu
  .command('install')
  .description('Install the CUDA execution provider for onnxruntime-node from the npm registry (sha256 and version checked; idempotent).')
  .option('--tarball <file>', 'a local .tgz of the provider package instead of fetching it with npm')
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./cli/gpu.ts')).runGpuInstall(opts));

program
  .command('deploy-commands')
  .description('Register the Discord slash commands (guild-scoped when DISCORD_GUILD_ID is set, else global).')
  .action(async () => (await import('./cli/deploy-commands.ts')).runDeployCommands());

program
  .command('shards')
  .description("Discord's recommended shard count, session starts left, max_concurrency, and a DISCORD_SHARDS split for N processes.")
  .option('--processes <n>', 'bot processes to split the shards between', int('--processes', 1, 10_000), 1)
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./cli/shards.ts')).runShards(opts));

program
  .command('demo')
  .description('Install assets if needed and stylize a bundled example photo to a file.')
  .option('-o, --out <file>', 'output file', 'out/demo.png')
  .option('--size <px>', "output's longest side", int('--size', 32, 4096), 256)
  .addOption(new Option('--quality <tier>', 'fast | draft | balanced | best').choices(QUALITIES).default('draft'))
  .action(async (opts) => (await import('./cli/demo.ts')).runDemo(opts));

program
  .command('bench')
  .description('Benchmark the engines side by side (ms per loss+gradient evaluation, full renders).')
  .option('--sizes <list>', 'sizes in px, comma-separated (default 128,256,512; quality: 256,512)')
  .option('--quick', 'fewer repetitions')
  .option('--only <what>', 'engine|onnx|tfjs|fast|queue|storage|ab|quality (storage: Redis bytes and object-store requests per job, both blob stores; ab: engines interleaved, for a shared machine; quality: distances to the baseline recipe)')
  .option('--pairs <list>', 'quality: photo:preset pairs, comma-separated (default 3 photos × 4 presets)')
  .option('--tiers <list>', 'quality: tiers to render (default draft,balanced,best)')
  .option('--out <prefix>', 'quality: contact sheet path prefix (default out/quality)')
  .option('--strengths <list>', 'quality: measure each pair at these strengths (style, content, difference from the photo), e.g. 0.25,0.5,0.75,1; with a strip of the first pair')
  .option('--seeds <list>', 'quality: measure each pair at these seeds (reroll: difference between seeds, style distances), e.g. 1,2; also at quality fast where the preset has a network')
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('../bench/cli.ts')).runBench(opts));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exit(reportError(err));
}

/** One clear line for the operator; a stack only with --verbose. Returns the exit code. */
function reportError(err: unknown): number {
  const e = err as Error & { userMessage?: string; code?: string; path?: string };
  if (err instanceof ConfigError || e.name === 'AssetsError') {
    process.stderr.write(`easel: ${e.message}\n`);
    return 2;
  }
  let message = e.userMessage ?? e.message;
  if (e.code === 'ENOENT' && e.path) message = `no such file: ${e.path}`;
  else if (e.code === 'EISDIR' && e.path) message = `${e.path} is a folder, not a file`;
  process.stderr.write(`easel: ${message}\n`);
  if (program.opts().verbose && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}
