// Browser sessions: logging in through the web interface starts one (a random secret the browser keeps in a signed,
// httpOnly cookie; the database keeps its SHA-256), each page resolves it to the same Principal a login JWT gives,
// and logging out deletes it. A password change ends every session (they are bound to the credentials version), as
// does suspension.
import type { Context } from '../context.js';
import { insertAuditEvent } from '../db/audit.js';
import { findUserById, type UserRow } from '../db/users.js';
import { deleteWebSession, findWebSession, insertWebSession, touchWebSession } from '../db/web-sessions.js';
import { checkLogin } from './accounts.js';
import { userScopes, type Principal } from './authentication.js';
import { randomSecret, sha256 } from './crypto.js';
import type { RequestMeta } from './notify.js';

/** How long a browser session lasts from login. */
export const WEB_SESSION_TTL_MS = 14 * 24 * 3600 * 1000;

/** Starts a session for a user who has just proven who they are; returns the secret for the cookie. */
export async function startWebSession(ctx: Context, user: UserRow, meta: RequestMeta): Promise<string> {
  const secret = randomSecret();
  await insertWebSession(ctx.db, {
    userId: user.id,
    tokenHash: sha256(secret),
    credentialsVersion: user.credentials_changed_at,
    ttlMs: WEB_SESSION_TTL_MS,
    ...meta,
  });
  return secret;
}

/** Email and password checked by the accounts service (audited there), then a session. */
export async function logInWithPassword(ctx: Context, email: string, password: string, meta: RequestMeta): Promise<{ user: UserRow; secret: string }> {
  const user = await checkLogin(ctx, email, password, meta);
  return { user, secret: await startWebSession(ctx, user, meta) };
}

/** The principal of a session secret; null when it is unknown, expired, ended by a password change or suspension. */
export async function webSessionPrincipal(ctx: Context, secret: string): Promise<Principal | null> {
  const session = await findWebSession(ctx.db, sha256(secret));
  if (session === null) return null;
  const user = await findUserById(ctx.db, session.user_id);
  if (user === null || user.is_suspended || user.credentials_changed_at.getTime() !== session.credentials_version.getTime()) return null;
  if (Date.now() - session.last_seen_at.getTime() > 60_000) await touchWebSession(ctx.db, session.id);
  return { user, via: 'login', scopes: userScopes(user), packages: null, tokenId: null };
}

export async function endWebSession(ctx: Context, secret: string, meta: RequestMeta): Promise<void> {
  const userId = await deleteWebSession(ctx.db, sha256(secret));
  if (userId !== null) await insertAuditEvent(ctx.db, { userId, action: 'logout', resourceType: 'user', resourceId: userId, ...meta });
}
