// API tokens: create (the secret is shown once), list, show the caller's own, revoke, rotate. A bearer hands out
// only what it holds: scopes within its own, package patterns within its own; `admin` only for admin users.
import { randomBytes } from 'node:crypto';
import type { Context } from '../context.js';
import { DEFAULT_SCOPES, PACKAGE_PATTERN, patternsWithin, scopesWithin, type Scope } from '../core/scopes.js';
import { formatToken } from '../core/token-format.js';
import { insertAuditEvent } from '../db/audit.js';
import { findUserToken, insertToken, listUserTokens, revokeToken, type TokenRow } from '../db/tokens.js';
import { AppError, badRequest, forbidden, notFound } from '../errors.js';
import type { Principal } from './authentication.js';
import { sha256 } from './crypto.js';
import { tokenCreatedMail } from './mail-templates.js';
import { sendMail, type RequestMeta } from './notify.js';

export interface ApiTokenView {
  id: string;
  name: string;
  scopes: Scope[];
  packages?: string[];
  created_at: string;
  expires_at?: string;
  last_used_at?: string;
}

export interface CreatedTokenView extends ApiTokenView {
  token: string;
}

export function tokenView(row: TokenRow): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    ...(row.packages !== null && { packages: row.packages }),
    created_at: row.created_at.toISOString(),
    ...(row.expires_at !== null && { expires_at: row.expires_at.toISOString() }),
    ...(row.last_used_at !== null && { last_used_at: row.last_used_at.toISOString() }),
  };
}

export function newTokenSecret(): string {
  for (;;) {
    const token = formatToken(randomBytes(64));
    if (token !== null) return token;
  }
}

export interface TokenRequest {
  name: string;
  scopes?: string[];
  expires_at?: string | null;
  packages?: string[] | null;
}

/** Checks that `principal` may hold (and so hand out) a token with these scopes and patterns. */
function assertWithinBearer(principal: Principal, scopes: Scope[], packages: string[] | null, verb: string): void {
  if (scopes.includes('admin') && !principal.user.is_admin) {
    throw forbidden('Only admin users can hold tokens with the admin scope.', 'missing_scope', { scope: 'admin' });
  }
  if (!scopesWithin(scopes, principal.scopes)) {
    const extra = scopes.filter((scope) => !principal.scopes.includes(scope));
    throw forbidden(`This credential cannot ${verb} a token with the ${extra.join(', ')} scope${extra.length > 1 ? 's' : ''}: it does not hold ${extra.length > 1 ? 'them' : 'it'}.`, 'missing_scope', { scopes: extra });
  }
  if (!patternsWithin(packages, principal.packages)) {
    throw forbidden(`This credential is limited to the packages ${principal.packages!.join(', ')} and cannot ${verb} a token beyond them.`, 'package_not_allowed', {
      packages: principal.packages,
    });
  }
}

function parseRequest(request: TokenRequest): { name: string; scopes: Scope[]; packages: string[] | null; expiresAt: Date | null } {
  const name = request.name.trim();
  if (name.length === 0 || name.length > 100) throw badRequest('The token name must be 1–100 characters.', { field: 'name' });
  const scopes = [...new Set((request.scopes ?? DEFAULT_SCOPES) as Scope[])];
  if (scopes.length === 0) throw badRequest('A token needs at least one scope.', { field: 'scopes' });
  let packages: string[] | null = null;
  if (request.packages !== undefined && request.packages !== null) {
    if (request.packages.length === 0) throw badRequest('packages, when given, must list at least one name or pattern.', { field: 'packages' });
    const bad = request.packages.find((pattern) => !PACKAGE_PATTERN.test(pattern));
    if (bad !== undefined) throw badRequest(`"${bad}" is not a package name or a prefix* pattern.`, { field: 'packages' });
    packages = [...new Set(request.packages)];
  }
  let expiresAt: Date | null = null;
  if (request.expires_at !== undefined && request.expires_at !== null) {
    expiresAt = new Date(request.expires_at);
    if (Number.isNaN(expiresAt.getTime())) throw badRequest('expires_at must be a date-time.', { field: 'expires_at' });
    if (expiresAt.getTime() <= Date.now()) throw badRequest('expires_at is in the past.', { field: 'expires_at' });
  }
  return { name, scopes, packages, expiresAt };
}

export async function createToken(ctx: Context, principal: Principal, request: TokenRequest, meta: RequestMeta): Promise<CreatedTokenView> {
  const wanted = parseRequest(request);
  assertWithinBearer(principal, wanted.scopes, wanted.packages, 'create');
  const secret = newTokenSecret();
  const row = await ctx.db.transaction(async (tx) => {
    const created = await insertToken(tx, { userId: principal.user.id, tokenHash: sha256(secret), ...wanted });
    await insertAuditEvent(tx, {
      userId: principal.user.id,
      action: 'token_create',
      resourceType: 'api_token',
      resourceId: created.id,
      details: { name: created.name, scopes: created.scopes, packages: created.packages },
      ...meta,
    });
    return created;
  });
  await sendMail(ctx, tokenCreatedMail(principal.user.email, principal.user.username, row.name, row.scopes, `${ctx.config.publicUrl}/settings/tokens`));
  return { ...tokenView(row), token: secret };
}

export async function listTokens(ctx: Context, principal: Principal): Promise<ApiTokenView[]> {
  return (await listUserTokens(ctx.db, principal.user.id)).map(tokenView);
}

export async function currentToken(ctx: Context, principal: Principal): Promise<ApiTokenView> {
  if (principal.tokenId === null) throw new AppError(400, 'not_an_api_token', 'You are authenticated with a login token, not an API token.');
  const row = await findUserToken(ctx.db, principal.user.id, principal.tokenId);
  if (row === null) throw notFound('The token was not found.');
  return tokenView(row);
}

async function ownToken(ctx: Context, principal: Principal, tokenId: string, verb: string): Promise<TokenRow> {
  const row = await findUserToken(ctx.db, principal.user.id, tokenId);
  if (row === null) throw notFound(`You have no token with the id ${tokenId}.`, { token_id: tokenId });
  assertWithinBearer(principal, row.scopes, row.packages, verb);
  return row;
}

export async function revokeUserToken(ctx: Context, principal: Principal, tokenId: string, meta: RequestMeta): Promise<void> {
  const row = await ownToken(ctx, principal, tokenId, 'revoke');
  await ctx.db.transaction(async (tx) => {
    if (await revokeToken(tx, row.id)) {
      await insertAuditEvent(tx, { userId: principal.user.id, action: 'token_revoke', resourceType: 'api_token', resourceId: row.id, details: { name: row.name }, ...meta });
    }
  });
}

/** A new secret with the same name, scopes and patterns (and the same lifetime from now); the old one is revoked. */
export async function rotateToken(ctx: Context, principal: Principal, tokenId: string, meta: RequestMeta): Promise<CreatedTokenView> {
  const old = await ownToken(ctx, principal, tokenId, 'rotate');
  if (old.revoked_at !== null) throw new AppError(409, 'token_revoked', `The token "${old.name}" is revoked; create a new one instead.`);
  const lifetime = old.expires_at === null ? null : old.expires_at.getTime() - old.created_at.getTime();
  const secret = newTokenSecret();
  const row = await ctx.db.transaction(async (tx) => {
    if (!(await revokeToken(tx, old.id))) throw new AppError(409, 'token_revoked', `The token "${old.name}" was revoked meanwhile.`);
    const created = await insertToken(tx, {
      userId: principal.user.id,
      name: old.name,
      tokenHash: sha256(secret),
      scopes: old.scopes,
      packages: old.packages,
      expiresAt: lifetime === null ? null : new Date(Date.now() + lifetime),
    });
    await insertAuditEvent(tx, {
      userId: principal.user.id,
      action: 'token_rotate',
      resourceType: 'api_token',
      resourceId: created.id,
      details: { name: created.name, replaces: old.id },
      ...meta,
    });
    return created;
  });
  return { ...tokenView(row), token: secret };
}
