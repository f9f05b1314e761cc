// `sounio-registry serve`: opens the backends, listens, and shuts down gracefully. On SIGTERM/SIGINT it stops
// accepting connections, lets in-flight requests finish, runs the shutdown hooks (flushing what is buffered),
// closes the backends and exits 0.
import type { Server } from 'node:http';
import { closeBackends, openBackends } from './backends.js';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { buildApp } from './http/app.js';
import { startJobs } from './jobs/runner.js';
import { blobSweepJob } from './jobs/blob-sweep.js';
import { downloadFlushJob } from './jobs/download-flush.js';
import { tokenExpiryRemindersJob } from './jobs/token-expiry-reminders.js';
import { startMetricsServer } from './http/metrics.js';
import { createLogger } from './logger.js';
import { metricsOf } from './metrics.js';
import { resolveSecrets } from './secrets.js';

export interface RunningServer {
  ctx: Context;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const secrets = resolveSecrets(config);
  const backends = await openBackends(config, logger);
  const ctx: Context = { config, secrets, logger, ...backends };
  let app;
  let metricsServer: Server | undefined;
  let draining = false;
  metricsOf(ctx).withProcessMetrics();
  try {
    app = await buildApp(ctx);
    // A response sent while draining closes its connection: an idle keep-alive connection would otherwise hold the
    // shutdown open until the deadline (and the exit code would be 1).
    app.fastify.addHook('onSend', async (_request, reply) => {
      if (draining) reply.header('connection', 'close');
    });
    await app.fastify.listen({ port: config.port, host: config.host });
    if (config.metrics.enabled && config.metrics.port !== undefined) metricsServer = await startMetricsServer(ctx, config.metrics.port, config.host);
  } catch (error) {
    await app?.fastify.close().catch(() => {});
    await closeBackends(backends).catch(() => {});
    throw error;
  }
  const address = app.fastify.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  logger.info(
    { database: ctx.db.kind, blobs: ctx.blobs.kind, kv: ctx.kv.kind, mail: ctx.mail.kind },
    `Sounio registry listening on http://${config.host}:${port} (public URL ${config.publicUrl})`,
  );

  const jobs = startJobs(ctx, [downloadFlushJob, tokenExpiryRemindersJob, blobSweepJob]);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      app.beginShutdown();
      await app.fastify.close(); // stops accepting, waits for in-flight requests
      metricsServer?.closeAllConnections();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await jobs.stop(); // lets a running job finish, then the final passes (flushes)
      await closeBackends(backends);
    })());
  return { ctx, url: `http://${config.host}:${port}`, stop };
}

/** Wires SIGTERM/SIGINT to a graceful stop, with a deadline after which the process exits anyway. */
export function stopOnSignals(server: RunningServer, timeoutMs: number): void {
  const onSignal = (signal: NodeJS.Signals) => {
    server.ctx.logger.info(`${signal} received: finishing in-flight requests`);
    const deadline = setTimeout(() => {
      server.ctx.logger.error(`shutdown took longer than ${timeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    server.stop().then(
      () => {
        server.ctx.logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        server.ctx.logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
