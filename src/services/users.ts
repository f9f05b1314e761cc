// Public views of users: a profile and the packages a user owns.
import type { Context } from '../context.js';
import { listPackagesOwnedBy } from '../db/packages.js';
import { findUserByUsername } from '../db/users.js';
import { notFound } from '../errors.js';
import { packageSummaryView } from './package-views.js';

async function existingUser(ctx: Context, username: string) {
  const user = await findUserByUsername(ctx.db, username);
  if (user === null) throw notFound(`There is no user named ${username}.`, { username });
  return user;
}

export async function userProfile(ctx: Context, username: string) {
  const user = await existingUser(ctx, username);
  const { rows } = await ctx.db.query<{ count: number }>('SELECT count(*)::int AS count FROM package_owners WHERE user_id = $1', [user.id]);
  return {
    username: user.username,
    ...(user.avatar_url !== null && { avatar_url: user.avatar_url }),
    ...(user.bio !== null && { bio: user.bio }),
    ...(user.location !== null && { location: user.location }),
    ...(user.website !== null && { website: user.website }),
    ...(user.github_username !== null && { github: user.github_username }),
    package_count: rows[0]!.count,
    created_at: user.created_at.toISOString(),
  };
}

export async function userPackages(ctx: Context, username: string, page: number, perPage: number) {
  const user = await existingUser(ctx, username);
  const { rows, total } = await listPackagesOwnedBy(ctx.db, user.id, perPage, (page - 1) * perPage);
  return { packages: rows.map(packageSummaryView), total, page, per_page: perPage, has_next: page * perPage < total };
}
