// /me: the authenticated user's own account (tag users).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { listOwnAudit, updateProfile, userView } from '../../services/accounts.js';
import { principalOf, requestMeta } from '../auth.js';
import { errorResponses, Pagination } from '../schemas.js';

const NullableText = (maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Null()]);
const NullableUri = Type.Union([Type.String({ format: 'uri', maxLength: 500, pattern: '^https?://' }), Type.Literal(''), Type.Null()]);

/** What PATCH /me accepts (the web interface's account page checks its forms against the same fields). */
export const ProfileBody = Type.Object(
  {
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    password: Type.Optional(Type.String({ format: 'password', minLength: 8, maxLength: 1024 })),
    current_password: Type.Optional(Type.String({ format: 'password', maxLength: 1024 })),
    bio: Type.Optional(NullableText(500)),
    location: Type.Optional(NullableText(100)),
    website: Type.Optional(NullableUri),
    avatar_url: Type.Optional(NullableUri),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function meRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/me',
    {
      config: { auth: 'any' },
      schema: {
        summary: 'Get current user',
        description: "Returns the authenticated user's information. Answers any valid credential, whatever its scopes.",
        tags: ['users'],
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Ref('User'), ...errorResponses(401, 403, 429) },
      },
    },
    async (request) => userView(principalOf(request).user),
  );

  app.patch(
    '/me',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'Update my account (extension)',
        description:
          'Changes the email (unverified until the new address is verified; the old address is told), the password ' +
          '(needs current_password; ends every login session), bio, location, website or avatar_url. An empty string or null clears a text field.',
        tags: ['users'],
        security: [{ bearerAuth: [] }],
        body: ProfileBody,
        response: { 200: Type.Ref('User'), ...errorResponses(400, 401, 403, 409, 429) },
      },
    },
    async (request) => userView(await updateProfile(ctx, principalOf(request), request.body, requestMeta(request))),
  );

  app.get(
    '/me/audit',
    {
      config: { auth: 'read' },
      schema: {
        summary: 'My audit events (extension)',
        description: 'Logins, token changes, password changes, publishes ... newest first.',
        tags: ['users'],
        security: [{ bearerAuth: [] }],
        querystring: Type.Object(Pagination),
        response: { 200: Type.Ref('AuditPage'), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => listOwnAudit(ctx, principalOf(request), request.query.page ?? 1, request.query.per_page ?? 20),
  );
}
