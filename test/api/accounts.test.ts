// Accounts through the API on each backend: registration and verification, login, password reset and change,
// profile changes, audit events, suspension, public profiles.
import { describe, expect, it } from 'vitest';
import { findUserByUsername } from '../../src/db/users.js';
import { setSuspended } from '../../src/services/accounts.js';
import { describeEachBackend, type TestRegistry } from '../helpers/registry.js';
import { signUp } from '../helpers/users.js';

function tokenFrom(link: string): string {
  const token = new URL(link).searchParams.get('token');
  if (token === null) throw new Error(`no token in ${link}`);
  return token;
}

function lastMailTo(registry: TestRegistry, to: string) {
  const mail = registry.outbox().filter((message) => message.to === to).pop();
  if (mail === undefined) throw new Error(`no mail to ${to}`);
  return mail;
}

describeEachBackend('accounts', (registry) => {
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    registry().app.inject({ method: 'POST', url: `/api/v1${url}`, payload: payload as object, headers });

  describe('registration', () => {
    it('creates an unverified user, stores only a hash of the mailed token, and verifies once', async () => {
      const response = await post('/auth/register', { username: 'Marie-Curie', email: 'marie@example.org', password: 'radium and polonium' });
      expect(response.statusCode).toBe(201);
      const user = response.json();
      expect(user).toMatchObject({ username: 'Marie-Curie', email: 'marie@example.org', email_verified: false });
      expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(user).not.toHaveProperty('password_hash');

      const mail = lastMailTo(registry(), 'marie@example.org');
      expect(mail.subject).toMatch(/verify/i);
      expect(mail.links).toHaveLength(1);
      expect(mail.links[0]).toMatch(/^http:\/\/localhost:3000\/verify\?token=[\w-]{40,}$/);
      const token = tokenFrom(mail.links[0]!);
      expect(mail.text).toContain(mail.links[0]);

      const stored = await registry().ctx.db.query<{ token_hash: string }>('SELECT token_hash FROM email_verifications WHERE user_id = $1', [user.id]);
      expect(stored.rows).toHaveLength(1);
      expect(stored.rows[0]!.token_hash).not.toContain(token);
      expect(stored.rows[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
      const row = await registry().ctx.db.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.id]);
      expect(row.rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

      const verified = await post('/auth/verify', { token });
      expect(verified.statusCode).toBe(200);
      expect(verified.json().email_verified).toBe(true);
      const again = await post('/auth/verify', { token });
      expect(again.statusCode).toBe(400);
      expect(again.json().error).toBe('invalid_verification_token');
    });

    it('refuses an expired verification link', async () => {
      await post('/auth/register', { username: 'late', email: 'late@example.org', password: 'password123' });
      const token = tokenFrom(lastMailTo(registry(), 'late@example.org').links[0]!);
      await registry().ctx.db.query("UPDATE email_verifications SET expires_at = now() - interval '1 second' WHERE email = 'late@example.org'");
      const response = await post('/auth/verify', { token });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toBe('invalid_verification_token');
    });

    it('refuses duplicates ignoring case, with 409', async () => {
      expect((await post('/auth/register', { username: 'dup', email: 'dup@example.org', password: 'password123' })).statusCode).toBe(201);
      const sameName = await post('/auth/register', { username: 'DUP', email: 'other@example.org', password: 'password123' });
      expect(sameName.statusCode).toBe(409);
      expect(sameName.json()).toMatchObject({ error: 'username_taken', details: { field: 'username' } });
      const sameEmail = await post('/auth/register', { username: 'dup2', email: 'DUP@Example.org', password: 'password123' });
      expect(sameEmail.statusCode).toBe(409);
      expect(sameEmail.json().error).toBe('email_taken');
      const count = await registry().ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE lower(username) LIKE 'dup%'");
      expect(count.rows[0]!.n).toBe(1);
    });

    it.each([
      [{ username: 'ab', email: 'a@example.org', password: 'password123' }, 'username'],
      [{ username: 'a'.repeat(40), email: 'a@example.org', password: 'password123' }, 'username'],
      [{ username: 'bad name', email: 'a@example.org', password: 'password123' }, 'username'],
      [{ username: 'valid', email: 'not-an-email', password: 'password123' }, 'email'],
      [{ username: 'valid', email: 'a@example.org', password: 'short' }, 'password'],
      [{ username: 'valid', email: 'a@example.org', password: 'x'.repeat(1025) }, 'password'],
      [{ username: 'valid', email: 'a@example.org' }, 'password'],
    ])('refuses %j with a 400 naming %s', async (body, field) => {
      const response = await post('/auth/register', body);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: 'invalid_request', details: { field } });
    });

    it('resends a verification link to an unverified user, not to a verified one', async () => {
      const unverified = await signUp(registry(), { verified: false });
      const resend = await post('/auth/verify/resend', {}, unverified.auth);
      expect(resend.statusCode).toBe(202);
      const token = tokenFrom(lastMailTo(registry(), unverified.email).links[0]!);
      expect((await post('/auth/verify', { token })).statusCode).toBe(200);
      const again = await post('/auth/verify/resend', {}, unverified.auth);
      expect(again.statusCode).toBe(409);
      expect(again.json().error).toBe('already_verified');
      expect((await post('/auth/verify/resend', {})).statusCode).toBe(401);
    });
  });

  describe('login', () => {
    it('returns a JWT that works as a bearer', async () => {
      const alice = await signUp(registry());
      const response = await post('/auth/login', { email: alice.email.toUpperCase(), password: alice.password });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, user: { username: alice.user.username } });
      expect(body.token.split('.')).toHaveLength(3);
      const me = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${body.token}` } });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: alice.user.id, username: alice.user.username, email: alice.email });
    });

    it('answers an unknown email and a wrong password identically', async () => {
      const bob = await signUp(registry());
      const wrong = await post('/auth/login', { email: bob.email, password: 'not the password' });
      const unknown = await post('/auth/login', { email: 'nobody@example.org', password: 'not the password' });
      expect(wrong.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrong.json()).toEqual(unknown.json());
      expect(wrong.json().error).toBe('invalid_credentials');
    });

    it('spends the same work on an unknown email as on a known one', async () => {
      const carol = await signUp(registry());
      const time = async (email: string) => {
        const start = process.hrtime.bigint();
        await post('/auth/login', { email, password: 'not the password' });
        return Number(process.hrtime.bigint() - start) / 1e6;
      };
      await time('warmup@example.org');
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i++) {
        known.push(await time(carol.email));
        unknown.push(await time(`ghost${i}@example.org`));
      }
      const median = (values: number[]) => values.sort((a, b) => a - b)[2]!;
      // Both paths run one argon2id verification (tens of milliseconds); a skipped hash would be far faster.
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    });

    it('refuses suspended users with 403, and their existing credentials stop working', async () => {
      const dave = await signUp(registry());
      await setSuspended(registry().ctx, dave.user, true, null);
      const login = await post('/auth/login', { email: dave.email, password: dave.password });
      expect(login.statusCode).toBe(403);
      expect(login.json().error).toBe('account_suspended');
      const me = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: dave.auth });
      expect(me.statusCode).toBe(403);
      const audit = await registry().ctx.db.query<{ action: string }>("SELECT action FROM audit_log WHERE resource_id = $1 AND action = 'suspend'", [dave.user.id]);
      expect(audit.rows).toHaveLength(1);
    });

    it('GET /me without valid credentials is a 401 Error body', async () => {
      const none = await registry().app.inject({ method: 'GET', url: '/api/v1/me' });
      expect(none.statusCode).toBe(401);
      expect(none.json().error).toBe('unauthorized');
      const garbage = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Bearer not.a.jwt' } });
      expect(garbage.statusCode).toBe(401);
      expect(garbage.json().error).toBe('invalid_token');
      const basic = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(basic.statusCode).toBe(401);
    });
  });

  describe('passwords', () => {
    it('reset: always 202; the mailed link sets a new password once and ends old sessions', async () => {
      const erin = await signUp(registry());
      const unknown = await post('/auth/password-reset/request', { email: 'nobody-here@example.org' });
      expect(unknown.statusCode).toBe(202);
      const known = await post('/auth/password-reset/request', { email: erin.email });
      expect(known.statusCode).toBe(202);
      expect(known.json()).toEqual(unknown.json());
      const link = lastMailTo(registry(), erin.email).links[0]!;
      expect(link).toMatch(/\/password-reset\?token=/);

      const reset = await post('/auth/password-reset', { token: tokenFrom(link), password: 'a brand new password' });
      expect(reset.statusCode).toBe(200);
      expect((await post('/auth/password-reset', { token: tokenFrom(link), password: 'yet another one' })).json().error).toBe('invalid_reset_token');

      const old = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: erin.auth });
      expect(old.statusCode).toBe(401);
      expect(old.json().error).toBe('session_ended');
      expect((await post('/auth/login', { email: erin.email, password: erin.password })).statusCode).toBe(401);
      expect((await post('/auth/login', { email: erin.email, password: 'a brand new password' })).statusCode).toBe(200);
    });

    it('change through PATCH /me needs the current password and ends every earlier JWT', async () => {
      const frank = await signUp(registry());
      const patch = (body: object, headers = frank.auth) => registry().app.inject({ method: 'PATCH', url: '/api/v1/me', payload: body, headers });
      const missing = await patch({ password: 'new password 1' });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().details.field).toBe('current_password');
      const wrong = await patch({ password: 'new password 1', current_password: 'nope nope' });
      expect(wrong.statusCode).toBe(403);
      const changed = await patch({ password: 'new password 1', current_password: frank.password });
      expect(changed.statusCode).toBe(200);
      const old = await registry().app.inject({ method: 'GET', url: '/api/v1/me', headers: frank.auth });
      expect(old.statusCode).toBe(401);
      expect(old.json().error).toBe('session_ended');
      expect(lastMailTo(registry(), frank.email).subject).toMatch(/password was changed/);
    });
  });

  describe('profile', () => {
    it('changes bio, location, website and avatar, and clears them', async () => {
      const gina = await signUp(registry());
      const patch = (body: object) => registry().app.inject({ method: 'PATCH', url: '/api/v1/me', payload: body, headers: gina.auth });
      const set = await patch({ bio: 'Numerical analyst', location: 'Lisbon', website: 'https://gina.example.org', avatar_url: 'https://img.example.org/g.png' });
      expect(set.statusCode).toBe(200);
      expect(set.json()).toMatchObject({ bio: 'Numerical analyst', location: 'Lisbon', website: 'https://gina.example.org', avatar_url: 'https://img.example.org/g.png' });
      const profile = await registry().app.inject({ method: 'GET', url: `/api/v1/users/${gina.user.username}` });
      expect(profile.json()).toMatchObject({ username: gina.user.username, bio: 'Numerical analyst', location: 'Lisbon', website: 'https://gina.example.org', package_count: 0 });
      expect(profile.json()).not.toHaveProperty('email');
      const cleared = await patch({ bio: null, website: '' });
      expect(cleared.json()).not.toHaveProperty('bio');
      expect(cleared.json()).not.toHaveProperty('website');
      expect(cleared.json().location).toBe('Lisbon');
      expect((await patch({ website: 'javascript:alert(1)' })).statusCode).toBe(400);
      expect((await patch({ bio: 'x'.repeat(501) })).statusCode).toBe(400);
      expect((await patch({ is_admin: true })).statusCode).toBe(400);
      expect((await patch({})).statusCode).toBe(400);
    });

    it('an email change makes the account unverified, tells the old address and verifies the new one', async () => {
      const hugo = await signUp(registry());
      const response = await registry().app.inject({ method: 'PATCH', url: '/api/v1/me', payload: { email: 'hugo-new@example.org' }, headers: hugo.auth });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ email: 'hugo-new@example.org', email_verified: false });
      expect(lastMailTo(registry(), hugo.email).subject).toMatch(/email address was changed/);
      const token = tokenFrom(lastMailTo(registry(), 'hugo-new@example.org').links[0]!);
      expect((await post('/auth/verify', { token })).json()).toMatchObject({ email: 'hugo-new@example.org', email_verified: true });

      const other = await signUp(registry());
      const taken = await registry().app.inject({ method: 'PATCH', url: '/api/v1/me', payload: { email: 'HUGO-NEW@example.org' }, headers: other.auth });
      expect(taken.statusCode).toBe(409);
      expect(taken.json().error).toBe('email_taken');
    });
  });

  describe('audit and users', () => {
    it('GET /me/audit lists my own events, newest first, paginated', async () => {
      const ivy = await signUp(registry());
      await post('/auth/login', { email: ivy.email, password: 'wrong password' });
      await registry().app.inject({ method: 'POST', url: '/api/v1/auth/tokens', payload: { name: 'ci' }, headers: ivy.auth });
      const page1 = await registry().app.inject({ method: 'GET', url: '/api/v1/me/audit?per_page=2', headers: ivy.auth });
      expect(page1.statusCode).toBe(200);
      const body = page1.json();
      expect(body.total).toBe(4); // register, login, login_failure, token_create
      expect(body.has_next).toBe(true);
      expect(body.events.map((event: { action: string }) => event.action)).toEqual(['token_create', 'login_failure']);
      expect(body.events[0]).toMatchObject({ ip: '127.0.0.1', user_agent: 'lightMyRequest' });
      const page2 = await registry().app.inject({ method: 'GET', url: '/api/v1/me/audit?per_page=2&page=2', headers: ivy.auth });
      expect(page2.json().events.map((event: { action: string }) => event.action)).toEqual(['login', 'register']);
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/me/audit?per_page=101', headers: ivy.auth })).statusCode).toBe(400);
    });

    it('GET /users/{username} and /users/{username}/packages; unknown users are 404', async () => {
      const jack = await signUp(registry());
      const profile = await registry().app.inject({ method: 'GET', url: `/api/v1/users/${jack.user.username.toUpperCase()}` });
      expect(profile.statusCode).toBe(200);
      expect(profile.json().username).toBe(jack.user.username);
      const { db } = registry().ctx;
      await db.query("INSERT INTO packages (name, description, keywords) VALUES ('jacks-lib', 'A library', '{linear,algebra}')");
      await db.query("INSERT INTO package_owners (package_id, user_id) SELECT id, $1 FROM packages WHERE name = 'jacks-lib'", [jack.user.id]);
      const packages = await registry().app.inject({ method: 'GET', url: `/api/v1/users/${jack.user.username}/packages` });
      expect(packages.statusCode).toBe(200);
      expect(packages.json()).toMatchObject({
        total: 1,
        page: 1,
        per_page: 20,
        has_next: false,
        packages: [{ name: 'jacks-lib', description: 'A library', keywords: ['linear', 'algebra'], owners: [jack.user.username], latest_version: '' }],
      });
      const missing = await registry().app.inject({ method: 'GET', url: '/api/v1/users/no-such-user' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error).toBe('not_found');
      expect((await registry().app.inject({ method: 'GET', url: '/api/v1/users/no-such-user/packages' })).statusCode).toBe(404);
    });

    it('writes audit rows with user, ip and user agent for register, verify and login', async () => {
      await registry().app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { username: 'audited', email: 'audited@example.org', password: 'password123' },
        headers: { 'user-agent': 'sounio-cli/0.1' },
      });
      const user = await findUserByUsername(registry().ctx.db, 'audited');
      const rows = await registry().ctx.db.query<{ action: string; ip: string; user_agent: string }>('SELECT action, ip, user_agent FROM audit_log WHERE user_id = $1', [user!.id]);
      expect(rows.rows).toEqual([{ action: 'register', ip: '127.0.0.1', user_agent: 'sounio-cli/0.1' }]);
    });
  });
});
