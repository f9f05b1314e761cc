// Queries on users and their single-use mail tokens (verification, password reset).
import type { Queryable } from '../ports/database.js';
import { uniqueViolation } from './errors.js';

export interface UserRow {
  id: string;
  username: string;
  email: string;
  email_verified: boolean;
  password_hash: string | null;
  avatar_url: string | null;
  bio: string | null;
  location: string | null;
  website: string | null;
  github_username: string | null;
  is_admin: boolean;
  is_suspended: boolean;
  credentials_changed_at: Date;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, username, email, email_verified, password_hash, avatar_url, bio, location, website, github_username,
  is_admin, is_suspended, credentials_changed_at, created_at, updated_at`;

export async function findUserById(db: Queryable, id: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(email) = lower($1)`, [email]);
  return rows[0] ?? null;
}

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(username) = lower($1)`, [username]);
  return rows[0] ?? null;
}

export interface NewUser {
  username: string;
  email: string;
  passwordHash: string;
  isAdmin?: boolean;
  emailVerified?: boolean;
}

export type InsertUserResult = { user: UserRow } | { taken: 'username' | 'email' };

export async function insertUser(db: Queryable, user: NewUser): Promise<InsertUserResult> {
  try {
    const { rows } = await db.query<UserRow>(
      `INSERT INTO users (username, email, password_hash, is_admin, email_verified) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [user.username, user.email, user.passwordHash, user.isAdmin ?? false, user.emailVerified ?? false],
    );
    return { user: rows[0]! };
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === 'users_username_key') return { taken: 'username' };
    if (constraint === 'users_email_key') return { taken: 'email' };
    throw error;
  }
}

export interface ProfileChanges {
  email?: string;
  emailVerified?: boolean;
  passwordHash?: string;
  bio?: string | null;
  location?: string | null;
  website?: string | null;
  avatarUrl?: string | null;
  isSuspended?: boolean;
}

/** Applies the given changes; a new password hash also ends every login issued before (credentials_changed_at). */
export async function updateUser(db: Queryable, id: string, changes: ProfileChanges): Promise<UserRow | { taken: 'email' }> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (changes.email !== undefined) set('email', changes.email);
  if (changes.emailVerified !== undefined) set('email_verified', changes.emailVerified);
  if (changes.passwordHash !== undefined) {
    set('password_hash', changes.passwordHash);
    sets.push('credentials_changed_at = clock_timestamp()');
  }
  if (changes.bio !== undefined) set('bio', changes.bio);
  if (changes.location !== undefined) set('location', changes.location);
  if (changes.website !== undefined) set('website', changes.website);
  if (changes.avatarUrl !== undefined) set('avatar_url', changes.avatarUrl);
  if (changes.isSuspended !== undefined) {
    set('is_suspended', changes.isSuspended);
    sets.push(changes.isSuspended ? 'suspended_at = now()' : 'suspended_at = NULL');
  }
  sets.push('updated_at = now()');
  try {
    const { rows } = await db.query<UserRow>(`UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`, params);
    if (rows[0] === undefined) throw new Error(`no user ${id}`);
    return rows[0];
  } catch (error) {
    if (uniqueViolation(error) === 'users_email_key') return { taken: 'email' };
    throw error;
  }
}

export async function countUsers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM users');
  return rows[0]!.count;
}

// ---- single-use mail tokens --------------------------------------------------------------------------------------

export async function insertEmailVerification(db: Queryable, userId: string, email: string, tokenHash: string, ttlMs: number): Promise<void> {
  await db.query(
    `INSERT INTO email_verifications (user_id, email, token_hash, expires_at) VALUES ($1, $2, $3, now() + ($4 || ' milliseconds')::interval)`,
    [userId, email, tokenHash, String(ttlMs)],
  );
}

/** Uses a verification token once: marks it used and returns its user and address, or null when unusable. */
export async function consumeEmailVerification(db: Queryable, tokenHash: string): Promise<{ user_id: string; email: string } | null> {
  const { rows } = await db.query<{ user_id: string; email: string }>(
    `UPDATE email_verifications SET used_at = now()
     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now()
     RETURNING user_id, email`,
    [tokenHash],
  );
  return rows[0] ?? null;
}

export async function insertPasswordReset(db: Queryable, userId: string, tokenHash: string, ttlMs: number): Promise<void> {
  await db.query(`INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, now() + ($3 || ' milliseconds')::interval)`, [
    userId,
    tokenHash,
    String(ttlMs),
  ]);
}

export async function consumePasswordReset(db: Queryable, tokenHash: string): Promise<{ user_id: string } | null> {
  const { rows } = await db.query<{ user_id: string }>(
    `UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
    [tokenHash],
  );
  return rows[0] ?? null;
}
