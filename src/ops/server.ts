/**
 * Operator endpoints on `config.ops.metricsPort` (EASEL_METRICS_PORT, default 9464), bound to
 * EASEL_OPS_HOST (default 127.0.0.1: nothing is reachable from outside the host unless asked):
 *
 *   GET /healthz        200 when Redis answers and every part of this process is up, else 503; JSON
 *   GET /metrics        Prometheus text (queue depth, waiting and render times, failures, deliveries)
 *   /admin/queues       Bull Board, only with EASEL_DASHBOARD and EASEL_DASHBOARD_PASSWORD: behind
 *                       basic auth, read-only unless EASEL_DASHBOARD_READ_ONLY=false, and with every
 *                       token or secret in job data shown as "[redacted]"
 *
 * Several easel processes on one host (a worker per GPU, a bot) each get a port: when the
 * configured one is taken, the next free one is used and logged.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Queue } from 'bullmq';
import type { Logger } from '../log.ts';
import type { Metrics } from './metrics.ts';

/** One part of the process (bot, worker, adapters) reporting on itself. */
export interface HealthCheck {
  name: string;
  check(): Promise<{ ok: boolean } & Record<string, unknown>>;
}

export interface OpsServerOptions {
  port: number;
  /** Listen address (default 127.0.0.1; EASEL_OPS_HOST). */
  host?: string;
  metrics: Metrics;
  /** Redis reachability: the first thing /healthz reports. */
  redisPing(): Promise<boolean>;
  checks: HealthCheck[];
  /** Bull Board over these queues, behind basic auth (EASEL_DASHBOARD + EASEL_DASHBOARD_PASSWORD). */
  dashboard?: { queues: Queue[]; user: string; password: string; readOnly: boolean };
  log: Logger;
}

export interface OpsServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export const DASHBOARD_PATH = '/admin/queues';
/** Ports tried after the configured one is taken, before any free port. */
export const PORT_FALLBACKS = 10;

const SECRET_KEY = /token|secret|password|authorization/i;

/** A copy of job data with every token-like field's value replaced (interaction tokens post as the app for 15 minutes). */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== undefined && v !== null ? '[redacted]' : redactSecrets(v)]));
  }
  return value;
}

/** Basic auth with a constant-time comparison; browsers ask for the credentials. */
function basicAuth(user: string, password: string): express.RequestHandler {
  const expected = Buffer.from(`${user}:${password}`);
  return (req, res, next) => {
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const given = m ? Buffer.from(m[1], 'base64') : Buffer.alloc(0);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.set('WWW-Authenticate', 'Basic realm="easel dashboard", charset="UTF-8"').status(401).type('text/plain').send('authentication required\n');
  };
}

export async function startOpsServer(opts: OpsServerOptions): Promise<OpsServer> {
  const app = express();
  app.disable('x-powered-by');

  app.get('/healthz', async (_req, res) => {
    const redisUp = await opts.redisPing().catch(() => false);
    const parts: Record<string, unknown> = {};
    let ok = redisUp;
    for (const c of opts.checks) {
      try {
        const r = await c.check();
        parts[c.name] = r;
        ok &&= r.ok;
      } catch (err) {
        parts[c.name] = { ok: false, error: (err as Error).message };
        ok = false;
      }
    }
    res.status(ok ? 200 : 503).json({ ok, redis: redisUp ? 'up' : 'down', ...parts });
  });

  app.get('/metrics', async (_req, res) => {
    try {
      const body = await opts.metrics.registry.metrics();
      res.type(opts.metrics.registry.contentType).send(body);
    } catch (err) {
      opts.log.warn({ err }, 'metrics collection failed');
      res.status(500).type('text/plain').send(`# metrics collection failed: ${(err as Error).message}\n`);
    }
  });

  const board = opts.dashboard;
  if (board?.queues.length) {
    // Loaded only when asked for: Bull Board pulls in its UI bundle.
    const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/express'),
    ]);
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(DASHBOARD_PATH);
    const adapters = board.queues.map((q) => {
      const adapter = new BullMQAdapter(q, { readOnlyMode: board.readOnly, allowRetries: !board.readOnly });
      adapter.setFormatter('data', redactSecrets);
      adapter.setFormatter('returnValue', redactSecrets);
      return adapter;
    });
    createBullBoard({ queues: adapters, serverAdapter });
    app.use(DASHBOARD_PATH, basicAuth(board.user, board.password), serverAdapter.getRouter());
    opts.log.info({ path: DASHBOARD_PATH, readOnly: board.readOnly }, 'queue dashboard enabled (basic auth)');
  }

  const host = opts.host ?? '127.0.0.1';
  const server = await listenWithFallback(app, opts.port, host, opts.log);
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, host }, 'ops endpoints listening (/healthz, /metrics)');
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Express 5 hands a listen error to this callback too; a port in use must not look like success.
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
}

/** The configured port, else the next PORT_FALLBACKS ones, else any free port (0 = any, at once). */
async function listenWithFallback(app: express.Express, port: number, host: string, log: Logger): Promise<Server> {
  const candidates = port === 0 ? [0] : [...Array.from({ length: PORT_FALLBACKS + 1 }, (_, i) => port + i).filter((p) => p <= 65535), 0];
  for (const candidate of candidates) {
    try {
      const server = await listen(app, candidate, host);
      if (candidate !== port) log.warn({ configured: port, port: (server.address() as AddressInfo).port }, 'EASEL_METRICS_PORT is taken (another easel process on this host?): ops endpoints on another port');
      return server;
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error(`no free port for /healthz and /metrics on ${host}`);
}
