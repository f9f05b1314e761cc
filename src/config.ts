// The registry's configuration: environment variables only, read and validated once at start. Nothing else in the
// program reads process.env. Every variable here is in the README's table; a bad value is a ConfigError naming it.
import { resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface S3Config {
  bucket: string;
  region: string;
  /** Custom endpoint for S3-compatible servers (MinIO, s3rver, R2 ...); absent means AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Downloads answer 302 to a presigned URL instead of streaming through the registry. */
  redirectDownloads: boolean;
}

export interface SmtpConfig {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  /** Implicit TLS (port 465); other ports upgrade with STARTTLS when the server offers it. */
  secure: boolean;
}

/** Requests per hour for one client (a user when authenticated, an IP address otherwise). */
export interface RateLimits {
  enabled: boolean;
  searchAnon: number;
  searchAuth: number;
  downloadAnon: number;
  downloadAuth: number;
  publishAuth: number;
  otherAnon: number;
  otherAuth: number;
  /** Login, registration, verification and password reset, per IP address: stricter, against guessing. */
  accountAnon: number;
  webAnon: number;
  webAuth: number;
}

export interface Config {
  production: boolean;
  port: number;
  host: string;
  /** Where people reach the registry; used in links (emails, index config). No trailing slash. */
  publicUrl: string;
  /** Embedded database, blobs, outbox and generated secrets live here unless configured elsewhere. */
  dataDir: string;
  logLevel: LogLevel;
  /** PostgreSQL connection string; absent means the embedded PGlite database under DATA_DIR. */
  databaseUrl?: string;
  databasePoolSize: number;
  /** Redis connection string; absent means process memory. */
  redisUrl?: string;
  redisPrefix: string;
  /** S3 settings; absent means blobs in DATA_DIR/blobs. */
  s3?: S3Config;
  /** SMTP settings; absent means mail is written to DATA_DIR/outbox. */
  smtp?: SmtpConfig;
  mailFrom: string;
  /** Absent outside production: generated once and kept in DATA_DIR (see secrets.ts). */
  jwtSecret?: string;
  sessionSecret?: string;
  sentryDsn?: string;
  /** Trust X-Forwarded-For (behind a load balancer). */
  trustProxy: boolean;
  /** Largest accepted package tarball (compressed), in bytes, inclusive. */
  maxTarballBytes: number;
  /** Lifetime of a login JWT, in seconds. */
  jwtTtlSeconds: number;
  /** Bounds of one POST /resolve: wall-clock milliseconds and distinct packages read. */
  resolveTimeBudgetMs: number;
  resolveMaxPackages: number;
  rateLimits: RateLimits;
  /** Seconds a SIGTERM waits for in-flight requests before the process gives up. */
  shutdownTimeoutMs: number;
  /** GET /metrics (Prometheus): off, on the main port, or on a port of its own (`port`). */
  metrics: { enabled: boolean; port?: number };
}

type Env = Record<string, string | undefined>;

/** Reads a variable, treating an empty string as unset (as shells and compose files often produce). */
function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number between ${min} and ${max} (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max} (got ${raw})`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

function url(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')} (got "${redactUrl(raw)}")`);
  }
  if (!protocols.includes(parsed.protocol.replace(/:$/, '') + '://')) {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')} (got "${redactUrl(raw)}")`);
  }
  return raw;
}

/** Hides a password in a connection string before it goes into an error message. */
function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const production = read(env, 'NODE_ENV') === 'production';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const host = read(env, 'HOST') ?? (production ? '0.0.0.0' : '127.0.0.1');

  const publicUrl = (url(env, 'PUBLIC_URL', ['http://', 'https://']) ?? `http://localhost:${port}`).replace(/\/+$/, '');

  const logLevel = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase() as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${read(env, 'LOG_LEVEL')}")`);

  const databaseUrl = url(env, 'DATABASE_URL', ['postgres://', 'postgresql://']);
  const redisUrl = url(env, 'REDIS_URL', ['redis://', 'rediss://']);
  const redisPrefix = read(env, 'REDIS_PREFIX') ?? 'sounio:';
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) throw new ConfigError('REDIS_PREFIX', 'must be 1–64 letters, digits, or _ : . -');

  let s3: S3Config | undefined;
  const bucket = read(env, 'S3_BUCKET');
  if (bucket !== undefined) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError('S3_BUCKET', `is not a valid bucket name (got "${bucket}")`);
    const endpoint = url(env, 'S3_ENDPOINT', ['http://', 'https://']);
    s3 = {
      bucket,
      region: read(env, 'S3_REGION') ?? 'us-east-1',
      ...(endpoint !== undefined && { endpoint }),
      forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
      ...optional('accessKeyId', read(env, 'AWS_ACCESS_KEY_ID')),
      ...optional('secretAccessKey', read(env, 'AWS_SECRET_ACCESS_KEY')),
      redirectDownloads: boolean(env, 'S3_REDIRECT_DOWNLOADS', false),
    };
    if ((s3.accessKeyId === undefined) !== (s3.secretAccessKey === undefined)) {
      throw new ConfigError(s3.accessKeyId === undefined ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY', 'must be set together with its partner, or neither');
    }
  } else {
    for (const name of ['S3_ENDPOINT', 'S3_REDIRECT_DOWNLOADS']) {
      if (read(env, name) !== undefined) throw new ConfigError(name, 'has no effect without S3_BUCKET');
    }
  }

  let smtp: SmtpConfig | undefined;
  const smtpHost = read(env, 'SMTP_HOST');
  if (smtpHost !== undefined) {
    const smtpPort = integer(env, 'SMTP_PORT', 587, 1, 65535);
    smtp = {
      host: smtpHost,
      port: smtpPort,
      ...optional('user', read(env, 'SMTP_USER')),
      ...optional('pass', env['SMTP_PASS'] === '' ? undefined : env['SMTP_PASS']),
      secure: boolean(env, 'SMTP_SECURE', smtpPort === 465),
    };
  }
  const mailFrom = read(env, 'MAIL_FROM') ?? `Sounio Registry <noreply@${new URL(publicUrl).hostname}>`;

  const jwtSecret = read(env, 'JWT_SECRET');
  const sessionSecret = read(env, 'SESSION_SECRET');
  for (const [name, value] of [['JWT_SECRET', jwtSecret], ['SESSION_SECRET', sessionSecret]] as const) {
    if (value === undefined) {
      if (production) throw new ConfigError(name, 'must be set when NODE_ENV=production (at least 32 characters)');
    } else if (value.length < 32) {
      throw new ConfigError(name, `must be at least 32 characters long (got ${value.length})`);
    }
  }

  const sentryDsn = url(env, 'SENTRY_DSN', ['http://', 'https://']);

  return {
    production,
    port,
    host,
    publicUrl,
    dataDir: resolve(read(env, 'DATA_DIR') ?? './data'),
    logLevel,
    ...optional('databaseUrl', databaseUrl),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    ...optional('redisUrl', redisUrl),
    redisPrefix,
    ...optional('s3', s3),
    ...optional('smtp', smtp),
    mailFrom,
    ...optional('jwtSecret', jwtSecret),
    ...optional('sessionSecret', sessionSecret),
    ...optional('sentryDsn', sentryDsn),
    trustProxy: boolean(env, 'TRUST_PROXY', false),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_SECONDS', 25, 1, 3600) * 1000,
    jwtTtlSeconds: integer(env, 'JWT_TTL_SECONDS', 3600, 60, 30 * 24 * 3600),
    maxTarballBytes: integer(env, 'MAX_TARBALL_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    resolveTimeBudgetMs: integer(env, 'RESOLVE_TIME_BUDGET_MS', 2000, 10, 60_000),
    resolveMaxPackages: integer(env, 'RESOLVE_MAX_PACKAGES', 500, 1, 100_000),
    rateLimits: rateLimits(env),
    metrics: metricsSettings(env),
  };
}

function metricsSettings(env: Env): { enabled: boolean; port?: number } {
  const enabled = boolean(env, 'METRICS', true);
  const port = read(env, 'METRICS_PORT') === undefined ? undefined : integer(env, 'METRICS_PORT', 0, 1, 65535);
  if (!enabled && port !== undefined) throw new ConfigError('METRICS_PORT', 'has no effect with METRICS=off');
  if (port !== undefined && port === integer(env, 'PORT', 3000, 0, 65535)) throw new ConfigError('METRICS_PORT', `must differ from PORT (got ${port})`);
  return { enabled, ...optional('port', port) };
}

const LIMIT_MAX = 1_000_000_000;

function rateLimits(env: Env): RateLimits {
  const switch_ = read(env, 'RATE_LIMITS') ?? 'on';
  if (!['on', 'off'].includes(switch_.toLowerCase())) throw new ConfigError('RATE_LIMITS', `must be on or off (got "${switch_}")`);
  const limit = (name: string, fallback: number) => integer(env, name, fallback, 1, LIMIT_MAX);
  // The defaults are the seed's table (per hour); account and web limits are ours.
  return {
    enabled: switch_.toLowerCase() === 'on',
    searchAnon: limit('RATE_LIMIT_SEARCH_ANON', 100),
    searchAuth: limit('RATE_LIMIT_SEARCH_AUTH', 1000),
    downloadAnon: limit('RATE_LIMIT_DOWNLOAD_ANON', 500),
    downloadAuth: limit('RATE_LIMIT_DOWNLOAD_AUTH', 5000),
    publishAuth: limit('RATE_LIMIT_PUBLISH_AUTH', 60),
    otherAnon: limit('RATE_LIMIT_OTHER_ANON', 100),
    otherAuth: limit('RATE_LIMIT_OTHER_AUTH', 1000),
    accountAnon: limit('RATE_LIMIT_ACCOUNT', 30),
    webAnon: limit('RATE_LIMIT_WEB_ANON', 3000),
    webAuth: limit('RATE_LIMIT_WEB_AUTH', 10000),
  };
}

/** `{ key: value }` when the value is defined, `{}` otherwise: keeps absent settings absent rather than undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
