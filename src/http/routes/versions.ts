// /packages/{name}/versions: publishing (multipart upload), yank and unyank (tag versions).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { getVersion, resolveVersionCached, versionsDocumentCached } from '../../services/catalog.js';
import { countDownload } from '../../services/downloads.js';
import { setVersionYanked } from '../../services/packages.js';
import { MAX_CACHED_TARBALL, tarballCacheOf } from '../../services/tarball-cache.js';
import { publishVersion } from '../../services/publish.js';
import parseRange from 'range-parser';
import { AppError } from '../../errors.js';
import { principalOf, requestMeta } from '../auth.js';
import { etagMatches, sendDocument } from '../documents.js';
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

  app.get(
    '/packages/:name/versions',
    {
      schema: {
        summary: 'List package versions',
        description: 'Returns all versions of a package, highest first (SemVer order).',
        tags: ['versions'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: { 200: Type.Array(Type.Ref('Version')), 304: Type.Null({ description: 'Not modified (If-None-Match)' }), ...errorResponses(404, 429) },
      },
    },
    async (request, reply) => sendDocument(request, reply, await versionsDocumentCached(ctx, request.params.name)),
  );

  app.get(
    '/packages/:name/versions/:version',
    {
      schema: {
        summary: 'Get version details',
        description: 'Returns detailed information about a specific version; `latest` names the version latest_version names.',
        tags: ['versions'],
        params: VersionParams,
        response: { 200: Type.Ref('Version'), ...errorResponses(404, 429) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=30');
      return getVersion(ctx, request.params.name, request.params.version);
    },
  );

  app.get(
    '/packages/:name/versions/:version/download',
    {
      config: { rateLimit: 'download' },
      schema: {
        summary: 'Download package tarball',
        description:
          'The exact uploaded bytes (application/gzip) with Content-Length, ETag (the SHA-256), X-Checksum-Sha256 and Content-Disposition; ' +
          'Range requests are honoured. Counted once per successful GET of the body (not HEAD, not 304, not a later Range piece). ' +
          'With S3_REDIRECT_DOWNLOADS, a 302 to a short-lived presigned URL (still counted).',
        tags: ['versions'],
        params: VersionParams,
        response: {
          200: Type.String({ format: 'binary', contentMediaType: 'application/gzip' }),
          206: Type.String({ format: 'binary', description: 'A byte range of the tarball' }),
          302: Type.Null({ description: 'Redirect to a presigned URL (S3_REDIRECT_DOWNLOADS)' }),
          304: Type.Null({ description: 'Not modified (If-None-Match)' }),
          ...errorResponses(404, 416, 429),
        },
      },
    },
    async (request, reply) => {
      const { pkg, row } = await resolveVersionCached(ctx, request.params.name, request.params.version);
      const etag = `"${row.checksum}"`;
      const filename = `${pkg.name}-${row.version}.tar.gz`;
      const counted = request.method === 'GET';
      reply.header('etag', etag).header('x-checksum-sha256', row.checksum).header('cache-control', 'public, max-age=31536000, immutable');
      if (etagMatches(request, etag)) return reply.code(304).send(null);

      if (ctx.config.s3?.redirectDownloads && ctx.blobs.presignedGetUrl) {
        const url = await ctx.blobs.presignedGetUrl(row.blob_key, { expiresInSeconds: 300, filename });
        if (counted) await countDownload(ctx, row.id);
        return reply.header('cache-control', 'private, max-age=60').redirect(url, 302);
      }

      const size = Number(row.size);
      let range: { start: number; end: number } | undefined;
      const header = request.headers.range;
      if (header !== undefined) {
        const parsed = parseRange(size, header, { combine: true });
        if (parsed === -1) {
          throw new AppError(416, 'range_not_satisfiable', `The range ${header} is outside the ${size}-byte tarball.`, { size }, { 'content-range': `bytes */${size}` });
        }
        // A malformed header (-2) or several ranges are answered with the whole tarball, as HTTP allows.
        if (parsed !== -2 && parsed.length === 1) range = { start: parsed[0]!.start, end: parsed[0]!.end };
      }
      // Small tarballs come from the process's memory (content-addressed, so never stale); large ones stream.
      const small = size <= MAX_CACHED_TARBALL ? await tarballCacheOf(ctx.blobs).read(ctx.blobs, row.blob_key) : undefined;
      const blob = small === undefined ? await ctx.blobs.get(row.blob_key, range) : small;
      if (blob === null) {
        request.log.error({ package: pkg.name, version: row.version, blob: row.blob_key }, 'the tarball of a published version is missing from the blob store');
        throw new AppError(503, 'tarball_unavailable', 'The tarball is temporarily unavailable; try again shortly.');
      }
      // A download is its first byte: a later Range piece of the same download is not counted again.
      if (counted && (range === undefined || range.start === 0)) await countDownload(ctx, row.id);
      reply
        .type('application/gzip')
        .header('accept-ranges', 'bytes')
        .header('content-disposition', `attachment; filename="${filename}"`);
      if (range !== undefined) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', String(range.end - range.start + 1));
      } else {
        reply.header('content-length', String(size));
      }
      if (request.method === 'HEAD') {
        if (!Buffer.isBuffer(blob)) blob.body.destroy();
        return reply.send(null);
      }
      // The typed reply expects the schema's string; the body is the cached bytes or the blob's stream.
      if (Buffer.isBuffer(blob)) return (reply as FastifyReply).send(range === undefined ? blob : blob.subarray(range.start, range.end + 1));
      return (reply as FastifyReply).send(blob.body);
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
