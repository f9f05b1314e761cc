#!/usr/bin/env node
// `sounio-registry`: the server's command line (serve, migrate, openapi, and the operator commands under `admin`).
// Configuration comes only from the environment; a bad value stops the process with exit code 1 and one line
// naming the variable.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import {
  adminCreateUser,
  adminDeletePackage,
  adminGcBlobs,
  adminRecountDownloads,
  adminSeed,
  adminSetSuspended,
  checkNewUser,
  withContext,
} from './admin.js';
import { EmbeddedDatabaseLockedError } from './adapters/pglite.js';
import { openDatabase } from './backends.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { isValidPackageName } from './core/names.js';
import { AppError } from './errors.js';
import { reportJobFailures, startErrorReporting } from './error-reporting.js';
import { migrate } from './db/migrate.js';
import { generateOpenApiDocument } from './http/spec.js';
import { startServer, stopOnSignals } from './server.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

function fail(message: string): never {
  process.stderr.write(`sounio-registry: ${message}\n`);
  process.exit(1);
}

function config(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
    throw error;
  }
}

/** Known, expected failures become one line; anything else keeps its stack for whoever must fix it. */
function explain(error: unknown): never {
  if (error instanceof AppError) fail(error.message);
  if (error instanceof EmbeddedDatabaseLockedError) fail(error.message);
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`);
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') fail(`port already in use: ${(error as Error).message}; set PORT to another port`);
  if (code === 'ECONNREFUSED' || /ECONNREFUSED|getaddrinfo/.test(String((error as Error).message))) {
    fail(`cannot reach a backend: ${(error as Error).message}`);
  }
  process.stderr.write(`sounio-registry: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}

const program = new Command('sounio-registry')
  .description('The Sounio package registry server. Configured by environment variables (see README.md).')
  .version(version)
  .exitOverride();

program
  .command('serve')
  .description('run the registry (migrates the database first)')
  .action(async () => {
    const settings = config();
    try {
      const server = await startServer(settings);
      // With SENTRY_DSN: unexpected request errors (http/app.ts), failed jobs and uncaught exceptions are reported.
      await startErrorReporting(settings.sentryDsn, server.ctx.logger, `sounio-registry@${version}`);
      reportJobFailures(settings.sentryDsn, server.ctx.logger);
      stopOnSignals(server, settings.shutdownTimeoutMs);
    } catch (error) {
      explain(error);
    }
  });

program
  .command('migrate')
  .description('bring the database schema up to date, then exit')
  .action(async () => {
    const settings = config();
    try {
      const db = await openDatabase(settings);
      try {
        const applied = await migrate(db);
        process.stdout.write(applied.length === 0 ? 'database is up to date\n' : `applied: ${applied.join(', ')}\n`);
      } finally {
        await db.close();
      }
    } catch (error) {
      explain(error);
    }
  });

program
  .command('openapi')
  .description('print the OpenAPI document (YAML) generated from the route schemas')
  .action(async () => {
    process.stdout.write(await generateOpenApiDocument());
  });

const admin = program.command('admin').description('operator commands (user accounts, package deletion, repairs ...)');

admin
  .command('create-user')
  .description('create a user account (the first admin of a new registry, for example)')
  .requiredOption('--username <name>', 'user name (3–39 letters, digits, _ or -)')
  .requiredOption('--email <address>', 'email address')
  .requiredOption('--password <password>', 'password (8–1024 characters)')
  .option('--admin', 'make the user a registry administrator', false)
  .option('--verified', 'mark the email address as verified (no verification mail)', false)
  .addHelpText('after', '\nExample:\n  sounio-registry admin create-user --username root --email root@example.org --password "$PW" --admin --verified')
  .action(async (options: { username: string; email: string; password: string; admin: boolean; verified: boolean }) => {
    const problem = checkNewUser(options);
    if (problem !== null) {
      process.stderr.write(`sounio-registry: ${problem}\n`);
      process.exit(2);
    }
    const settings = config();
    try {
      process.stdout.write((await withContext(settings, (ctx) => adminCreateUser(ctx, options))) + '\n');
    } catch (error) {
      explain(error);
    }
  });

for (const [name, suspended] of [['suspend', true], ['unsuspend', false]] as const) {
  admin
    .command(`${name} <username>`)
    .description(suspended ? 'suspend a user: their logins and tokens stop working' : 'lift a suspension')
    .action(async (username: string) => {
      const settings = config();
      try {
        process.stdout.write((await withContext(settings, (ctx) => adminSetSuspended(ctx, username, suspended))) + '\n');
      } catch (error) {
        explain(error);
      }
    });
}

const whole = (label: string, min: number, max: number) => (text: string): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`${label} must be a whole number from ${min} to ${max}`);
  return value;
};

admin
  .command('seed')
  .description('fill the registry with a synthetic corpus of packages (for benchmarks and demos), written in bulk')
  .option('--packages <count>', 'packages to create', whole('--packages', 1, 1_000_000), 1000)
  .option('--versions <count>', 'versions of each package', whole('--versions', 1, 100), 10)
  .option('--tarballs <count>', 'distinct synthetic tarballs the versions share (content-addressed)', whole('--tarballs', 1, 1000), 8)
  .option('--tarball-bytes <bytes>', 'approximate size of each tarball', whole('--tarball-bytes', 64, 10 * 1024 * 1024), 15 * 1024)
  .option('--seed <number>', 'chooses the corpus: the same seed gives the same packages', whole('--seed', 0, 2 ** 31), 1)
  .addHelpText('after', '\nExample:\n  DATA_DIR=/tmp/bench sounio-registry admin seed --packages 100000')
  .action(async (options: { packages: number; versions: number; tarballs: number; tarballBytes: number; seed: number }) => {
    const settings = config();
    try {
      const line = await withContext(settings, (ctx) => adminSeed(ctx, options, (progress) => process.stderr.write(progress + '\n')));
      process.stdout.write(line + '\n');
    } catch (error) {
      explain(error);
    }
  });

admin
  .command('delete-package <name>')
  .description('delete a package as an admin does through the API: audit event, caches dropped, its name reserved')
  .option('--by <username>', 'the admin account to record as the deleter (default: none, the operator console)')
  .addHelpText(
    'after',
    '\nThe tarballs no other version uses are removed later by the blob sweep or by gc-blobs.\n' +
      '\nExample:\n  sounio-registry admin delete-package left-pad --by root',
  )
  .action(async (name: string, options: { by?: string }) => {
    if (!isValidPackageName(name)) {
      process.stderr.write(`sounio-registry: ${JSON.stringify(name)} is not a valid package name\n`);
      process.exit(2);
    }
    const settings = config();
    try {
      process.stdout.write((await withContext(settings, (ctx) => adminDeletePackage(ctx, name, options))) + '\n');
    } catch (error) {
      explain(error);
    }
  });

admin
  .command('gc-blobs')
  .description('remove the blobs (tarballs) no version references, older than the blob sweep\'s grace period (1 h)')
  .addHelpText('after', '\nPrints the key of each blob it removed, then a summary.\n\nExample:\n  DATA_DIR=/var/lib/sounio sounio-registry admin gc-blobs')
  .action(async () => {
    const settings = config();
    try {
      const line = await withContext(settings, (ctx) => adminGcBlobs(ctx, (key) => process.stdout.write(`removed ${key}\n`)));
      process.stdout.write(line + '\n');
    } catch (error) {
      explain(error);
    }
  });

admin
  .command('recount-downloads')
  .description('recompute the download totals of versions and packages from the per-day download table')
  .addHelpText(
    'after',
    '\nPrints each corrected total (old -> new), then a summary; the cached documents of changed packages are dropped.\n' +
      'Totals with no per-day rows behind them (a corpus from admin seed) become 0.\n' +
      '\nExample:\n  DATABASE_URL=postgres://sounio@db/sounio sounio-registry admin recount-downloads',
  )
  .action(async () => {
    const settings = config();
    try {
      const line = await withContext(settings, (ctx) => adminRecountDownloads(ctx, (change) => process.stdout.write(change + '\n')));
      process.stdout.write(line + '\n');
    } catch (error) {
      explain(error);
    }
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  explain(error);
}
