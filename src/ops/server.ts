/**
 * Operator endpoints on `config.ops.metricsPort` (EASEL_METRICS_PORT, default 9464):
 *
 *   GET /healthz        200 when Redis answers and every part of this process is up, else 503; JSON
 *   GET /metrics        Prometheus text (queue depth, waiting and render times, failures, deliveries)
 *   /admin/queues       Bull Board, only when EASEL_DASHBOARD is on — it can retry and delete jobs, so
 *                       keep the port private (or behind an authenticating proxy)
 */
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
  /** Listen address (default all interfaces: inside a container the port is published explicitly). */
  host?: string;
  metrics: Metrics;
  /** Redis reachability: the first thing /healthz reports. */
  redisPing(): Promise<boolean>;
  checks: HealthCheck[];
  /** Queues shown by Bull Board when given (EASEL_DASHBOARD). */
  dashboardQueues?: Queue[];
  log: Logger;
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

export const DASHBOARD_PATH = '/admin/queues';

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

  if (opts.dashboardQueues?.length) {
    // Loaded only when asked for: Bull Board pulls in its UI bundle.
    const [{ createBullBoard }, { BullMQAdapter }, { ExpressAdapter }] = await Promise.all([
      import('@bull-board/api'),
      import('@bull-board/api/bullMQAdapter'),
      import('@bull-board/express'),
    ]);
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(DASHBOARD_PATH);
    createBullBoard({ queues: opts.dashboardQueues.map((q) => new BullMQAdapter(q)), serverAdapter });
    app.use(DASHBOARD_PATH, serverAdapter.getRouter());
    opts.log.warn({ path: DASHBOARD_PATH }, 'queue dashboard enabled: keep this port private');
  }

  const server: Server = await new Promise((resolve, reject) => {
    // Express 5 hands a listen error to this callback too; a port in use must not look like success.
    const s = app.listen(opts.port, opts.host ?? '0.0.0.0', (err?: Error) => (err ? reject(portError(err, opts.port)) : resolve(s)));
    s.once('error', (err) => reject(portError(err, opts.port)));
  });
  const port = (server.address() as AddressInfo).port;
  opts.log.info({ port }, 'ops endpoints listening (/healthz, /metrics)');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A listen failure an operator can act on (two processes on one host both default to 9464). */
function portError(err: Error & { code?: string }, port: number): Error {
  if (err.code === 'EADDRINUSE') {
    return Object.assign(new Error(`port ${port} for /healthz and /metrics is already in use — give each easel process on this host its own EASEL_METRICS_PORT`), { userMessage: `port ${port} (EASEL_METRICS_PORT) is already in use — give each easel process on this host its own EASEL_METRICS_PORT` });
  }
  return err;
}
