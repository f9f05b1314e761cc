// The home page. The web interface issue turns it into the full front page; until then it tells a visitor that the
// registry runs and where the API and its documentation are.
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.js';
import { html, page } from './html.js';

export function homeRoutes(app: FastifyInstance, ctx: Context): void {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const api = `${ctx.config.publicUrl}/api/v1`;
    reply.type('text/html; charset=utf-8');
    return page(
      'Home',
      html`<h1>Sounio Package Registry</h1>
<p>The registry for packages of the Sounio language.</p>
<ul>
<li>API: <code>${api}</code></li>
<li><a href="/api/docs">API documentation</a> (<a href="/api/v1/openapi.json">OpenAPI document</a>)</li>
</ul>`,
    );
  });
}
