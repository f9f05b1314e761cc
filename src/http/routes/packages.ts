// /packages: creating, reading, editing and deleting packages, and their owners (tag packages).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { packageDocument, packageDocumentCached } from '../../services/catalog.js';
import { answerInvitation, inviteOwners, myInvitations, packageOwners, removePackageOwner } from '../../services/owners.js';
import { createPackage, deletePackage, updatePackage } from '../../services/packages.js';
import { principalOf, requestMeta } from '../auth.js';
import { sendDocument } from '../documents.js';
import { errorResponses, PACKAGE_NAME_PATTERN } from '../schemas.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
const UsernameList = Type.Object({ users: Type.Array(Type.String({ minLength: 1, maxLength: 39 }), { minItems: 1, maxItems: 20 }) }, { additionalProperties: false });
const Owner = Type.Object({ username: Type.String(), avatar_url: Type.Optional(Type.String({ format: 'uri' })) });
const Invitation = Type.Object({
  package: Type.String(),
  username: Type.String(),
  invited_by: Type.Optional(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time' }),
});
const Metadata = {
  description: Type.Optional(Type.String({ maxLength: 500 })),
  homepage: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 })),
  repository: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 })),
  documentation: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 500 })),
  keywords: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 })),
  categories: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 5 })),
};

export function packageRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ bearerAuth: [] }];

  app.post(
    '/packages',
    {
      config: { auth: 'publish', rateLimit: 'publish' },
      schema: {
        summary: 'Create a new package',
        description: 'Registers a package without versions (publishing a first version creates the package too). The name, or its canonical form (lower case, - and _ the same), must be free.',
        tags: ['packages'],
        security,
        body: Type.Object(
          { name: Type.String({ pattern: PACKAGE_NAME_PATTERN, minLength: 1, maxLength: 64 }), ...Metadata, license: Type.Optional(Type.String({ maxLength: 200 })) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('Package'), ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const { name, ...fields } = request.body;
      await createPackage(ctx, principalOf(request), name, fields, requestMeta(request));
      return reply.code(201).send(await packageDocument(ctx.db, name));
    },
  );

  app.get(
    '/packages/:name',
    {
      schema: {
        summary: 'Get package details',
        description: 'Returns detailed information about a specific package: versions highest first, owners, downloads, latest_version.',
        tags: ['packages'],
        params: NameParams,
        response: { 200: Type.Ref('Package'), 304: Type.Null({ description: 'Not modified (If-None-Match)' }), ...errorResponses(404, 429) },
      },
    },
    async (request, reply) => sendDocument(request, reply, await packageDocumentCached(ctx, request.params.name)),
  );

  app.patch(
    '/packages/:name',
    {
      config: { auth: 'publish' },
      schema: {
        summary: 'Update package metadata',
        description: "Owners update description, links, keywords and categories. The next publish of the package's highest version replaces them with its manifest's.",
        tags: ['packages'],
        security,
        params: NameParams,
        body: Type.Object(Metadata, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Type.Ref('Package'), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const pkg = await updatePackage(ctx, principalOf(request), request.params.name, request.body, requestMeta(request));
      return packageDocument(ctx.db, pkg.name);
    },
  );

  app.delete(
    '/packages/:name',
    {
      config: { auth: 'admin' },
      schema: {
        summary: 'Delete a package (admin only)',
        description: 'Permanently deletes a package. Its name can then only be taken again by an admin, and none of its version numbers can ever be published again.',
        tags: ['packages'],
        security,
        params: NameParams,
        response: { 204: Type.Null({ description: 'Package deleted' }), ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await deletePackage(ctx, principalOf(request), request.params.name, requestMeta(request));
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/packages/:name/owners',
    {
      schema: {
        summary: 'List package owners (extension)',
        description: 'Owners of the package; owners and admins also see pending invitations.',
        tags: ['packages'],
        params: NameParams,
        response: { 200: Type.Object({ users: Type.Array(Owner), invitations: Type.Optional(Type.Array(Invitation)) }), ...errorResponses(404, 429) },
      },
    },
    async (request) => packageOwners(ctx, request.principal, request.params.name),
  );

  app.put(
    '/packages/:name/owners',
    {
      config: { auth: 'publish' },
      schema: {
        summary: 'Invite owners (extension)',
        description: 'Invites each user to become an owner; each is mailed a link and must accept within 30 days.',
        tags: ['packages'],
        security,
        params: NameParams,
        body: UsernameList,
        response: { 200: Type.Object({ invited: Type.Array(Type.String()), message: Type.String() }), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => inviteOwners(ctx, principalOf(request), request.params.name, request.body.users, requestMeta(request)),
  );

  app.delete(
    '/packages/:name/owners/:username',
    {
      config: { auth: 'publish' },
      schema: {
        summary: 'Remove an owner or cancel an invitation (extension)',
        description: 'The last owner cannot be removed.',
        tags: ['packages'],
        security,
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), username: Type.String({ minLength: 1, maxLength: 39 }) }),
        response: { 200: Type.Ref('Message'), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request) => removePackageOwner(ctx, principalOf(request), request.params.name, request.params.username, requestMeta(request)),
  );

  app.get(
    '/me/owner-invitations',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'My pending owner invitations (extension)',
        tags: ['users'],
        security,
        response: { 200: Type.Object({ invitations: Type.Array(Invitation) }), ...errorResponses(401, 403, 429) },
      },
    },
    async (request) => myInvitations(ctx, principalOf(request)),
  );

  app.post(
    '/me/owner-invitations/:name',
    {
      config: { auth: 'publish' },
      schema: {
        summary: 'Accept or decline an owner invitation (extension)',
        tags: ['users'],
        security,
        params: NameParams,
        body: Type.Object({ accept: Type.Boolean() }, { additionalProperties: false }),
        response: { 200: Type.Object({ accepted: Type.Boolean(), message: Type.String() }), ...errorResponses(400, 401, 403, 404, 410, 429) },
      },
    },
    async (request) => answerInvitation(ctx, principalOf(request), request.params.name, request.body.accept, requestMeta(request)),
  );
}
