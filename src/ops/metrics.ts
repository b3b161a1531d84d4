/**
 * Prometheus metrics of one process (bot side, worker side, or both in `easel start`). One registry
 * per process — created here, passed to the jobs client, the worker and the ops server — so tests can
 * run several side by side without prom-client's global registry clashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds: quick feed-forward renders (~0.1 s) up to 'best' optimisations on a CPU (many minutes). */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1200];

export type QueueDepthSource = () => Promise<Record<string, number>>;

export interface Metrics {
  readonly registry: Registry;
  submitted: Counter<'state'>;
  refused: Counter<'code'>;
  waitSeconds: Histogram<'quality'>;
  renderSeconds: Histogram<'quality'>;
  failures: Counter<'code'>;
  deliveries: Counter<'platform' | 'type'>;
  /** A result the user never got: every attempt failed ('undeliverable') or the job vanished from Redis ('lost'). */
  deliveryFailed: Counter<'platform' | 'reason'>;
  /** 1 for the engine and ONNX execution provider this worker renders on (set once at start). */
  engineInfo: Gauge<'engine' | 'provider'>;
  /** Where the queue depth gauge reads from on each scrape (the queue counts). */
  setQueueDepthSource(source: QueueDepthSource): void;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'easel_' });
  let depthSource: QueueDepthSource | undefined;

  new Gauge({
    name: 'easel_queue_jobs',
    help: 'Jobs in the render queue by state (waiting includes prioritized)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      if (!depthSource) return;
      this.reset();
      for (const [state, n] of Object.entries(await depthSource())) this.set({ state }, n);
    },
  });

  return {
    registry,
    submitted: new Counter({ name: 'easel_jobs_submitted_total', help: 'Requests accepted, by outcome (queued, cached, duplicate)', labelNames: ['state'], registers: [registry] }),
    refused: new Counter({ name: 'easel_jobs_refused_total', help: 'Requests refused before queueing, by reason', labelNames: ['code'], registers: [registry] }),
    waitSeconds: new Histogram({ name: 'easel_job_wait_seconds', help: 'Time from submission to a worker starting the job', labelNames: ['quality'], buckets: DURATION_BUCKETS, registers: [registry] }),
    renderSeconds: new Histogram({ name: 'easel_render_seconds', help: 'Render time by quality', labelNames: ['quality'], buckets: DURATION_BUCKETS, registers: [registry] }),
    failures: new Counter({ name: 'easel_job_failures_total', help: 'Failed render attempts by reason code', labelNames: ['code'], registers: [registry] }),
    deliveries: new Counter({ name: 'easel_deliveries_total', help: 'Final job events delivered to chat adapters', labelNames: ['platform', 'type'], registers: [registry] }),
    deliveryFailed: new Counter({ name: 'easel_delivery_failed_total', help: 'Results not delivered: every attempt failed (undeliverable) or the job was lost with Redis (lost); the user got a failure notice', labelNames: ['platform', 'reason'], registers: [registry] }),
    engineInfo: new Gauge({ name: 'easel_engine_info', help: 'The engine and ONNX execution provider this worker renders on (value 1)', labelNames: ['engine', 'provider'], registers: [registry] }),
    setQueueDepthSource(source) {
      depthSource = source;
    },
  };
}
