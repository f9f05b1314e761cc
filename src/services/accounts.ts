// Accounts: registration with email verification, login (JWT), password reset, profile changes, and a user's own
// audit trail. Unknown email and wrong password look and cost the same; passwords are argon2id hashes.
import type { Context } from '../context.js';
import { insertAuditEvent, listUserAudit } from '../db/audit.js';
import {
  consumeEmailVerification,
  consumePasswordReset,
  findUserByEmail,
  findUserById,
  insertEmailVerification,
  insertPasswordReset,
  insertUser,
  updateUser,
  type ProfileChanges,
  type UserRow,
} from '../db/users.js';
import { AppError, badRequest, conflict, unauthorized } from '../errors.js';
import type { Queryable } from '../ports/database.js';
import type { Principal } from './authentication.js';
import { hashPassword, randomSecret, sha256, verifyPassword } from './crypto.js';
import { emailChangedMail, passwordChangedMail, passwordResetMail, verificationMail } from './mail-templates.js';
import { sendMail, type RequestMeta } from './notify.js';
import { issueLoginJwt } from './sessions.js';

const VERIFICATION_TTL_MS = 24 * 3600 * 1000;
const RESET_TTL_MS = 3600 * 1000;

export interface UserView {
  id: string;
  username: string;
  email: string;
  email_verified: boolean;
  is_admin: boolean;
  avatar_url?: string;
  bio?: string;
  location?: string;
  website?: string;
  created_at: string;
}

export function userView(user: UserRow): UserView {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    email_verified: user.email_verified,
    is_admin: user.is_admin,
    ...(user.avatar_url !== null && { avatar_url: user.avatar_url }),
    ...(user.bio !== null && { bio: user.bio }),
    ...(user.location !== null && { location: user.location }),
    ...(user.website !== null && { website: user.website }),
    created_at: user.created_at.toISOString(),
  };
}

/** Creates a verification token for the user's current address and returns the link to mail. */
async function newVerificationLink(ctx: Context, db: Queryable, user: UserRow): Promise<string> {
  const token = randomSecret();
  await insertEmailVerification(db, user.id, user.email, sha256(token), VERIFICATION_TTL_MS);
  return `${ctx.config.publicUrl}/verify?token=${token}`;
}

export interface Registration {
  username: string;
  email: string;
  password: string;
}

export interface CreateUserOptions {
  isAdmin?: boolean;
  emailVerified?: boolean;
  /** Send the verification mail (registration does; the admin command does not when --verified). */
  sendVerification?: boolean;
}

export async function createUser(ctx: Context, registration: Registration, meta: RequestMeta, options: CreateUserOptions = {}): Promise<UserRow> {
  const passwordHash = await hashPassword(registration.password);
  const { user, link } = await ctx.db.transaction(async (tx) => {
    const result = await insertUser(tx, {
      username: registration.username,
      email: registration.email,
      passwordHash,
      isAdmin: options.isAdmin ?? false,
      emailVerified: options.emailVerified ?? false,
    });
    if ('taken' in result) {
      throw result.taken === 'username'
        ? conflict('username_taken', `The username ${registration.username} is taken.`, { field: 'username' })
        : conflict('email_taken', 'An account with this email address exists already.', { field: 'email' });
    }
    await insertAuditEvent(tx, { userId: result.user.id, action: 'register', resourceType: 'user', resourceId: result.user.id, details: { username: result.user.username }, ...meta });
    const link = options.sendVerification === false || result.user.email_verified ? null : await newVerificationLink(ctx, tx, result.user);
    return { user: result.user, link };
  });
  if (link !== null) await sendMail(ctx, verificationMail(user.email, user.username, link));
  return user;
}

export function register(ctx: Context, registration: Registration, meta: RequestMeta): Promise<UserRow> {
  return createUser(ctx, registration, meta);
}

export async function verifyEmail(ctx: Context, token: string, meta: RequestMeta): Promise<UserRow> {
  return ctx.db.transaction(async (tx) => {
    const used = await consumeEmailVerification(tx, sha256(token));
    if (used === null) throw new AppError(400, 'invalid_verification_token', 'This verification link is invalid, expired or already used.');
    const user = await findUserById(tx, used.user_id);
    // A link sent to a previous address does not verify the current one.
    if (user === null || user.email.toLowerCase() !== used.email.toLowerCase()) {
      throw new AppError(400, 'invalid_verification_token', 'This verification link was sent to an address the account no longer uses.');
    }
    const updated = await updateUser(tx, user.id, { emailVerified: true });
    if ('taken' in updated) throw new Error('unreachable');
    await insertAuditEvent(tx, { userId: user.id, action: 'verify_email', resourceType: 'user', resourceId: user.id, details: { email: user.email }, ...meta });
    return updated;
  });
}

export async function resendVerification(ctx: Context, principal: Principal): Promise<void> {
  const user = principal.user;
  if (user.email_verified) throw conflict('already_verified', `${user.email} is verified already.`);
  const link = await newVerificationLink(ctx, ctx.db, user);
  await sendMail(ctx, verificationMail(user.email, user.username, link));
}

export interface LoginResult {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  user: UserView;
}

/**
 * Checks an email and password (a failure and a success are both audited) and returns the user: what every way of
 * logging in shares, the API's JWT login and the web interface's session alike.
 */
export async function checkLogin(ctx: Context, email: string, password: string, meta: RequestMeta): Promise<UserRow> {
  const user = await findUserByEmail(ctx.db, email);
  // verifyPassword costs the same for an unknown email (it checks a decoy hash), so timing tells nothing.
  const ok = await verifyPassword(user?.password_hash ?? null, password);
  if (user === null || !ok) {
    await insertAuditEvent(ctx.db, { userId: user?.id ?? null, action: 'login_failure', resourceType: 'user', ...(user && { resourceId: user.id }), details: { email: email.slice(0, 254) }, ...meta });
    throw unauthorized('The email address or password is wrong.', 'invalid_credentials');
  }
  if (user.is_suspended) throw new AppError(403, 'account_suspended', 'This account is suspended.');
  await insertAuditEvent(ctx.db, { userId: user.id, action: 'login', resourceType: 'user', resourceId: user.id, ...meta });
  return user;
}

export async function login(ctx: Context, email: string, password: string, meta: RequestMeta): Promise<LoginResult> {
  const user = await checkLogin(ctx, email, password, meta);
  const token = await issueLoginJwt(ctx.secrets.jwtSecret, user.id, user.credentials_changed_at.getTime(), ctx.config.jwtTtlSeconds);
  return { token, token_type: 'Bearer', expires_in: ctx.config.jwtTtlSeconds, user: userView(user) };
}

/** Always succeeds from the caller's point of view: whether the address has an account is not revealed. */
export async function requestPasswordReset(ctx: Context, email: string, meta: RequestMeta): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (user === null || user.is_suspended) return;
  const token = randomSecret();
  await insertPasswordReset(ctx.db, user.id, sha256(token), RESET_TTL_MS);
  await insertAuditEvent(ctx.db, { userId: user.id, action: 'password_reset_request', resourceType: 'user', resourceId: user.id, ...meta });
  await sendMail(ctx, passwordResetMail(user.email, user.username, `${ctx.config.publicUrl}/password-reset?token=${token}`));
}

export async function resetPassword(ctx: Context, token: string, password: string, meta: RequestMeta): Promise<void> {
  const passwordHash = await hashPassword(password);
  const user = await ctx.db.transaction(async (tx) => {
    const used = await consumePasswordReset(tx, sha256(token));
    if (used === null) throw new AppError(400, 'invalid_reset_token', 'This password reset link is invalid, expired or already used.');
    const updated = await updateUser(tx, used.user_id, { passwordHash });
    if ('taken' in updated) throw new Error('unreachable');
    await insertAuditEvent(tx, { userId: updated.id, action: 'password_change', resourceType: 'user', resourceId: updated.id, details: { via: 'reset' }, ...meta });
    return updated;
  });
  await sendMail(ctx, passwordChangedMail(user.email, user.username));
}

export interface ProfileUpdate {
  email?: string;
  password?: string;
  current_password?: string;
  bio?: string | null;
  location?: string | null;
  website?: string | null;
  avatar_url?: string | null;
}

export async function updateProfile(ctx: Context, principal: Principal, update: ProfileUpdate, meta: RequestMeta): Promise<UserRow> {
  const user = principal.user;
  const changes: ProfileChanges = {};
  const emailChanged = update.email !== undefined && update.email.toLowerCase() !== user.email.toLowerCase();
  if (update.email !== undefined && update.email !== user.email) {
    changes.email = update.email;
    if (emailChanged) changes.emailVerified = false;
  }
  if (update.password !== undefined) {
    if (update.current_password === undefined) throw badRequest('Changing the password needs current_password.', { field: 'current_password' });
    if (!(await verifyPassword(user.password_hash, update.current_password))) {
      throw new AppError(403, 'wrong_password', 'current_password is not your current password.', { field: 'current_password' });
    }
    changes.passwordHash = await hashPassword(update.password);
  }
  for (const field of ['bio', 'location', 'website'] as const) {
    if (update[field] !== undefined) changes[field] = update[field] === '' ? null : update[field];
  }
  if (update.avatar_url !== undefined) changes.avatarUrl = update.avatar_url === '' ? null : update.avatar_url;

  const { updated, link } = await ctx.db.transaction(async (tx) => {
    const result = await updateUser(tx, user.id, changes);
    if ('taken' in result) throw conflict('email_taken', 'An account with this email address exists already.', { field: 'email' });
    if (emailChanged) await insertAuditEvent(tx, { userId: user.id, action: 'email_change', resourceType: 'user', resourceId: user.id, details: { from: user.email, to: result.email }, ...meta });
    if (changes.passwordHash !== undefined) await insertAuditEvent(tx, { userId: user.id, action: 'password_change', resourceType: 'user', resourceId: user.id, details: { via: 'profile' }, ...meta });
    return { updated: result, link: emailChanged ? await newVerificationLink(ctx, tx, result) : null };
  });
  if (link !== null) {
    await sendMail(ctx, emailChangedMail(user.email, user.username, updated.email));
    await sendMail(ctx, verificationMail(updated.email, updated.username, link));
  }
  if (changes.passwordHash !== undefined) await sendMail(ctx, passwordChangedMail(updated.email, updated.username));
  return updated;
}

export interface AuditEntryView {
  id: number;
  action: string;
  resource_type?: string;
  resource_id?: string;
  details: Record<string, unknown>;
  ip?: string;
  user_agent?: string;
  created_at: string;
}

export async function listOwnAudit(ctx: Context, principal: Principal, page: number, perPage: number) {
  const { rows, total } = await listUserAudit(ctx.db, principal.user.id, perPage, (page - 1) * perPage);
  const events: AuditEntryView[] = rows.map((row) => ({
    id: Number(row.id),
    action: row.action,
    ...(row.resource_type !== null && { resource_type: row.resource_type }),
    ...(row.resource_id !== null && { resource_id: row.resource_id }),
    details: row.details,
    ...(row.ip !== null && { ip: row.ip }),
    ...(row.user_agent !== null && { user_agent: row.user_agent }),
    created_at: row.created_at.toISOString(),
  }));
  return { events, total, page, per_page: perPage, has_next: page * perPage < total };
}

export async function setSuspended(ctx: Context, user: UserRow, suspended: boolean, actorId: string | null): Promise<UserRow> {
  return ctx.db.transaction(async (tx) => {
    const updated = await updateUser(tx, user.id, { isSuspended: suspended });
    if ('taken' in updated) throw new Error('unreachable');
    await insertAuditEvent(tx, { userId: actorId ?? user.id, action: suspended ? 'suspend' : 'unsuspend', resourceType: 'user', resourceId: user.id, details: { username: user.username } });
    return updated;
  });
}
