// `sounio login`, `logout` and `whoami` end to end: the real CLI against a real registry process. The token comes
// by --token, by a pipe, by a hidden prompt on a pseudo-terminal, or by email and password; it is checked against
// the registry before it is saved in $SOUNIO_HOME/credentials.toml (mode 0600, upstream's layout).
import { mkdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, emailOf, runCli, runCliOnPty, startRegistryForCli, type CliRegistry } from '../helpers/cli.js';
import { freePort } from '../helpers/process.js';
import { tempDir } from '../helpers/registry.js';

describe('sounio login, logout and whoami', () => {
  let registry: CliRegistry;
  let root: string;

  beforeAll(async () => {
    registry = await startRegistryForCli([{ username: 'alice' }, { username: 'bob' }]);
    root = tempDir('sounio-cli-login-');
  }, 120_000);
  afterAll(async () => {
    await registry?.stop();
  });

  /** A fresh SOUNIO_HOME (not created yet: login must create it). */
  let homes = 0;
  const freshHome = () => join(root, `home-${++homes}`);
  const credentialsOf = (home: string) => parse(readFileSync(join(home, 'credentials.toml'), 'utf8')) as {
    default_registry?: string;
    registries: Record<string, Record<string, string>>;
  };

  it('logs in with --token: checks the token, saves it with mode 0600 in upstream’s layout', async () => {
    const home = freshHome();
    const token = await registry.tokenFor('alice');
    const result = await runCli(['login', '--registry', registry.url, '--token', token], { env: { SOUNIO_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Logged in to ${registry.url} as alice`);
    expect(result.stdout).not.toContain(token);
    const file = join(home, 'credentials.toml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    const saved = credentialsOf(home);
    expect(saved.default_registry).toBe(registry.url);
    expect(Object.keys(saved.registries)).toEqual([registry.url]);
    const entry = saved.registries[registry.url]!;
    expect(entry['token']).toBe(token);
    expect(entry['username']).toBe('alice');
    expect(Date.parse(entry['created_at']!)).toBeGreaterThan(Date.now() - 60_000);
    expect(entry).not.toHaveProperty('expires_at'); // the token never expires

    const whoami = await runCli(['whoami'], { env: { SOUNIO_HOME: home } });
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toContain(`alice <${emailOf('alice')}> on ${registry.url}`);
    const json = await runCli(['whoami', '--json'], { env: { SOUNIO_HOME: home } });
    const parsed = JSON.parse(json.stdout) as { registry: string; user: { username: string }; token: { scopes: string[] } };
    expect(parsed.registry).toBe(registry.url);
    expect(parsed.user.username).toBe('alice');
    expect(parsed.token.scopes).toEqual(['read', 'publish']);
  });

  it('saves expires_at when the token has an expiry', async () => {
    const home = freshHome();
    const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const token = await registry.tokenFor('bob', { expires_at: expires });
    const result = await runCli(['login', '--registry', registry.url, '--token', token], { env: { SOUNIO_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
    expect(Date.parse(credentialsOf(home).registries[registry.url]!['expires_at']!)).toBe(Date.parse(expires));
  });

  it('reads the token from standard input when it is piped', async () => {
    const home = freshHome();
    const token = await registry.tokenFor('alice');
    const result = await runCli(['login'], { env: { SOUNIO_HOME: home, SOUNIO_REGISTRY: registry.url }, input: `\n${token}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(credentialsOf(home).registries[registry.url]!['token']).toBe(token);
  });

  it('asks for the token on a terminal without echoing it, after saying where to create one', async () => {
    const home = freshHome();
    const token = await registry.tokenFor('bob');
    const result = await runCliOnPty(['login', '--registry', registry.url], [{ waitFor: 'API token:', type: token }], { env: { SOUNIO_HOME: home } });
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`${registry.url}/settings/tokens`);
    expect(result.output).toContain('Logged in');
    expect(result.output).not.toContain(token.slice(0, 16)); // not echoed
    expect(credentialsOf(home).registries[registry.url]!['username']).toBe('bob');
  });

  it('logs in with --email: asks the password (hidden on a terminal) and creates a token for this machine', async () => {
    const home = freshHome();
    const onPty = await runCliOnPty(['login', '--registry', registry.url, '--email', emailOf('alice')], [{ waitFor: 'Password for', type: PASSWORD }], {
      env: { SOUNIO_HOME: home },
    });
    expect(onPty.code, onPty.output).toBe(0);
    expect(onPty.output).not.toContain(PASSWORD);
    const token = credentialsOf(home).registries[registry.url]!['token']!;
    expect(token).toMatch(/^sounio_/);
    const current = await fetch(`${registry.url}/api/v1/auth/tokens/current`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await current.json()) as { name: string; scopes: string[] };
    expect(body.name).toMatch(/^sounio CLI on /);
    expect(body.scopes).toEqual(['read', 'publish']);

    const piped = await runCli(['login', '--email', emailOf('bob')], { env: { SOUNIO_HOME: freshHome(), SOUNIO_REGISTRY: registry.url }, input: `${PASSWORD}\n` });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toContain('as bob');
  });

  it('refuses a wrong password or an unknown token with the registry’s message, saving nothing', async () => {
    const home = freshHome();
    const wrong = await runCli(['login', '--email', emailOf('alice')], { env: { SOUNIO_HOME: home, SOUNIO_REGISTRY: registry.url }, input: 'not the password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: .+/);
    const bogus = await runCli(['login', '--token', 'sounio_not_a_real_token'], { env: { SOUNIO_HOME: home, SOUNIO_REGISTRY: registry.url } });
    expect(bogus.code).toBe(1);
    expect(bogus.stderr.split('\n')[0]).toMatch(/^error: The API token is malformed/);
    expect(bogus.stderr).toContain('sounio login');
    expect(existsSync(join(home, 'credentials.toml'))).toBe(false);
    const empty = await runCli(['login'], { env: { SOUNIO_HOME: home, SOUNIO_REGISTRY: registry.url }, input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('error: no token given');
  });

  it('logout removes the token (and --revoke revokes it); whoami then says to log in', async () => {
    const home = freshHome();
    const token = await registry.tokenFor('alice');
    await runCli(['login', '--registry', registry.url, '--token', token], { env: { SOUNIO_HOME: home } });
    const out = await runCli(['logout', '--revoke'], { env: { SOUNIO_HOME: home } });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toContain(`Logged out of ${registry.url}`);
    expect(credentialsOf(home).registries).toEqual({});
    const revoked = await fetch(`${registry.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(revoked.status).toBe(401);
    const whoami = await runCli(['whoami'], { env: { SOUNIO_HOME: home } });
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toBe(`error: you are not logged in to ${registry.url}\nRun \`sounio login --registry ${registry.url}\` with a token from ${registry.url}/settings/tokens.\n`);
  });

  it('a revoked token is refused with the registry’s reason and a pointer to sounio login', async () => {
    const home = freshHome();
    const token = await registry.tokenFor('bob');
    await runCli(['login', '--registry', registry.url, '--token', token], { env: { SOUNIO_HOME: home } });
    const list = JSON.parse((await runCli(['token', 'list', '--json'], { env: { SOUNIO_HOME: home } })).stdout) as Array<{ id: string }>;
    const current = (await (await fetch(`${registry.url}/api/v1/auth/tokens/current`, { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string };
    expect(list.map((t) => t.id)).toContain(current.id);
    await fetch(`${registry.url}/api/v1/auth/tokens/${current.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    const whoami = await runCli(['whoami'], { env: { SOUNIO_HOME: home } });
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toMatch(/^error: The API token "[^"]+" was revoked on /);
    expect(whoami.stderr).toContain('Run `sounio login');
  });

  it('picks the registry from --registry, then SOUNIO_REGISTRY, then the saved default, then localhost:3000', async () => {
    const home = freshHome();
    const token = await registry.tokenFor('alice');
    await runCli(['login', '--registry', registry.url, '--token', token], { env: { SOUNIO_HOME: home } });
    const dead = `http://127.0.0.1:${await freePort()}`;
    const saved = await runCli(['whoami'], { env: { SOUNIO_HOME: home } });
    expect(saved.stdout).toContain(`on ${registry.url}`);
    const fromEnv = await runCli(['whoami'], { env: { SOUNIO_HOME: home, SOUNIO_REGISTRY: dead } });
    expect(fromEnv.stderr).toContain(`you are not logged in to ${dead}`);
    const fromFlag = await runCli(['search', 'x', '--registry', dead], { env: { SOUNIO_HOME: home, SOUNIO_REGISTRY: registry.url } });
    expect(fromFlag.code).toBe(1);
    expect(fromFlag.stderr).toMatch(new RegExp(`^error: could not reach the registry at ${dead} \\(ECONNREFUSED\\)`));
    const fallback = await runCli(['whoami'], { env: { SOUNIO_HOME: freshHome() } });
    expect(fallback.stderr).toContain('you are not logged in to http://localhost:3000');
    const bad = await runCli(['whoami', '--registry', 'ftp://example.org'], { env: { SOUNIO_HOME: home } });
    expect(bad.code).toBe(2);
  });

  it('SOUNIO_TOKEN is used instead of the saved token (for CI)', async () => {
    const token = await registry.tokenFor('bob');
    const result = await runCli(['whoami'], { env: { SOUNIO_HOME: freshHome(), SOUNIO_REGISTRY: registry.url, SOUNIO_TOKEN: token } });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('bob <');
  });

  it('answers usage errors with exit code 2 and every command’s --help with an example', async () => {
    const commands = [['login'], ['logout'], ['whoami'], ['publish'], ['package'], ['yank'], ['owner'], ['invitations'], ['search'], ['info'], ['token', 'create'], ['token', 'list'], ['token', 'revoke']];
    for (const command of commands) {
      const help = await runCli([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout, command.join(' ')).toMatch(/Examples?:\n  \$ sounio /);
      expect(help.stdout).toContain('--registry');
    }
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['yank'])).code).toBe(2); // missing argument
    expect((await runCli(['search', 'x', '--limit', 'many'], { env: { SOUNIO_REGISTRY: registry.url } })).code).toBe(2);
    mkdirSync(join(root, 'empty'), { recursive: true });
    const noManifest = await runCli(['publish'], { cwd: join(root, 'empty'), env: { SOUNIO_HOME: freshHome() } });
    expect(noManifest.code).toBe(1);
    expect(noManifest.stderr).toContain('error: there is no Sounio.toml in');
  });
});
