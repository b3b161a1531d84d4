import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig } from '../../src/config.ts';

describe('config', () => {
  it('has working defaults for an empty environment', () => {
    const c = loadConfig({}, '/nonexistent/project');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.render.defaultSize).toBe(512);
    expect(c.render.maxSize).toBe(1024);
    expect(c.discord).toBeUndefined();
    expect(c.slack).toBeUndefined();
    expect(c.assets.source).toBeUndefined();
  });

  it('enables a platform only when its token is set, and normalises API bases', () => {
    const c = loadConfig({ DISCORD_TOKEN: 'abc', DISCORD_API_BASE: 'http://127.0.0.1:9999/api/', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'http://127.0.0.1:9998/api' });
    expect(c.discord?.apiBase).toBe('http://127.0.0.1:9999/api');
    expect(c.slack?.apiUrl).toBe('http://127.0.0.1:9998/api/');
    expect(c.slack?.appToken).toBe('xapp-1');
  });

  it('names every invalid variable in one error', () => {
    let err: unknown;
    try {
      loadConfig({ EASEL_DEFAULT_SIZE: 'huge', REDIS_URL: 'not a url', EASEL_DEFAULT_QUALITY: 'ultra', SLACK_BOT_TOKEN: 'xoxb' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const v of ['EASEL_DEFAULT_SIZE', 'REDIS_URL', 'EASEL_DEFAULT_QUALITY', 'SLACK_SIGNING_SECRET']) expect(msg).toContain(v);
    expect((err as ConfigError).problems).toHaveLength(4);
  });

  it('parses the ONNX provider list and refuses unknown providers', () => {
    expect(loadConfig({}).render.onnxProviders).toBeUndefined();
    expect(loadConfig({ EASEL_ONNX_PROVIDERS: 'TensorRT, cuda,cpu' }).render.onnxProviders).toEqual(['tensorrt', 'cuda', 'cpu']);
    expect(() => loadConfig({ EASEL_ONNX_PROVIDERS: 'cuda,metal' })).toThrow(/EASEL_ONNX_PROVIDERS/);
    // `auto` is the default (cuda, then cpu)
    expect(loadConfig({ EASEL_ONNX_PROVIDERS: 'auto' }).render.onnxProviders).toBeUndefined();
  });

  it('refuses a default size above the maximum', () => {
    expect(() => loadConfig({ EASEL_DEFAULT_SIZE: '2048', EASEL_MAX_SIZE: '1024' })).toThrow(/EASEL_DEFAULT_SIZE must not exceed EASEL_MAX_SIZE/);
  });

  it('.env.example documents every variable', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const missing = ENV_VARS.filter((v) => !documented.has(v) && v !== 'NODE_ENV');
    expect(missing).toEqual([]);
  });
});
