// Configuration comes from the environment only and is validated once: defaults that need nothing installed, and
// a ConfigError naming the variable for every bad value.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { resolveSecrets } from '../../src/secrets.js';

function errorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('needs nothing: embedded defaults on port 3000', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.s3).toBeUndefined();
    expect(config.smtp).toBeUndefined();
    expect(config.redisPrefix).toBe('sounio:');
    expect(config.logLevel).toBe('info');
  });

  it('PUBLIC_URL follows PORT and loses a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://registry.example.org/' }).publicUrl).toBe('https://registry.example.org');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ DATABASE_URL: 'nonsense' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ PUBLIC_URL: 'ftp://example.org' }, 'PUBLIC_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ S3_BUCKET: 'Not_A_Bucket' }, 'S3_BUCKET'],
    [{ S3_BUCKET: 'packages', S3_ENDPOINT: 'not a url' }, 'S3_ENDPOINT'],
    [{ S3_BUCKET: 'packages', S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE'],
    [{ S3_BUCKET: 'packages', AWS_ACCESS_KEY_ID: 'AKIA' }, 'AWS_SECRET_ACCESS_KEY'],
    [{ S3_ENDPOINT: 'http://localhost:9000' }, 'S3_ENDPOINT'],
    [{ SMTP_HOST: 'mail.example.org', SMTP_PORT: 'smtp' }, 'SMTP_PORT'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'j'.repeat(32) }, 'SESSION_SECRET'],
    [{ TRUST_PROXY: 'sometimes' }, 'TRUST_PROXY'],
    [{ REDIS_PREFIX: 'has spaces' }, 'REDIS_PREFIX'],
  ])('%j is refused, naming %s', (env, variable) => {
    const error = errorFor(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(variable + ' ')).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('never repeats a password from a connection string in its message', () => {
    const error = errorFor({ DATABASE_URL: 'mysql://admin:hunter2secret@db/registry' });
    expect(error.message).not.toContain('hunter2secret');
  });

  it('reads the production settings', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      PORT: '8080',
      DATABASE_URL: 'postgres://registry:pw@db:5432/registry',
      REDIS_URL: 'redis://cache:6379',
      S3_BUCKET: 'sounio-packages',
      S3_REGION: 'eu-west-1',
      S3_ENDPOINT: 'http://minio:9000',
      AWS_ACCESS_KEY_ID: 'key',
      AWS_SECRET_ACCESS_KEY: 'secret',
      SMTP_HOST: 'smtp.example.org',
      SMTP_PORT: '465',
      SMTP_USER: 'user',
      SMTP_PASS: 'pass',
      JWT_SECRET: 'j'.repeat(32),
      SESSION_SECRET: 's'.repeat(32),
      SENTRY_DSN: 'https://key@sentry.example.org/1',
    });
    expect(config.production).toBe(true);
    expect(config.host).toBe('0.0.0.0');
    expect(config.databaseUrl).toBe('postgres://registry:pw@db:5432/registry');
    expect(config.s3).toMatchObject({ bucket: 'sounio-packages', region: 'eu-west-1', endpoint: 'http://minio:9000', forcePathStyle: true });
    expect(config.smtp).toMatchObject({ host: 'smtp.example.org', port: 465, secure: true, user: 'user', pass: 'pass' });
    expect(config.sentryDsn).toBe('https://key@sentry.example.org/1');
  });

  it('metrics: on by default on the main port; off, or a port of its own', () => {
    expect(loadConfig({}).metrics).toEqual({ enabled: true });
    expect(loadConfig({ METRICS: 'off' }).metrics).toEqual({ enabled: false });
    expect(loadConfig({ METRICS_PORT: '9100' }).metrics).toEqual({ enabled: true, port: 9100 });
    expect(errorFor({ METRICS: 'maybe' }).variable).toBe('METRICS');
    expect(errorFor({ METRICS_PORT: 'x' }).variable).toBe('METRICS_PORT');
    expect(errorFor({ METRICS: 'off', METRICS_PORT: '9100' }).variable).toBe('METRICS_PORT');
    expect(errorFor({ PORT: '9100', METRICS_PORT: '9100' }).variable).toBe('METRICS_PORT');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '  ' }).port).toBe(3000);
    expect(loadConfig({ DATABASE_URL: '' }).databaseUrl).toBeUndefined();
  });
});

describe('resolveSecrets', () => {
  it('generates secrets once, keeps them in DATA_DIR with mode 0600, and reuses them', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sounio-secrets-'));
    const first = resolveSecrets(loadConfig({ DATA_DIR: dataDir }));
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.jwtSecret).not.toBe(first.sessionSecret);
    const file = join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first);
    expect(resolveSecrets(loadConfig({ DATA_DIR: dataDir }))).toEqual(first);
  });

  it('prefers the environment when the secrets are given', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sounio-secrets-'));
    const secrets = resolveSecrets(loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'j'.repeat(40), SESSION_SECRET: 's'.repeat(40) }));
    expect(secrets).toEqual({ jwtSecret: 'j'.repeat(40), sessionSecret: 's'.repeat(40) });
  });
});
