// Operational endpoints outside /api/: /healthz (the process is alive) and /readyz (it can serve: the database and
// the blob store answer). A Redis outage alone leaves the registry serving with per-process fallbacks, so /readyz
// stays 200 and says "degraded". While shutting down, /readyz is 503 so load balancers stop sending traffic.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { describe } from '../../errors.js';

const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return describe(error);
  } finally {
    clearTimeout(timer);
  }
}

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  checks: Type.Object({ database: Type.String(), blobs: Type.String(), kv: Type.String() }),
  message: Type.Optional(Type.String()),
});

export function healthRoutes(app: FastifyInstance, ctx: Context, state: { shuttingDown: boolean }): void {
  app.get('/healthz', { config: { rateLimit: false }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { rateLimit: false }, schema: { hide: true, response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    const [database, blobs, kv] = await Promise.all([check(() => ctx.db.ping()), check(() => ctx.blobs.ping()), check(() => ctx.kv.ping())]);
    const checks = { database, blobs, kv };
    const down = [database !== 'ok' && 'database', blobs !== 'ok' && 'blob store'].filter(Boolean);
    reply.header('cache-control', 'no-store');
    if (state.shuttingDown) return reply.code(503).send({ status: 'unavailable', checks, message: 'shutting down' });
    if (down.length > 0) return reply.code(503).send({ status: 'unavailable', checks, message: `${down.join(' and ')} unreachable` });
    if (kv !== 'ok') return { status: 'degraded', checks, message: 'key-value store unreachable; limits and caches are per process' };
    return { status: 'ok', checks };
  });
}
