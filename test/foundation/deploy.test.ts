// The compose file and Dockerfile as read; `npm run test:container` (docker/test-container.sh) builds
// and runs them for real where a container engine can start.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true });
const dockerfile = readFileSync('Dockerfile', 'utf8');
const cliCommands = [...readFileSync('src/cli.ts', 'utf8').matchAll(/\.command\('([a-z-]+)'\)/g)].map((m) => m[1]);

describe('docker-compose.yml', () => {
  it('has redis with append-only persistence, bot, GPU worker and a CPU worker profile', () => {
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['bot', 'redis', 'worker', 'worker-cpu']);
    expect(s.redis.command).toContain('--appendonly');
    expect(s.redis.command[s.redis.command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(s.worker.deploy.resources.reservations.devices[0]).toMatchObject({ driver: 'nvidia', capabilities: ['gpu'] });
    expect(s['worker-cpu'].profiles).toEqual(['cpu']);
  });

  it('runs real easel commands, from Dockerfile targets that exist', () => {
    const targets = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)/gm)].map((m) => m[1]);
    for (const name of ['bot', 'worker', 'worker-cpu']) {
      const svc = compose.services[name];
      expect(cliCommands).toContain(svc.command[0]);
      expect(targets).toContain(svc.build.target);
      expect(svc.environment.REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('publishes ops ports on loopback only, gives workers no chat tokens, and runs Redis without eviction', () => {
    for (const [name, svc] of Object.entries<any>(compose.services)) {
      for (const p of svc.ports ?? []) if (String(p).includes('9464')) expect(String(p), name).toMatch(/^127\.0\.0\.1:/);
    }
    for (const name of ['worker', 'worker-cpu']) {
      for (const token of ['DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET']) expect(compose.services[name].environment[token], `${name} ${token}`).toBe('');
    }
    const redis = compose.services.redis.command;
    expect(redis[redis.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
  });

  it('builds and runs offline-capable: overridable base images, no frontend fetched, assets installed at start into volumes', () => {
    expect(dockerfile.split('\n')[0]).not.toMatch(/^# *syntax=/);
    expect(compose.services.redis.image).toBe('${REDIS_IMAGE:-redis:7-alpine}');
    for (const name of ['bot', 'worker', 'worker-cpu']) {
      const svc = compose.services[name];
      expect(svc.build.args.NODE_IMAGE, name).toBe('${NODE_IMAGE:-node:20-bookworm-slim}');
      expect(svc.volumes, name).toEqual(expect.arrayContaining(['easel-weights:/app/weights', 'easel-paintings:/app/presets/images', 'easel-photos:/app/presets/photos']));
      expect(svc.environment.EASEL_ASSETS_URL, name).toBe('${EASEL_ASSETS_URL:-}');
    }
    expect(readFileSync('docker/entrypoint.sh', 'utf8')).toMatch(/easel\.js assets\n/);
  });

  it('copies only files that exist into the image', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1].split(/\s+/)) expect(existsSync(src), src).toBe(true);
    }
  });

  it('builds the gpu worker on a CUDA 13 base, with the provider installed from npm and checked by ldd', () => {
    // the CUDA provider of ONNX Runtime 1.29.0 links CUDA 13 (docker/check-cuda-provider.sh fails a CUDA 12 base)
    expect(dockerfile).toMatch(/^ARG GPU_BASE=nvidia\/cuda:13\.[0-9.]+-cudnn-runtime-/m);
    const gpuStage = dockerfile.slice(dockerfile.indexOf('AS gpu'));
    expect(gpuStage).not.toContain('--onnxruntime-node-install');
    expect(gpuStage).toMatch(/node bin\/easel\.js gpu install && .*easel-check-cuda-provider/);
    expect(gpuStage).toContain('EASEL_ONNX_PROVIDERS=cuda');
  });
});
