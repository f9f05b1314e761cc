// Queries on browser sessions (web_sessions). Only the SHA-256 of a session secret is stored or looked up.
import type { Queryable } from '../ports/database.js';

export interface WebSessionRow {
  id: string;
  user_id: string;
  credentials_version: Date;
  last_seen_at: Date;
  expires_at: Date;
}

export interface NewWebSession {
  userId: string;
  tokenHash: string;
  credentialsVersion: Date;
  ttlMs: number;
  ip?: string;
  userAgent?: string;
}

export async function insertWebSession(db: Queryable, session: NewWebSession): Promise<void> {
  // Expired sessions of this user go first, so the table holds only what can still be used (plus other users' leftovers).
  await db.query('DELETE FROM web_sessions WHERE user_id = $1 AND expires_at <= now()', [session.userId]);
  await db.query(
    `INSERT INTO web_sessions (user_id, token_hash, credentials_version, ip, user_agent, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 millisecond')`,
    [session.userId, session.tokenHash, session.credentialsVersion, session.ip ?? null, session.userAgent?.slice(0, 500) ?? null, session.ttlMs],
  );
}

/** The session with this hash, if it has not expired. */
export async function findWebSession(db: Queryable, tokenHash: string): Promise<WebSessionRow | null> {
  const { rows } = await db.query<WebSessionRow>(
    'SELECT id, user_id, credentials_version, last_seen_at, expires_at FROM web_sessions WHERE token_hash = $1 AND expires_at > now()',
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function touchWebSession(db: Queryable, id: string): Promise<void> {
  await db.query('UPDATE web_sessions SET last_seen_at = now() WHERE id = $1', [id]);
}

export async function deleteWebSession(db: Queryable, tokenHash: string): Promise<string | null> {
  const { rows } = await db.query<{ user_id: string }>('DELETE FROM web_sessions WHERE token_hash = $1 RETURNING user_id', [tokenHash]);
  return rows[0]?.user_id ?? null;
}
