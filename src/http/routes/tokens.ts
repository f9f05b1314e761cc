// /auth/tokens: API tokens (tag auth). The secret appears only in the 201 answer of create and rotate.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { createToken, currentToken, listTokens, revokeUserToken, rotateToken } from '../../services/tokens.js';
import { principalOf, requestMeta } from '../auth.js';
import { errorResponses, StringEnum } from '../schemas.js';

const TokenId = Type.Object({ token_id: Type.String({ format: 'uuid' }) });

export function tokenRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ bearerAuth: [] }];

  app.get(
    '/auth/tokens',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'List API tokens',
        description: "Returns the authenticated user's tokens that are not revoked, newest first.",
        tags: ['auth'],
        security,
        response: { 200: Type.Array(Type.Ref('ApiToken')), ...errorResponses(401, 403, 429) },
      },
    },
    async (request) => listTokens(ctx, principalOf(request)),
  );

  app.post(
    '/auth/tokens',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'Create a new API token',
        description:
          'Creates a token with the given scopes (default read and publish), optional expiry and optional package patterns. ' +
          "A credential can only create tokens within its own scopes and patterns; admin only for admin users. The owner is emailed.",
        tags: ['auth'],
        security,
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100, description: 'Token name for identification' }),
            scopes: Type.Optional(Type.Array(StringEnum(['read', 'publish', 'admin']), { minItems: 1, maxItems: 3, default: ['read', 'publish'] })),
            expires_at: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Token expiration (null for no expiration)' })),
            packages: Type.Optional(
              Type.Union([Type.Array(Type.String({ maxLength: 65 }), { minItems: 1, maxItems: 50 }), Type.Null()], {
                description: 'Extension: package names or prefix* patterns this token is limited to.',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Ref('ApiTokenCreated'), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request, reply) => reply.code(201).send(await createToken(ctx, principalOf(request), request.body, requestMeta(request))),
  );

  app.get(
    '/auth/tokens/current',
    {
      config: { auth: 'any' },
      schema: {
        summary: 'The API token making this request (extension)',
        description: 'Answers any valid API token whatever its scopes; a login token gets 400 not_an_api_token.',
        tags: ['auth'],
        security,
        response: { 200: Type.Ref('ApiToken'), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => currentToken(ctx, principalOf(request)),
  );

  app.delete(
    '/auth/tokens/:token_id',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'Revoke an API token',
        description: 'Revokes an API token, making it unusable. The record stays, marked revoked.',
        tags: ['auth'],
        security,
        params: TokenId,
        response: { 204: Type.Null({ description: 'Token revoked' }), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      await revokeUserToken(ctx, principalOf(request), request.params.token_id, requestMeta(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/auth/tokens/:token_id/rotate',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'Rotate an API token (extension)',
        description: 'Issues a new secret with the same name, scopes and patterns (and the same lifetime, from now) and revokes the old one.',
        tags: ['auth'],
        security,
        params: TokenId,
        response: { 201: Type.Ref('ApiTokenCreated'), ...errorResponses(400, 401, 403, 404, 409, 429) },
      },
    },
    async (request, reply) => reply.code(201).send(await rotateToken(ctx, principalOf(request), request.params.token_id, requestMeta(request))),
  );
}
