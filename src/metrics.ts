// Prometheus metrics (prom-client) of one running registry: requests by route and status, publishes, downloads,
// rate-limit refusals, document cache hits, database pool use, background jobs and how long ago downloads were last
// flushed. One registry of metrics per Context (tests build many apps in one process), found with `metricsOf(ctx)`;
// the process-wide Node.js metrics (memory, event loop, GC) are added by the server process only.
import client from 'prom-client';
import type { Context } from './context.js';
import { searchIndexStats } from './services/search-index-sync.js';

export interface PoolStats {
  /** Connections open (busy or idle). */
  total: number;
  idle: number;
  /** Callers waiting for a connection. */
  waiting: number;
  max: number;
}

export class Metrics {
  readonly registry = new client.Registry();
  readonly requestDuration: client.Histogram<'method' | 'route' | 'status'>;
  readonly publishes: client.Counter<'outcome'>;
  readonly downloads: client.Counter;
  readonly rateLimitRefusals: client.Counter<'category'>;
  readonly cacheLookups: client.Counter<'result'>;
  /** cacheLookups by result, its labels hashed once (a hot read counts one). */
  readonly cacheResults: Record<'hit' | 'miss' | 'unavailable', { inc(): void }>;
  readonly jobRuns: client.Counter<'job' | 'outcome'>;
  /** Unix seconds of the last download flush that succeeded; 0 until the first one. */
  lastFlushSeconds = 0;

  constructor(ctx: Context) {
    const registry = this.registry;
    this.requestDuration = new client.Histogram({
      name: 'sounio_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code, with their duration',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.publishes = new client.Counter({
      name: 'sounio_publishes_total',
      help: 'Publish requests by outcome: created (201), identical (200, the same bytes again), refused (4xx), failed (5xx)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.downloads = new client.Counter({
      name: 'sounio_downloads_total',
      help: 'Counted tarball downloads (streamed or redirected) answered by this process',
      registers: [registry],
    });
    this.rateLimitRefusals = new client.Counter({
      name: 'sounio_rate_limit_refusals_total',
      help: 'Requests refused with 429 by rate class',
      labelNames: ['category'],
      registers: [registry],
    });
    this.cacheLookups = new client.Counter({
      name: 'sounio_document_cache_lookups_total',
      help: 'Lookups of serialised documents (package, versions, index files) in the key-value cache, by result',
      labelNames: ['result'],
      registers: [registry],
    });
    this.cacheResults = { hit: this.cacheLookups.labels('hit'), miss: this.cacheLookups.labels('miss'), unavailable: this.cacheLookups.labels('unavailable') };
    this.jobRuns = new client.Counter({
      name: 'sounio_job_runs_total',
      help: 'Background job runs by job and outcome (ok, failed)',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    });
    const metrics = this;
    new client.Gauge({
      name: 'sounio_download_flush_lag_seconds',
      help: 'Seconds since downloads were last flushed into the database (-1 before the first flush)',
      registers: [registry],
      collect() {
        this.set(metrics.lastFlushSeconds === 0 ? -1 : Date.now() / 1000 - metrics.lastFlushSeconds);
      },
    });
    new client.Gauge({
      name: 'sounio_database_pool_connections',
      help: 'Database connections of this process by state (busy, idle, waiting callers, max)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const stats = ctx.db.poolStats?.();
        if (stats === undefined) return;
        this.set({ state: 'busy' }, stats.total - stats.idle);
        this.set({ state: 'idle' }, stats.idle);
        this.set({ state: 'waiting' }, stats.waiting);
        this.set({ state: 'max' }, stats.max);
      },
    });
    new client.Gauge({
      name: 'sounio_search_index_packages',
      help: "Packages in this process's search index; -1 while it is not built (it is built on the first search; until then searches are answered in SQL)",
      registers: [registry],
      collect() {
        const stats = searchIndexStats(ctx);
        this.set(stats.state === 'ready' ? stats.packages : -1);
      },
    });
    new client.Gauge({
      name: 'sounio_backend_up',
      help: 'Whether a backend answered its check during this scrape (1) or not (0)',
      labelNames: ['backend', 'kind'],
      registers: [registry],
      async collect() {
        const probes = [
          ['database', ctx.db.kind, () => ctx.db.ping()],
          ['blobs', ctx.blobs.kind, () => ctx.blobs.ping()],
          ['kv', ctx.kv.kind, () => ctx.kv.ping()],
        ] as const;
        const results = await Promise.all(probes.map(([, , probe]) => answers(probe)));
        probes.forEach(([backend, kind], index) => this.set({ backend, kind }, results[index] ? 1 : 0));
      },
    });
  }

  /** The Node.js process metrics (memory, CPU, event loop lag, GC); once per process, so the server adds them. */
  withProcessMetrics(): this {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'sounio_' });
    return this;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

const PROBE_TIMEOUT_MS = 2000;

async function answers(probe: () => Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([probe(), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

const byContext = new WeakMap<Context, Metrics>();

/** The metrics of a running registry (created on first use). */
export function metricsOf(ctx: Context): Metrics {
  let metrics = byContext.get(ctx);
  if (metrics === undefined) byContext.set(ctx, (metrics = new Metrics(ctx)));
  return metrics;
}
