// /packages/{name}/versions: publishing (multipart upload), yank and unyank (tag versions).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { setVersionYanked } from '../../services/packages.js';
import { publishVersion } from '../../services/publish.js';
import { principalOf, requestMeta } from '../auth.js';
import { errorResponses } from '../schemas.js';
import { FIELD_LIMIT_BYTES, receiveUpload, removeUpload } from '../upload.js';

const VersionParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), version: Type.String({ minLength: 1, maxLength: 64 }) });

/** The published Version, with the manifest's warnings (unknown keys are kept, not errors). */
const PublishedVersion = Type.Ref('Version');

export function versionRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ bearerAuth: [] }];

  app.post(
    '/packages/:name/versions',
    {
      config: { auth: 'publish', rateLimit: 'publish' },
      bodyLimit: ctx.config.maxTarballBytes + 1024 * 1024,
      preValidation: receiveUpload(ctx.config.maxTarballBytes),
      onResponse: removeUpload,
      schema: {
        summary: 'Publish a new version',
        description:
          'Publishes a version from a .tar.gz whose Sounio.toml is the truth: its name and version must match the URL and the form. ' +
          'The package is created if it does not exist. A version number is never reused (not after a yank or a delete), but versions ' +
          'lower than the newest may be published (backports). Publishing the exact same bytes again answers 200 with the existing version.',
        tags: ['versions'],
        security,
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }),
        consumes: ['multipart/form-data'],
        body: Type.Object({
          version: Type.String({ minLength: 1, maxLength: 64, description: 'SemVer version string' }),
          tarball: Type.String({ format: 'binary', description: 'Package tarball (.tar.gz)' }),
          readme: Type.Optional(Type.String({ maxLength: FIELD_LIMIT_BYTES, description: 'README content (markdown)' })),
          changelog: Type.Optional(Type.String({ maxLength: FIELD_LIMIT_BYTES, description: 'CHANGELOG content (markdown)' })),
        }),
        response: { 201: PublishedVersion, 200: PublishedVersion, ...errorResponses(400, 401, 403, 409, 413, 415, 429) },
      },
    },
    async (request, reply) => {
      const upload = request.upload!;
      const outcome = await publishVersion(
        ctx,
        principalOf(request),
        {
          name: request.params.name,
          version: request.body.version,
          tarball: upload,
          ...(request.body.readme !== undefined && { readme: request.body.readme }),
          ...(request.body.changelog !== undefined && { changelog: request.body.changelog }),
        },
        requestMeta(request),
      );
      return reply.code(outcome.status).send({ ...outcome.version, ...(outcome.warnings.length > 0 && { warnings: outcome.warnings }) });
    },
  );

  for (const [action, yanked] of [['yank', true], ['unyank', false]] as const) {
    app.post(
      `/packages/:name/versions/:version/${action}`,
      {
        config: { auth: 'publish' },
        schema: {
          summary: yanked ? 'Yank a version' : 'Unyank a version',
          description: yanked
            ? 'Yanks a version, preventing new dependencies on it. Existing dependencies continue to work, and it still downloads. Optional JSON body {reason}.'
            : 'Restores a yanked version.',
          tags: ['versions'],
          security,
          params: VersionParams,
          ...(yanked && { body: Type.Optional(Type.Union([Type.Object({ reason: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false }), Type.Null()])) }),
          response: { 200: Type.Ref('Version'), ...errorResponses(400, 401, 403, 404, 429) },
        },
      },
      async (request) => {
        const body = request.body as { reason?: string } | null | undefined;
        return setVersionYanked(ctx, principalOf(request), request.params.name, request.params.version, yanked, body?.reason ?? null, requestMeta(request));
      },
    );
  }
}
