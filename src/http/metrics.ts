// The HTTP side of the metrics: every answered request is observed by its route pattern (never the raw URL, so the
// label set stays small), publishes by outcome and 429s by rate class; GET /metrics serves them to Prometheus,
// unauthenticated and never rate-limited (METRICS=off removes it; METRICS_PORT moves it to a port of its own).
import type { FastifyInstance } from 'fastify';
import { createServer, type Server } from 'node:http';
import type { Context } from '../context.js';
import { metricsOf } from '../metrics.js';
import { API_PREFIX } from './openapi.js';

const PUBLISH_ROUTE = `${API_PREFIX}/packages/:name/versions`;

function publishOutcome(status: number): string {
  if (status === 201) return 'created';
  if (status === 200) return 'identical';
  return status < 500 ? 'refused' : 'failed';
}

export function recordRequestMetrics(app: FastifyInstance, ctx: Context): void {
  const metrics = metricsOf(ctx);
  // One histogram child per method, route and status, found by a string key (labels hashed once, not per request).
  const children = new Map<string, { observe(value: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeUrl ?? 'unmatched';
    const status = reply.statusCode;
    const key = `${request.method} ${status} ${route}`;
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = metrics.requestDuration.labels({ method: request.method, route, status: String(status) })));
    child.observe(reply.elapsedTime / 1000);
    if (request.method === 'POST' && route === PUBLISH_ROUTE) metrics.publishes.inc({ outcome: publishOutcome(status) });
    if (status === 429 && request.rateLimitKey !== undefined) metrics.rateLimitRefusals.inc({ category: request.rateLimitKey.split(':')[1] ?? 'other' });
    done();
  });
}

export function metricsRoutes(app: FastifyInstance, ctx: Context): void {
  const metrics = metricsOf(ctx);
  app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.header('cache-control', 'no-store').type(contentType).send(body);
  });
}

/** METRICS_PORT: /metrics alone on a port of its own (anything else there is a 404), e.g. reachable only in-cluster. */
export async function startMetricsServer(ctx: Context, port: number, host: string): Promise<Server> {
  const metrics = metricsOf(ctx);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: only GET /metrics is served here\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      (error: unknown) => {
        ctx.logger.error({ err: error }, 'metrics could not be collected');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
