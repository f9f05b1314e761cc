// `sounio-registry serve`: opens the backends, listens, and shuts down gracefully. On SIGTERM/SIGINT it stops
// accepting connections, answers every request that already reached it and closes each connection after its
// response, runs the shutdown hooks (flushing what is buffered), closes the backends and exits 0.
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
    // (Callbacks, not async: a promise per request and hook is what app.ts's hooks avoid.)
    app.fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (draining) reply.header('connection', 'close');
      done(null, payload);
    });
    // A response whose headers went out before the drain began carries no Connection: close, and Node closes only
    // the connections idle at the moment of close(): close its connection as soon as it is answered.
    const httpServer = app.fastify.server;
    app.fastify.addHook('onResponse', (_request, _reply, done) => {
      if (draining) setImmediate(() => httpServer.closeIdleConnections());
      done();
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
      const cut = await drainHttp(app.fastify.server, drainBudgetMs(config.shutdownTimeoutMs));
      if (cut > 0) logger.warn(`cut ${cut} connection(s) still open after the drain period`);
      await app.fastify.close(); // its server is closed already: runs the onClose hooks
      metricsServer?.closeAllConnections();
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await jobs.stop(); // lets a running job finish, then the final passes (flushes)
      await closeBackends(backends);
    })());
  return { ctx, url: `http://${config.host}:${port}`, stop };
}

/**
 * The part of the shutdown deadline the HTTP drain may use: what is left is for the final flush and closing the
 * backends, so a connection that will not end cannot cost the counts buffered in this process.
 */
export function drainBudgetMs(shutdownTimeoutMs: number): number {
  return shutdownTimeoutMs - Math.min(10_000, shutdownTimeoutMs / 2);
}

/**
 * Stops an HTTP server without refusing what already reached it: no new connections, idle keep-alive connections
 * closed at once, and every other connection closed as soon as its response is done (requests arriving on it
 * meanwhile are answered, with Connection: close). This is done here rather than by fastify.close(), which would
 * answer those requests 503. Node closes only the connections idle at the moment of close(), so idle ones are swept
 * again until none is left (a request body still being discarded, for example). Connections still open after
 * `budgetMs` (a client that connected but never sent its request, a response that never ends) are cut; resolves
 * with how many were.
 */
export function drainHttp(server: Server, budgetMs: number): Promise<number> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve(0);
    let cut = 0;
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const budget = setTimeout(() => {
      server.getConnections((_error, count) => {
        cut = count;
        server.closeAllConnections();
      });
    }, budgetMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(budget);
      resolve(cut);
    });
  });
}

/**
 * Wires SIGTERM/SIGINT to a graceful stop, with a deadline after which the process exits anyway. A second signal
 * while stopping changes nothing (the default action would kill the process before it flushed its counts).
 */
export function stopOnSignals(server: RunningServer, timeoutMs: number): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.ctx.logger.warn(`${signal} received: already stopping (at most ${timeoutMs} ms)`);
      return;
    }
    stopping = true;
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
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
