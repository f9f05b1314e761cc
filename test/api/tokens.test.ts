// API tokens through the API on each backend: creation (secret shown once, hash stored, owner emailed), listing,
// the bearer's own token, revocation, rotation, scopes allowed and refused, expiry, malformed tokens, no escalation,
// and the expiry reminder job.
import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/services/crypto.js';
import { sendTokenExpiryReminders } from '../../src/jobs/token-expiry-reminders.js';
import { describeEachBackend } from '../helpers/registry.js';
import { createApiToken, signUp } from '../helpers/users.js';

describeEachBackend('API tokens', (registry) => {
  const request = (method: 'GET' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
    registry().app.inject({ method, url: `/api/v1${url}`, headers, ...(payload !== undefined && { payload }) });

  describe('lifecycle', () => {
    it('creates a token whose secret is shown once and stored only as a hash; the owner is emailed', async () => {
      const owner = await signUp(registry());
      const created = await request('POST', '/auth/tokens', owner.auth, { name: 'laptop', expires_at: new Date(Date.now() + 30 * 86400_000).toISOString() });
      expect(created.statusCode).toBe(201);
      const body = created.json();
      expect(body).toMatchObject({ name: 'laptop', scopes: ['read', 'publish'] });
      expect(body.token).toMatch(/^sounio_[0-9A-Za-z]{38}$/);
      expect(body.expires_at).toBeDefined();

      const rows = await registry().ctx.db.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [body.id]);
      expect(rows.rows[0]!.token_hash).toBe(sha256(body.token));
      const everything = await registry().ctx.db.query('SELECT * FROM api_tokens');
      expect(JSON.stringify(everything.rows)).not.toContain(body.token);

      const mail = registry().outbox().filter((message) => message.to === owner.email).pop()!;
      expect(mail.subject).toBe('A token named laptop was created');
      expect(mail.text).not.toContain(body.token);

      const list = await request('GET', '/auth/tokens', owner.auth);
      expect(list.statusCode).toBe(200);
      expect(list.json()).toEqual([expect.objectContaining({ id: body.id, name: 'laptop', scopes: ['read', 'publish'] })]);
      expect(JSON.stringify(list.json())).not.toContain(body.token);
    });

    it('the token authenticates; /auth/tokens/current shows it and last use is recorded', async () => {
      const owner = await signUp(registry());
      const token = await createApiToken(registry(), owner, { name: 'ci', scopes: ['read'] });
      const me = await request('GET', '/me', token.auth);
      expect(me.statusCode).toBe(200);
      expect(me.json().username).toBe(owner.user.username);
      const current = await request('GET', '/auth/tokens/current', token.auth);
      expect(current.statusCode).toBe(200);
      expect(current.json()).toMatchObject({ id: token.id, name: 'ci', scopes: ['read'] });
      expect(current.json().last_used_at).toBeDefined();
      const viaLogin = await request('GET', '/auth/tokens/current', owner.auth);
      expect(viaLogin.statusCode).toBe(400);
      expect(viaLogin.json().error).toBe('not_an_api_token');
    });

    it('records a use at most once a minute', async () => {
      const owner = await signUp(registry());
      const token = await createApiToken(registry(), owner);
      await request('GET', '/me', token.auth);
      const first = await registry().ctx.db.query<{ last_used_at: Date; last_used_ip: string }>('SELECT last_used_at, last_used_ip FROM api_tokens WHERE id = $1', [token.id]);
      expect(first.rows[0]!.last_used_ip).toBe('127.0.0.1');
      await request('GET', '/me', token.auth);
      const second = await registry().ctx.db.query<{ last_used_at: Date }>('SELECT last_used_at FROM api_tokens WHERE id = $1', [token.id]);
      expect(second.rows[0]!.last_used_at.getTime()).toBe(first.rows[0]!.last_used_at.getTime());
      await registry().ctx.db.query("UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1", [token.id]);
      await request('GET', '/me', token.auth);
      const third = await registry().ctx.db.query<{ last_used_at: Date }>('SELECT last_used_at FROM api_tokens WHERE id = $1', [token.id]);
      expect(Date.now() - third.rows[0]!.last_used_at.getTime()).toBeLessThan(30_000);
    });

    it('revocation: 204, the row stays with revoked_at, the token stops working with a message saying so', async () => {
      const owner = await signUp(registry());
      const token = await createApiToken(registry(), owner);
      const revoked = await request('DELETE', `/auth/tokens/${token.id}`, owner.auth);
      expect(revoked.statusCode).toBe(204);
      expect(revoked.body).toBe('');
      const row = await registry().ctx.db.query<{ revoked_at: Date | null }>('SELECT revoked_at FROM api_tokens WHERE id = $1', [token.id]);
      expect(row.rows[0]!.revoked_at).not.toBeNull();
      const use = await request('GET', '/me', token.auth);
      expect(use.statusCode).toBe(401);
      expect(use.json().error).toBe('token_revoked');
      expect(use.json().message).toMatch(/revoked/);
      expect((await request('GET', '/auth/tokens', owner.auth)).json()).toEqual([]);
      const audit = await registry().ctx.db.query<{ action: string }>("SELECT action FROM audit_log WHERE resource_id = $1 ORDER BY id", [token.id]);
      expect(audit.rows.map((r) => r.action)).toEqual(['token_create', 'token_revoke']);
    });

    it("cannot revoke another user's token, or an unknown one", async () => {
      const alice = await signUp(registry());
      const mallory = await signUp(registry());
      const token = await createApiToken(registry(), alice);
      const attempt = await request('DELETE', `/auth/tokens/${token.id}`, mallory.auth);
      expect(attempt.statusCode).toBe(404);
      expect((await request('GET', '/me', token.auth)).statusCode).toBe(200);
      expect((await request('DELETE', '/auth/tokens/00000000-0000-4000-8000-000000000000', alice.auth)).statusCode).toBe(404);
      expect((await request('DELETE', '/auth/tokens/not-a-uuid', alice.auth)).statusCode).toBe(400);
    });

    it('rotation issues a new secret with the same name, scopes and patterns, and revokes the old one', async () => {
      const owner = await signUp(registry());
      const old = await createApiToken(registry(), owner, { name: 'deploy', scopes: ['publish'], packages: ['numerics-*'], expires_at: new Date(Date.now() + 10 * 86400_000).toISOString() });
      const rotated = await request('POST', `/auth/tokens/${old.id}/rotate`, owner.auth);
      expect(rotated.statusCode).toBe(201);
      const body = rotated.json();
      expect(body).toMatchObject({ name: 'deploy', scopes: ['publish'], packages: ['numerics-*'] });
      expect(body.token).not.toBe(old.token);
      expect(body.id).not.toBe(old.id);
      const lifetime = new Date(body.expires_at).getTime() - Date.now();
      expect(lifetime).toBeGreaterThan(9.9 * 86400_000);
      expect((await request('GET', '/me', { authorization: `Bearer ${old.token}` })).json().error).toBe('token_revoked');
      expect((await request('GET', '/me', { authorization: `Bearer ${body.token}` })).statusCode).toBe(200);
      expect((await request('POST', `/auth/tokens/${old.id}/rotate`, owner.auth)).statusCode).toBe(409);
    });
  });

  describe('refusals', () => {
    it('malformed, checksum-failing and unknown tokens are 401 with messages that say which', async () => {
      const owner = await signUp(registry());
      const token = await createApiToken(registry(), owner);
      const typo = token.token.slice(0, 10) + (token.token[10] === 'A' ? 'B' : 'A') + token.token.slice(11);
      const checksum = await request('GET', '/me', { authorization: `Bearer ${typo}` });
      expect(checksum.statusCode).toBe(401);
      expect(checksum.json()).toMatchObject({ error: 'invalid_token', message: expect.stringMatching(/checksum/) });
      const short = await request('GET', '/me', { authorization: 'Bearer sounio_abc' });
      expect(short.statusCode).toBe(401);
      expect(short.json().error).toBe('invalid_token');
      await registry().ctx.db.query('DELETE FROM api_tokens WHERE id = $1', [token.id]);
      const unknown = await request('GET', '/me', token.auth);
      expect(unknown.statusCode).toBe(401);
      expect(unknown.json().message).toMatch(/not known/);
      expect((await request('GET', '/me', { authorization: 'Bearer' })).statusCode).toBe(401);
    });

    it('an expired token is refused with token_expired; expires_at in the past is a 400', async () => {
      const owner = await signUp(registry());
      const token = await createApiToken(registry(), owner, { name: 'short-lived', expires_at: new Date(Date.now() + 60_000).toISOString() });
      expect((await request('GET', '/me', token.auth)).statusCode).toBe(200);
      await registry().ctx.db.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [token.id]);
      const expired = await request('GET', '/me', token.auth);
      expect(expired.statusCode).toBe(401);
      expect(expired.json()).toMatchObject({ error: 'token_expired', message: expect.stringMatching(/expired/) });
      const past = await request('POST', '/auth/tokens', owner.auth, { name: 'x', expires_at: '2020-01-01T00:00:00Z' });
      expect(past.statusCode).toBe(400);
      expect(past.json().details.field).toBe('expires_at');
      const never = await request('POST', '/auth/tokens', owner.auth, { name: 'forever', expires_at: null });
      expect(never.statusCode).toBe(201);
      expect(never.json()).not.toHaveProperty('expires_at');
    });

    it('each route declares its scope: read-only and publish-only tokens are allowed and refused accordingly', async () => {
      const owner = await signUp(registry());
      const readOnly = await createApiToken(registry(), owner, { name: 'r', scopes: ['read'] });
      const publishOnly = await createApiToken(registry(), owner, { name: 'p', scopes: ['publish'] });
      // GET /me and GET /auth/tokens/current answer any valid credential.
      expect((await request('GET', '/me', publishOnly.auth)).statusCode).toBe(200);
      expect((await request('GET', '/auth/tokens/current', publishOnly.auth)).statusCode).toBe(200);
      // Token management and account changes need read.
      const refused = await request('GET', '/auth/tokens', publishOnly.auth);
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ error: 'missing_scope', details: { required_scope: 'read' }, message: expect.stringMatching(/read scope/) });
      expect((await request('GET', '/me/audit', publishOnly.auth)).statusCode).toBe(403);
      expect((await request('GET', '/auth/tokens', readOnly.auth)).statusCode).toBe(200);
      expect((await request('GET', '/me/audit', readOnly.auth)).statusCode).toBe(200);
    });

    it('the admin scope is for admin users only', async () => {
      const user = await signUp(registry());
      const refused = await request('POST', '/auth/tokens', user.auth, { name: 'admin?', scopes: ['read', 'admin'] });
      expect(refused.statusCode).toBe(403);
      const admin = await signUp(registry(), { admin: true });
      const granted = await request('POST', '/auth/tokens', admin.auth, { name: 'admin', scopes: ['read', 'admin'] });
      expect(granted.statusCode).toBe(201);
      expect(granted.json().scopes).toEqual(['read', 'admin']);
      expect((await request('POST', '/auth/tokens', admin.auth, { name: 'bad', scopes: ['write'] })).statusCode).toBe(400);
    });

    it('a token can only create, rotate or revoke tokens within its own scopes and package patterns', async () => {
      const owner = await signUp(registry());
      const narrow = await createApiToken(registry(), owner, { name: 'narrow', scopes: ['read'], packages: ['linalg-*'] });
      const broad = await createApiToken(registry(), owner, { name: 'broad' });

      const moreScopes = await request('POST', '/auth/tokens', narrow.auth, { name: 'x', scopes: ['read', 'publish'], packages: ['linalg-core'] });
      expect(moreScopes.statusCode).toBe(403);
      expect(moreScopes.json().error).toBe('missing_scope');
      const allPackages = await request('POST', '/auth/tokens', narrow.auth, { name: 'x', scopes: ['read'] });
      expect(allPackages.statusCode).toBe(403);
      expect(allPackages.json().error).toBe('package_not_allowed');
      const otherPackages = await request('POST', '/auth/tokens', narrow.auth, { name: 'x', scopes: ['read'], packages: ['plots'] });
      expect(otherPackages.statusCode).toBe(403);
      const within = await request('POST', '/auth/tokens', narrow.auth, { name: 'x', scopes: ['read'], packages: ['linalg-core', 'linalg-sparse*'] });
      expect(within.statusCode).toBe(201);

      expect((await request('DELETE', `/auth/tokens/${broad.id}`, narrow.auth)).statusCode).toBe(403);
      expect((await request('POST', `/auth/tokens/${broad.id}/rotate`, narrow.auth)).statusCode).toBe(403);
      expect((await request('GET', '/me', broad.auth)).statusCode).toBe(200);
      expect((await request('DELETE', `/auth/tokens/${within.json().id}`, narrow.auth)).statusCode).toBe(204);
      expect((await request('POST', '/auth/tokens', owner.auth, { name: 'x', packages: ['Bad Pattern'] })).statusCode).toBe(400);
    });

    it("a suspended user's tokens stop working", async () => {
      const owner = await signUp(registry());
      const token = await createApiToken(registry(), owner);
      await registry().ctx.db.query('UPDATE users SET is_suspended = true WHERE id = $1', [owner.user.id]);
      const use = await request('GET', '/me', token.auth);
      expect(use.statusCode).toBe(403);
      expect(use.json().error).toBe('account_suspended');
    });
  });

  it('reminds owners seven days before a token expires, once', async () => {
    const owner = await signUp(registry());
    await createApiToken(registry(), owner, { name: 'soon', expires_at: new Date(Date.now() + 3 * 86400_000).toISOString() });
    await createApiToken(registry(), owner, { name: 'later', expires_at: new Date(Date.now() + 30 * 86400_000).toISOString() });
    const reminders = () => registry().outbox().filter((mail) => mail.to === owner.email && /expires soon/.test(mail.subject));
    await sendTokenExpiryReminders(registry().ctx);
    expect(reminders().map((mail) => mail.subject)).toEqual(['Your token soon expires soon']);
    await sendTokenExpiryReminders(registry().ctx);
    expect(reminders()).toHaveLength(1);
  });
});
