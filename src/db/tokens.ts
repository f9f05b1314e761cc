// Queries on API tokens. Only the SHA-256 of a token is ever stored or looked up.
import type { Queryable } from '../ports/database.js';
import type { Scope } from '../core/scopes.js';

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scopes: Scope[];
  packages: string[] | null;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const COLUMNS = 'id, user_id, name, scopes, packages, expires_at, last_used_at, revoked_at, created_at';

export interface NewToken {
  userId: string;
  name: string;
  tokenHash: string;
  scopes: Scope[];
  packages: string[] | null;
  expiresAt: Date | null;
}

export async function insertToken(db: Queryable, token: NewToken): Promise<TokenRow> {
  const { rows } = await db.query<TokenRow>(
    `INSERT INTO api_tokens (user_id, name, token_hash, scopes, packages, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [token.userId, token.name, token.tokenHash, token.scopes, token.packages, token.expiresAt],
  );
  return rows[0]!;
}

export async function findTokenByHash(db: Queryable, tokenHash: string): Promise<TokenRow | null> {
  const { rows } = await db.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = $1`, [tokenHash]);
  return rows[0] ?? null;
}

export async function findUserToken(db: Queryable, userId: string, tokenId: string): Promise<TokenRow | null> {
  const { rows } = await db.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2`, [tokenId, userId]);
  return rows[0] ?? null;
}

/** The user's tokens that are not revoked, newest first (expired ones included: they show when they expired). */
export async function listUserTokens(db: Queryable, userId: string): Promise<TokenRow[]> {
  const { rows } = await db.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id`, [userId]);
  return rows;
}

/** Revokes a token; false when it was already revoked. */
export async function revokeToken(db: Queryable, tokenId: string): Promise<boolean> {
  const { rowCount } = await db.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [tokenId]);
  return rowCount > 0;
}

/** Records a use, at most once a minute per token whatever the number of processes. */
export async function touchToken(db: Queryable, tokenId: string, ip: string): Promise<void> {
  await db.query(
    `UPDATE api_tokens SET last_used_at = now(), last_used_ip = $2
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [tokenId, ip],
  );
}

export interface ExpiringToken {
  id: string;
  name: string;
  expires_at: Date;
  email: string;
  username: string;
}

/** Claims the tokens expiring within `withinMs` whose owners have not been reminded yet, marking them reminded. */
export async function claimExpiringTokens(db: Queryable, withinMs: number, limit: number): Promise<ExpiringToken[]> {
  const { rows } = await db.query<ExpiringToken>(
    `WITH due AS (
       SELECT t.id FROM api_tokens t JOIN users u ON u.id = t.user_id
       WHERE t.revoked_at IS NULL AND t.expiry_reminder_sent_at IS NULL AND NOT u.is_suspended
         AND t.expires_at > now() AND t.expires_at <= now() + ($1 || ' milliseconds')::interval
       ORDER BY t.expires_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED
     )
     UPDATE api_tokens t SET expiry_reminder_sent_at = now() FROM due, users u
     WHERE t.id = due.id AND u.id = t.user_id
     RETURNING t.id, t.name, t.expires_at, u.email, u.username`,
    [String(withinMs), limit],
  );
  return rows;
}
