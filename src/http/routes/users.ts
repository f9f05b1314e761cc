// /users: public profiles and the packages a user owns (tag users).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { userPackages, userProfile } from '../../services/users.js';
import { errorResponses, Pagination } from '../schemas.js';

const Params = Type.Object({ username: Type.String({ minLength: 1, maxLength: 39 }) });

export function userRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/users/:username',
    {
      schema: {
        summary: 'Get user profile',
        description: 'Returns public profile information for a user.',
        tags: ['users'],
        params: Params,
        response: { 200: Type.Ref('UserProfile'), ...errorResponses(404, 429) },
      },
    },
    async (request) => userProfile(ctx, request.params.username),
  );

  app.get(
    '/users/:username/packages',
    {
      schema: {
        summary: "List user's packages",
        description: 'Returns the packages a user owns, by name.',
        tags: ['users'],
        params: Params,
        querystring: Type.Object(Pagination),
        response: { 200: Type.Ref('PackageList'), ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => userPackages(ctx, request.params.username, request.query.page ?? 1, request.query.per_page ?? 20),
  );
}
