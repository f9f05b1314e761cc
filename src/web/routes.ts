// The web interface as one Fastify plugin: form bodies (urlencoded, small), CSRF checks on every POST, the static
// assets and the pages. Pages are kept out of the OpenAPI document. Sessions are resolved for every non-API request
// in app.ts (so rate limits count a signed-in user as that user); security headers come from helmet there too.
import formbody from '@fastify/formbody';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../context.js';
import { assetRoutes } from './assets.js';
import { accountPages } from './pages/account.js';
import { discoverPages } from './pages/discover.js';
import { ownerPages } from './pages/owner.js';
import { packagePages } from './pages/package.js';
import { settingsPages } from './pages/settings.js';
import { assertCsrf } from './session.js';

/** Largest form body a page accepts. */
const FORM_BODY_LIMIT = 64 * 1024;

export async function webRoutes(app: FastifyInstance, ctx: Context): Promise<void> {
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    await web.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
    web.addHook('preHandler', async (request) => {
      if (request.method === 'POST') assertCsrf(ctx, request);
    });
    // Pages for a signed-in user are theirs alone: never stored by a shared cache (or the browser's back button).
    web.addHook('onSend', async (request, reply, payload) => {
      if (request.principal !== null || request.method === 'POST') reply.header('cache-control', 'private, no-store');
      return payload;
    });
    assetRoutes(web);
    discoverPages(web, ctx);
    packagePages(web, ctx);
    accountPages(web, ctx);
    settingsPages(web, ctx);
    ownerPages(web, ctx);
  });
}
