// `sounio-registry admin …`: operator commands that use the same configuration (DATA_DIR or DATABASE_URL ...) as
// `serve`. With the embedded database they run while the server is stopped (the DATA_DIR lock says so otherwise);
// on an empty DATA_DIR they create and migrate the database first. The repairs (delete-package, gc-blobs,
// recount-downloads) live in services/admin-ops.ts.
import { closeBackends, openBackends } from './backends.js';
import type { Config } from './config.js';
import type { Context } from './context.js';
import { findUserByUsername } from './db/users.js';
import { AppError } from './errors.js';
import { createLogger } from './logger.js';
import { resolveSecrets } from './secrets.js';
import { createUser, setSuspended } from './services/accounts.js';
import { seedRegistry } from './services/seed.js';

export { adminDeletePackage, adminGcBlobs, adminRecountDownloads } from './services/admin-ops.js';

export async function withContext<T>(config: Config, work: (ctx: Context) => Promise<T>): Promise<T> {
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const backends = await openBackends(config, logger);
  try {
    return await work({ config, secrets: resolveSecrets(config), logger, ...backends });
  } finally {
    await closeBackends(backends);
  }
}

export interface CreateUserArgs {
  username: string;
  email: string;
  password: string;
  admin: boolean;
  verified: boolean;
}

const USERNAME = /^[A-Za-z0-9_-]{3,39}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks what the API's schema checks for registrations; returns a problem or null. */
export function checkNewUser(args: CreateUserArgs): string | null {
  if (!USERNAME.test(args.username)) return 'the username must be 3–39 letters, digits, _ or -';
  if (!EMAIL.test(args.email) || args.email.length > 254) return 'the email address is not valid';
  if (args.password.length < 8 || args.password.length > 1024) return 'the password must be 8–1024 characters';
  return null;
}

export async function adminCreateUser(ctx: Context, args: CreateUserArgs): Promise<string> {
  const user = await createUser(
    ctx,
    { username: args.username, email: args.email, password: args.password },
    { userAgent: 'sounio-registry admin' },
    { isAdmin: args.admin, emailVerified: args.verified, sendVerification: !args.verified },
  );
  return `created user ${user.username} (${user.email})${user.is_admin ? ', admin' : ''}${user.email_verified ? ', verified' : ', verification mail sent'}`;
}

export async function adminSetSuspended(ctx: Context, username: string, suspended: boolean): Promise<string> {
  const user = await findUserByUsername(ctx.db, username);
  if (user === null) throw new AppError(404, 'not_found', `there is no user named ${username}`);
  if (user.is_suspended === suspended) return `${user.username} is ${suspended ? 'suspended' : 'not suspended'} already`;
  await setSuspended(ctx, user, suspended, null);
  return `${user.username} is ${suspended ? 'suspended: their logins and tokens stop working' : 'no longer suspended'}`;
}

export interface SeedArgs {
  packages: number;
  versions: number;
  tarballs: number;
  tarballBytes: number;
  seed: number;
}

/** Fills the registry with a synthetic corpus in bulk (services/seed.ts); progress goes to `progress`. */
export async function adminSeed(ctx: Context, args: SeedArgs, progress: (line: string) => void = () => {}): Promise<string> {
  let last = 0;
  const summary = await seedRegistry(
    ctx,
    { packages: args.packages, versionsPerPackage: args.versions, tarballs: args.tarballs, tarballBytes: args.tarballBytes, seed: args.seed },
    ({ done, total }) => {
      if (Date.now() - last < 2000 && done < total) return;
      last = Date.now();
      progress(`seeded ${done} of ${total} packages`);
    },
  );
  return `seeded ${summary.packages} packages, ${summary.versions} versions, ${summary.dependencies} dependencies in ${summary.seconds.toFixed(1)} s`;
}
