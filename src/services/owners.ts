// Package owners with consent, as crates.io does: an owner invites users (mailed a link; the invitation expires in
// 30 days), each invitee accepts or declines, and an owner can be removed (never the last). Owners are told when the
// owner list changes.
import type { Context } from '../context.js';
import { insertAuditEvent } from '../db/audit.js';
import {
  addOwner,
  findPackageByName,
  isOwner,
  listInvitationsForPackage,
  listInvitationsForUser,
  listOwners,
  removeOwner,
  takeInvitation,
  upsertInvitation,
  type InvitationRow,
  type PackageRow,
} from '../db/packages.js';
import { findUserByUsername, type UserRow } from '../db/users.js';
import { AppError, badRequest, conflict, notFound } from '../errors.js';
import type { Principal } from './authentication.js';
import { sendMail, type RequestMeta } from './notify.js';
import { packageChanged } from './package-events.js';
import { assertMayManage, requirePackage } from './packages.js';

export const INVITATION_TTL_MS = 30 * 24 * 3600 * 1000;

export interface OwnerView {
  username: string;
  avatar_url?: string;
}

export interface InvitationView {
  package: string;
  username: string;
  invited_by?: string;
  created_at: string;
  expires_at: string;
}

function invitationView(row: InvitationRow): InvitationView {
  return {
    package: row.package_name,
    username: row.invitee_username,
    ...(row.inviter_username !== null && { invited_by: row.inviter_username }),
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}

async function tellOwners(ctx: Context, pkg: PackageRow, what: string): Promise<void> {
  for (const owner of await listOwners(ctx.db, pkg.id)) {
    await sendMail(ctx, {
      to: owner.email,
      subject: `The owners of ${pkg.name} changed`,
      text: `Hello ${owner.username},\n\n${what}\n${ctx.config.publicUrl}/packages/${pkg.name}\n\n— The Sounio Package Registry\n`,
      links: [`${ctx.config.publicUrl}/packages/${pkg.name}`],
    });
  }
}

/** Owners of a package; pending invitations too when the caller is an owner or admin. */
export async function packageOwners(ctx: Context, principal: Principal | null, name: string): Promise<{ users: OwnerView[]; invitations?: InvitationView[] }> {
  const pkg = await requirePackage(ctx.db, name);
  const owners = await listOwners(ctx.db, pkg.id);
  const users = owners.map((owner) => ({ username: owner.username, ...(owner.avatar_url !== null && { avatar_url: owner.avatar_url }) }));
  const insider = principal !== null && (principal.user.is_admin || owners.some((owner) => owner.id === principal.user.id));
  if (!insider) return { users };
  return { users, invitations: (await listInvitationsForPackage(ctx.db, pkg.id)).map(invitationView) };
}

export async function inviteOwners(ctx: Context, principal: Principal, name: string, usernames: string[], meta: RequestMeta): Promise<{ invited: string[]; message: string }> {
  const pkg = await requirePackage(ctx.db, name);
  await assertMayManage(ctx.db, principal, pkg);
  const invitees: UserRow[] = [];
  for (const username of new Set(usernames)) {
    const user = await findUserByUsername(ctx.db, username);
    if (user === null) throw notFound(`There is no user named ${username}.`, { username });
    if (await isOwner(ctx.db, pkg.id, user.id)) throw conflict('already_owner', `${user.username} is an owner of ${pkg.name} already.`, { username: user.username });
    invitees.push(user);
  }
  await ctx.db.transaction(async (tx) => {
    for (const user of invitees) {
      await upsertInvitation(tx, pkg.id, user.id, principal.user.id, INVITATION_TTL_MS);
      await insertAuditEvent(tx, { userId: principal.user.id, action: 'owner_invite', resourceType: 'package', resourceId: pkg.id, details: { package: pkg.name, invitee: user.username }, ...meta });
    }
  });
  for (const user of invitees) {
    const link = `${ctx.config.publicUrl}/me/invitations`;
    await sendMail(ctx, {
      to: user.email,
      subject: `${principal.user.username} invites you to own ${pkg.name}`,
      text: `Hello ${user.username},\n\n${principal.user.username} invites you to become an owner of the package ${pkg.name}. Accept or decline within 30 days:\n${link}\n(or run \`sounio invitations accept ${pkg.name}\`)\n\n— The Sounio Package Registry\n`,
      links: [link],
    });
  }
  const invited = invitees.map((user) => user.username);
  if (invited.length > 0) await tellOwners(ctx, pkg, `${principal.user.username} invited ${invited.join(', ')} to become owner${invited.length > 1 ? 's' : ''} of ${pkg.name}.`);
  return { invited, message: `Invited ${invited.join(', ')} to own ${pkg.name}; each must accept.` };
}

export async function myInvitations(ctx: Context, principal: Principal): Promise<{ invitations: InvitationView[] }> {
  return { invitations: (await listInvitationsForUser(ctx.db, principal.user.id)).map(invitationView) };
}

export async function answerInvitation(ctx: Context, principal: Principal, name: string, accept: boolean, meta: RequestMeta): Promise<{ accepted: boolean; message: string }> {
  const pkg = await findPackageByName(ctx.db, name);
  if (pkg === null) throw notFound(`There is no package named ${name}.`, { package: name });
  const outcome = await ctx.db.transaction(async (tx) => {
    const invitation = await takeInvitation(tx, pkg.id, principal.user.id);
    if (invitation === null) throw notFound(`You have no invitation to own ${pkg.name}.`, { package: pkg.name });
    if (invitation.expires_at.getTime() <= Date.now()) return 'expired' as const;
    if (accept) await addOwner(tx, pkg.id, principal.user.id, invitation.inviter_id);
    await insertAuditEvent(tx, { userId: principal.user.id, action: accept ? 'owner_accept' : 'owner_decline', resourceType: 'package', resourceId: pkg.id, details: { package: pkg.name }, ...meta });
    return 'done' as const;
  });
  if (outcome === 'expired') throw new AppError(410, 'invitation_expired', `Your invitation to own ${pkg.name} expired; ask an owner to invite you again.`);
  if (accept) {
    await packageChanged(ctx, pkg.name);
    await tellOwners(ctx, pkg, `${principal.user.username} is now an owner of ${pkg.name}.`);
  }
  return { accepted: accept, message: accept ? `You are now an owner of ${pkg.name}.` : `You declined to own ${pkg.name}.` };
}

export async function removePackageOwner(ctx: Context, principal: Principal, name: string, username: string, meta: RequestMeta): Promise<{ message: string }> {
  const pkg = await requirePackage(ctx.db, name);
  await assertMayManage(ctx.db, principal, pkg);
  const user = await findUserByUsername(ctx.db, username);
  if (user === null) throw notFound(`There is no user named ${username}.`, { username });
  const removed = await ctx.db.transaction(async (tx) => {
    const locked = await requirePackage(tx, name, { forUpdate: true });
    if (await isOwner(tx, locked.id, user.id)) {
      const owners = await listOwners(tx, locked.id);
      if (owners.length <= 1) throw conflict('last_owner', `${user.username} is the last owner of ${locked.name}; invite another owner first.`);
      await removeOwner(tx, locked.id, user.id);
      await insertAuditEvent(tx, { userId: principal.user.id, action: 'owner_remove', resourceType: 'package', resourceId: locked.id, details: { package: locked.name, owner: user.username }, ...meta });
      return 'owner' as const;
    }
    if ((await takeInvitation(tx, locked.id, user.id)) !== null) {
      await insertAuditEvent(tx, { userId: principal.user.id, action: 'owner_invite_cancel', resourceType: 'package', resourceId: locked.id, details: { package: locked.name, invitee: user.username }, ...meta });
      return 'invitation' as const;
    }
    return null;
  });
  if (removed === null) throw badRequest(`${user.username} is neither an owner of ${pkg.name} nor invited.`, { username: user.username });
  if (removed === 'owner') {
    await packageChanged(ctx, pkg.name);
    await tellOwners(ctx, pkg, `${principal.user.username} removed ${user.username} from the owners of ${pkg.name}.`);
    return { message: `${user.username} is no longer an owner of ${pkg.name}.` };
  }
  return { message: `The invitation of ${user.username} to own ${pkg.name} was cancelled.` };
}
