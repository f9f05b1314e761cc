// /auth: registration, email verification, login, password reset (tag auth). Account actions are rate-limited
// per address, more strictly than other routes, against guessing.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { login, register, requestPasswordReset, resendVerification, resetPassword, userView, verifyEmail } from '../../services/accounts.js';
import { principalOf, requestMeta } from '../auth.js';
import { errorResponses } from '../schemas.js';

export const Username = Type.String({ minLength: 3, maxLength: 39, pattern: '^[a-zA-Z0-9_-]+$' });
export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ format: 'password', minLength: 8, maxLength: 1024 });
const MailToken = Type.String({ minLength: 1, maxLength: 200 });

export function authRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/auth/register',
    {
      config: { rateLimit: 'account' },
      schema: {
        summary: 'Register a new user',
        description: 'Creates a new user account and mails a verification link (valid 24 hours) to its address.',
        tags: ['auth'],
        body: Type.Object({ username: Username, email: Email, password: Password }),
        response: { 201: Type.Ref('User'), ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const user = await register(ctx, request.body, requestMeta(request));
      return reply.code(201).send(userView(user));
    },
  );

  app.post(
    '/auth/verify',
    {
      config: { rateLimit: 'account' },
      schema: {
        summary: 'Verify an email address (extension)',
        description: 'Uses the token from a verification link. Each link works once, for 24 hours.',
        tags: ['auth'],
        body: Type.Object({ token: MailToken }),
        response: { 200: Type.Ref('User'), ...errorResponses(400, 429) },
      },
    },
    async (request) => userView(await verifyEmail(ctx, request.body.token, requestMeta(request))),
  );

  app.post(
    '/auth/verify/resend',
    {
      config: { rateLimit: 'account', auth: 'read' },
      schema: {
        summary: 'Send a new verification link (extension)',
        tags: ['auth'],
        security: [{ bearerAuth: [] }],
        response: { 202: Type.Ref('Message'), ...errorResponses(401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      await resendVerification(ctx, principalOf(request));
      return reply.code(202).send({ message: `A verification link was sent to ${principalOf(request).user.email}.` });
    },
  );

  app.post(
    '/auth/login',
    {
      config: { rateLimit: 'account' },
      schema: {
        summary: 'Login with credentials',
        description: 'Returns a login token (JWT) carrying every scope the user has. Unknown email and wrong password get the same answer.',
        tags: ['auth'],
        body: Type.Object({ email: Type.String({ format: 'email', maxLength: 254 }), password: Type.String({ format: 'password', maxLength: 1024 }) }),
        response: { 200: Type.Ref('AuthResponse'), ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => login(ctx, request.body.email, request.body.password, requestMeta(request)),
  );

  app.post(
    '/auth/password-reset/request',
    {
      config: { rateLimit: 'account' },
      schema: {
        summary: 'Ask for a password reset link (extension)',
        description: 'Always 202, whether or not the address has an account.',
        tags: ['auth'],
        body: Type.Object({ email: Email }),
        response: { 202: Type.Ref('Message'), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(ctx, request.body.email, requestMeta(request));
      return reply.code(202).send({ message: 'If the address has an account, a reset link is on its way.' });
    },
  );

  app.post(
    '/auth/password-reset',
    {
      config: { rateLimit: 'account' },
      schema: {
        summary: 'Choose a new password with a reset link (extension)',
        description: 'Ends every login session issued before.',
        tags: ['auth'],
        body: Type.Object({ token: MailToken, password: Password }),
        response: { 200: Type.Ref('Message'), ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      await resetPassword(ctx, request.body.token, request.body.password, requestMeta(request));
      return { message: 'Your password was changed. Log in with the new one.' };
    },
  );
}
