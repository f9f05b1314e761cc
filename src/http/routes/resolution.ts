// POST /resolve (an extension; tag index): resolution as a service, for clients without a solver of their own.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { MAX_REQUIREMENT_LENGTH } from '../../core/requirement.js';
import { resolveRequirements } from '../../services/resolution.js';
import { errorResponses } from '../schemas.js';

const MAX_DEPENDENCIES = 200;

const ResolveRequest = Type.Object(
  {
    dependencies: Type.Record(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }), Type.String({ minLength: 1, maxLength: MAX_REQUIREMENT_LENGTH }), {
      maxProperties: MAX_DEPENDENCIES,
      additionalProperties: false,
      description: 'Package name → Cargo-style requirement, e.g. {"stdlib": "^1.0"}.',
    }),
    lock: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), version: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }), {
        maxItems: 2000,
        description: 'Versions to prefer (and to keep even when yanked), as in a lock file.',
      }),
    ),
  },
  { additionalProperties: false },
);

const ResolveResponse = Type.Object(
  {
    packages: Type.Array(
      Type.Object({
        name: Type.String(),
        version: Type.String(),
        checksum: Type.String({ description: 'SHA-256 of the tarball' }),
        dependencies: Type.Array(Type.String(), { description: '"name version" of each dependency in use, sorted' }),
      }),
      { description: 'Every package of the graph, sorted by name.' },
    ),
  },
  { additionalProperties: false },
);

export function resolutionRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();
  app.post(
    '/resolve',
    {
      config: { rateLimit: 'search' },
      schema: {
        summary: 'Resolve dependencies',
        description:
          'Extension: picks the highest compatible, non-yanked version of every package the requirements need (PubGrub, Cargo semantics; ' +
          'locked versions preferred and kept even when yanked). A failure is a 422 `resolution_failed` whose message explains the ' +
          'conflict in sentences. Bounded by a time budget and a package count (RESOLVE_TIME_BUDGET_MS, RESOLVE_MAX_PACKAGES; beyond them 422 `resolution_too_complex`). ' +
          'Rate-limited as a search.',
        tags: ['index'],
        body: ResolveRequest,
        response: { 200: ResolveResponse, ...errorResponses(400, 422, 429) },
      },
    },
    async (request) => resolveRequirements(ctx, request.body),
  );
}
