// Static assets (one stylesheet, one script), served by the app under content-hashed names with a year of caching:
// a new release changes the names, so browsers never hold a stale copy.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { COPY_JS } from './static/copy.js';
import { STYLE_CSS } from './static/style.js';

interface Asset {
  path: string;
  type: string;
  body: string;
}

function asset(name: string, extension: string, type: string, body: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/static/${name}.${hash}.${extension}`, type, body };
}

export const STYLESHEET = asset('style', 'css', 'text/css; charset=utf-8', STYLE_CSS);
export const SCRIPT = asset('copy', 'js', 'text/javascript; charset=utf-8', COPY_JS);

export function assetRoutes(app: FastifyInstance): void {
  for (const { path, type, body } of [STYLESHEET, SCRIPT]) {
    app.get(path, { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
      reply.type(type).header('cache-control', 'public, max-age=31536000, immutable');
      return body;
    });
  }
}
