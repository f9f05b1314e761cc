// Our OpenAPI 3.1 document, generated from the route schemas by @fastify/swagger. It is served at
// /api/v1/openapi.json, shown by Swagger UI at /api/docs (assets bundled, works offline) and committed as
// openapi.yaml (a test regenerates it and fails on drift).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export const API_PREFIX = '/api/v1';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Sounio Package Registry API',
        version,
        description:
          'Publish, find, resolve and download Sounio packages. Implements the upstream Sounio registry contract ' +
          '(base path /api/v1) with the extensions our issues add.\n\n' +
          'Authentication: `Authorization: Bearer <token>`, where the token is an API token (`sounio_…`) or a login JWT.\n\n' +
          'Every error is `{error, message, details?}` with a stable `error` code.\n\n' +
          'Versions: a version number is never reused, but lower versions than the newest may be published (backports).',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [{ url: API_PREFIX, description: 'This registry' }],
      tags: [
        { name: 'packages', description: 'Package operations' },
        { name: 'versions', description: 'Package version operations' },
        { name: 'search', description: 'Package search' },
        { name: 'users', description: 'User management' },
        { name: 'auth', description: 'Authentication' },
        { name: 'stats', description: 'Registry statistics' },
        { name: 'index', description: 'The sparse index resolvers read (extension)' },
        { name: 'meta', description: 'About this API' },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token (sounio_…) or a login JWT.' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`) },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { url: `${API_PREFIX}/openapi.json`, deepLinking: true },
    staticCSP: true,
  });
  app.get(`${API_PREFIX}/openapi.json`, { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return app.swagger();
  });
}

/** The document as committed in openapi.yaml. */
export function openApiYaml(app: FastifyInstance): string {
  return stringify(app.swagger(), { lineWidth: 0, aliasDuplicateObjects: false });
}
