// /index: the sparse index resolvers read (an extension; tag index). Both routes count as downloads for rate
// limiting; a 304 costs nothing, so clients revalidate their copy with If-None-Match on every use.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { etagOf } from '../../services/documents.js';
import { indexConfig, indexFileCached } from '../../services/index-files.js';
import { sendDocument } from '../documents.js';
import { errorResponses } from '../schemas.js';

const NotModified = Type.Null({ description: 'Not modified (If-None-Match)' });

const IndexConfig = Type.Object(
  {
    dl: Type.String({ description: 'Tarball URL template; replace the literal `{name}` and `{version}`.' }),
    api: Type.String({ format: 'uri', description: 'Base URL of this API.' }),
  },
  { additionalProperties: false, description: 'Where tarballs and the API are' },
);

const INDEX_FILE_FORMAT =
  'One JSON object per line (each line ends with \\n), one line per version of the package, in the order the versions ' +
  'were published (not SemVer order: a backport comes after the versions published before it); empty for a package without versions. ' +
  'Each line is `{"name", "vers", "deps": [{"name", "req", "features", "optional", "default_features", "kind"}], "cksum", "features", "yanked", "sounio_version"}`: ' +
  '`name` is the package name as published, `vers` the version, `deps` every dependency as its manifest declares it ' +
  '(`req` a Cargo-style requirement, `kind` normal, dev or build), `cksum` the SHA-256 of the tarball in lower-case hex, ' +
  '`features` the feature table (feature name → what it enables, `dep:` entries included), `yanked` a boolean and ' +
  '`sounio_version` the minimum Sounio compiler version (`sounio-version`) or null. Example: ' +
  '`{"name":"linalg","vers":"1.2.0","deps":[{"name":"stdlib","req":"^1.0","features":[],"optional":false,"default_features":true,"kind":"normal"}],' +
  '"cksum":"9f86d08…","features":{"default":["std"],"std":[]},"yanked":false,"sounio_version":"0.9"}`.';

export function indexRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();
  const configBody = Buffer.from(JSON.stringify(indexConfig(ctx)));
  const configDocument = { body: configBody, etag: etagOf(configBody) };

  app.get(
    '/index/config.json',
    {
      config: { rateLimit: 'download' },
      schema: {
        summary: 'Get the index configuration',
        description:
          'Extension: where a client finds tarballs (`dl`, with literal `{name}` and `{version}` placeholders) and the API (`api`), ' +
          'as the config.json of a Cargo sparse index. Counts as a download for rate limiting.',
        tags: ['index'],
        response: { 200: IndexConfig, 304: NotModified, ...errorResponses(429) },
      },
    },
    async (request, reply) => sendDocument(request, reply, configDocument, { maxAgeSeconds: 300 }),
  );

  app.get(
    '/index/:name',
    {
      config: { rateLimit: 'download' },
      schema: {
        summary: "Get a package's index file",
        description:
          'Extension: what resolvers read, one JSON line per version (text/plain). Names are matched canonically (case, - and _). ' +
          'Served from a cache that every publish, yank, unyank and deletion drops; revalidate with If-None-Match ' +
          '(a 304 is not counted against the download limit). Counts as a download for rate limiting.',
        tags: ['index'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: { description: 'The index file', content: { 'text/plain': { schema: Type.String({ description: INDEX_FILE_FORMAT }) } } },
          304: NotModified,
          ...errorResponses(404, 429),
        },
      },
    },
    async (request, reply) =>
      sendDocument(request, reply, await indexFileCached(ctx, request.params.name), { maxAgeSeconds: 0, contentType: 'text/plain; charset=utf-8' }),
  );
}
