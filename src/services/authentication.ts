// Who is calling: a bearer is either an API token (`sounio_…`, looked up by its SHA-256) or a login JWT. Every
// failure is a 401 whose message says which (malformed, unknown, revoked, expired, session ended); a suspended
// user's credentials are refused with 403.
import type { Context } from '../context.js';
import { isWellFormedToken, TOKEN_PREFIX } from '../core/token-format.js';
import { DEFAULT_SCOPES, type Scope } from '../core/scopes.js';
import { findTokenByHash, touchToken } from '../db/tokens.js';
import { findUserById, type UserRow } from '../db/users.js';
import { AppError } from '../errors.js';
import { sha256 } from './crypto.js';
import { looksLikeJwt, verifyLoginJwt } from './sessions.js';

export interface Principal {
  user: UserRow;
  /** How the caller authenticated: an API token, or a login (JWT from /auth/login, or a browser session). */
  via: 'token' | 'login';
  scopes: Scope[];
  /** Package patterns the credential is limited to; null for every package. */
  packages: string[] | null;
  tokenId: string | null;
}

const invalid = (code: string, message: string) => new AppError(401, code, message);

/** Every scope a user holds: what a login carries. */
export function userScopes(user: UserRow): Scope[] {
  return user.is_admin ? [...DEFAULT_SCOPES, 'admin'] : [...DEFAULT_SCOPES];
}

function refuseSuspended(user: UserRow): void {
  if (user.is_suspended) throw new AppError(403, 'account_suspended', 'This account is suspended; its credentials do not work.');
}

/** Authenticates an Authorization header value; null when there is none. */
export async function authenticate(ctx: Context, authorization: string | undefined, ip: string): Promise<Principal | null> {
  if (authorization === undefined || authorization === '') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw invalid('invalid_token', 'The Authorization header must be "Bearer <token>".');
  const bearer = match[1]!;

  if (bearer.startsWith(TOKEN_PREFIX)) {
    if (!isWellFormedToken(bearer)) throw invalid('invalid_token', 'The API token is malformed (its checksum does not match); check that it was copied whole.');
    const token = await findTokenByHash(ctx.db, sha256(bearer));
    if (token === null) throw invalid('invalid_token', 'The API token is not known to this registry.');
    if (token.revoked_at !== null) throw invalid('token_revoked', `The API token "${token.name}" was revoked on ${token.revoked_at.toISOString()}.`);
    if (token.expires_at !== null && token.expires_at.getTime() <= Date.now()) {
      throw invalid('token_expired', `The API token "${token.name}" expired on ${token.expires_at.toISOString()}.`);
    }
    const user = await findUserById(ctx.db, token.user_id);
    if (user === null) throw invalid('invalid_token', 'The API token is not known to this registry.');
    refuseSuspended(user);
    if (token.last_used_at === null || Date.now() - token.last_used_at.getTime() > 60_000) {
      await touchToken(ctx.db, token.id, ip);
    }
    // A token never grants more than its user holds now (an admin who lost the role loses `admin` on every token).
    const scopes = token.scopes.filter((scope) => userScopes(user).includes(scope));
    return { user, via: 'token', scopes, packages: token.packages, tokenId: token.id };
  }

  if (looksLikeJwt(bearer)) {
    const check = await verifyLoginJwt(ctx.secrets.jwtSecret, bearer);
    if (!check.ok) {
      throw check.reason === 'expired'
        ? invalid('token_expired', 'Your login session expired; log in again.')
        : invalid('invalid_token', 'The login token is not valid for this registry.');
    }
    const user = await findUserById(ctx.db, check.claims.userId);
    if (user === null) throw invalid('invalid_token', 'The login token is not valid for this registry.');
    if (user.credentials_changed_at.getTime() !== check.claims.credentialsVersion) {
      throw invalid('session_ended', 'This login session ended when the password was changed; log in again.');
    }
    refuseSuspended(user);
    return { user, via: 'login', scopes: userScopes(user), packages: null, tokenId: null };
  }

  throw invalid('invalid_token', 'The bearer token is malformed: expected an API token (sounio_…) or a login token.');
}
