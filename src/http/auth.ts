// Authentication and authorization for routes. Every request's bearer is resolved once (onRequest, before rate
// limiting, so limits can be per user); each route declares what it needs in its config:
//   auth: 'any'      any valid credential, whatever its scopes (GET /me, GET /auth/tokens/current)
//   auth: Scope      a credential holding that scope ('read' | 'publish' | 'admin')
// Routes without `auth` are public.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../core/scopes.js';
import { AppError } from '../errors.js';
import type { Principal } from '../services/authentication.js';
import type { RequestMeta } from '../services/notify.js';

export type AuthRequirement = 'any' | Scope;
export type RateCategory = 'search' | 'download' | 'publish' | 'other' | 'account' | 'web';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** The rate-limit bucket of the route; false for routes that are never limited. */
    rateLimit?: RateCategory | false;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** A credential that failed to authenticate, raised after the request has been counted by the rate limiter. */
    authError: AppError | null;
  }
}

/** The principal a route handler may rely on (its route declared `auth`). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === null) throw new Error(`route ${request.routeOptions.url} reads the principal without declaring auth`);
  return request.principal;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, ...(userAgent !== undefined && { userAgent }) };
}

/** preValidation: refuses requests whose credential does not meet the route's requirement. */
export async function authorize(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const needed = request.routeOptions.config.auth;
  if (needed === undefined) return;
  const principal = request.principal;
  if (principal === null) {
    throw new AppError(401, 'unauthorized', 'Authentication required: send "Authorization: Bearer <token>" (create a token, then run `sounio login`).');
  }
  if (needed === 'any') return;
  if (needed === 'admin' && !principal.user.is_admin) throw new AppError(403, 'admin_required', 'Only registry administrators may do this.');
  if (!principal.scopes.includes(needed)) {
    throw new AppError(403, 'missing_scope', `This token lacks the ${needed} scope that this action needs.`, { required_scope: needed });
  }
}
