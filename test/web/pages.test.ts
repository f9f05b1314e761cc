// The web interface without a browser: status codes, escaping, sessions and their cookies, CSRF refusals, security
// headers, rate limits on login, and the pages driving the same services as the API (app.inject, every backend).
import { describe, expect, it } from 'vitest';
import { createApiToken, signUp } from '../helpers/users.js';
import { published } from '../helpers/packages.js';
import { createTestRegistry, describeEachBackend } from '../helpers/registry.js';
import { PageClient, csrfOf, setCookies } from './client.js';

const registerFields = (username: string) => ({ username, email: `${username}@example.org`, password: 'radium-and-polonium' });

describeEachBackend('web pages', (registry) => {
  const app = () => registry().app;

  it('serves the home page with security headers: a CSP without inline script, nosniff, no framing', async () => {
    const response = await app().inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toContain('href="/api/docs"');
    expect(response.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script element
    expect(response.body).toContain('<label for="home-q"');
  });

  it('serves its stylesheet and script under hashed names, cached for a year', async () => {
    const home = await app().inject({ method: 'GET', url: '/' });
    const css = /href="(\/static\/style\.[0-9a-f]{12}\.css)"/.exec(home.body)![1]!;
    const js = /src="(\/static\/copy\.[0-9a-f]{12}\.js)"/.exec(home.body)![1]!;
    const style = await app().inject({ method: 'GET', url: css });
    expect(style.statusCode).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.headers['cache-control']).toContain('immutable');
    expect(style.body).toContain('prefers-color-scheme: dark');
    const script = await app().inject({ method: 'GET', url: js });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('clipboard');
  });

  it('answers unknown pages and packages with a friendly HTML 404, and unknown API paths with JSON', async () => {
    for (const url of ['/no/such/page', '/packages/no-such-package', '/users/nobody_here', '/categories/nope']) {
      const response = await app().inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('Page not found');
      expect(response.body).toContain('href="/api/docs"');
    }
    const api = await app().inject({ method: 'GET', url: '/api/v1/no-such-endpoint' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ error: 'not_found' });
  });

  it('keeps pages out of the OpenAPI document', async () => {
    // The document's paths are relative to its server, /api/v1: a page that leaked in would show up as one of these.
    const paths = Object.keys((app().swagger() as { paths: Record<string, unknown> }).paths);
    expect(paths.length).toBeGreaterThan(10);
    for (const page of ['/', '/login', '/logout', '/register', '/verify', '/password-reset', '/settings/tokens', '/me/packages', '/keywords/{keyword}', '/packages/{name}/{version}']) {
      expect(paths).not.toContain(page);
    }
    expect(paths.filter((path) => path.startsWith('/static') || path.startsWith('/settings'))).toEqual([]);
  });

  it('registers, verifies by the mailed link, logs in with a session cookie (httpOnly, SameSite=Lax, not Secure on http)', async () => {
    const browser = new PageClient(app);
    const form = await browser.get('/register');
    const seed = setCookies(form).find((cookie) => cookie.name === 'sounio_csrf')!;
    expect(seed.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    const created = await browser.post('/register', registerFields('marie_web'));
    expect(created.statusCode, created.body).toBe(200);
    expect(created.body).toContain('Check your mail');
    const mail = registry().outbox().find((message) => message.to === 'marie_web@example.org')!;
    const link = new URL(mail.links.find((candidate) => candidate.includes('/verify?token='))!);
    // Opening the link uses nothing up (mail scanners fetch links); its button does, once.
    const confirm = await browser.get(link.pathname + link.search);
    expect(confirm.statusCode).toBe(200);
    await browser.get(link.pathname + link.search);
    const token = link.searchParams.get('token')!;
    const verified = await browser.post('/verify', { token });
    expect(verified.statusCode).toBe(200);
    expect(verified.body).toContain('Email address verified');
    await browser.get(link.pathname + link.search);
    expect((await browser.post('/verify', { token })).statusCode).toBe(400); // once only

    await browser.get('/login');
    const wrong = await browser.post('/login', { email: 'marie_web@example.org', password: 'not-her-password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('The email address or password is wrong.');
    expect(wrong.body).toContain('value="marie_web@example.org"');
    const login = await browser.post('/login', { email: 'marie_web@example.org', password: 'radium-and-polonium', next: '/settings/tokens' });
    expect(login.statusCode).toBe(303);
    expect(login.headers.location).toBe('/settings/tokens');
    const session = setCookies(login).find((cookie) => cookie.name === 'sounio_session')!;
    expect(session.attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']));
    expect(session.attributes).not.toContain('secure');
    const page = await browser.get('/settings/tokens');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('marie_web');
    expect(page.headers['cache-control']).toBe('private, no-store');
    // The session cookie is no credential for the API.
    const api = await app().inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: `sounio_session=${browser.cookies.get('sounio_session')}` } });
    expect(api.statusCode).toBe(401);
  });

  it('refuses registration input the API refuses, with the message beside the form', async () => {
    const browser = new PageClient(app);
    await browser.get('/register');
    const bad = await browser.post('/register', { username: 'a b', email: 'x@example.org', password: 'long-enough-pw' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('A username is 3–39 characters');
    await browser.get('/register');
    const short = await browser.post('/register', { username: 'shorty', email: 'shorty@example.org', password: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('at least 8 characters');
    const user = await signUp(registry());
    await browser.get('/register');
    const taken = await browser.post('/register', { username: user.user.username, email: 'other@example.org', password: 'long-enough-pw' });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('is taken');
  });

  it('refuses every form without the right CSRF token, changing nothing', async () => {
    const user = await signUp(registry());
    const browser = new PageClient(app);
    await browser.get('/login');
    expect((await browser.post('/login', { email: user.email, password: user.password }, { csrf: null })).statusCode).toBe(403);
    expect((await browser.post('/login', { email: user.email, password: user.password }, { csrf: 'forged' })).statusCode).toBe(403);
    // A token from another browser (another seed cookie) does not work either.
    const other = new PageClient(app);
    await other.get('/login');
    const refused = await browser.post('/login', { email: user.email, password: user.password }, { csrf: csrfOf(other.lastBody) });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('This form has expired or was sent from another site');
    expect(browser.cookies.has('sounio_session')).toBe(false);

    await browser.get('/login');
    expect((await browser.post('/login', { email: user.email, password: user.password })).statusCode).toBe(303);
    await browser.get('/settings/tokens');
    const tokenForm = csrfOf(browser.lastBody);
    // The token bound to the anonymous visit does not work once logged in, nor does a missing one.
    expect((await browser.post('/settings/tokens', { name: 'sneaky', scopes: ['read'], expires: '30' }, { csrf: null })).statusCode).toBe(403);
    expect((await browser.post('/settings/tokens', { name: 'ok', scopes: ['read'], expires: '30' }, { csrf: tokenForm })).statusCode).toBe(200);
    const tokens = await app().inject({ method: 'GET', url: '/api/v1/auth/tokens', headers: user.auth });
    expect((tokens.json() as Array<{ name: string }>).map((token) => token.name)).toEqual(['ok']);
  });

  it('creates a token shown once, lists it, and revokes it so the API refuses it', async () => {
    const user = await signUp(registry());
    const browser = new PageClient(app);
    await browser.get('/login');
    await browser.post('/login', { email: user.email, password: user.password });
    await browser.get('/settings/tokens');
    const created = await browser.post('/settings/tokens', { name: 'laptop', scopes: ['read', 'publish'], expires: '90', packages: 'web-*, other' });
    expect(created.statusCode).toBe(200);
    expect(created.headers['cache-control']).toContain('no-store');
    const secret = /<code>(sounio_[^<]+)<\/code>/.exec(created.body)![1]!;
    expect(created.body).toContain(`sounio login --registry ${registry().ctx.config.publicUrl}`);
    const me = await app().inject({ method: 'GET', url: '/api/v1/auth/tokens/current', headers: { authorization: `Bearer ${secret}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ name: 'laptop', scopes: ['read', 'publish'], packages: ['web-*', 'other'] });
    expect(new Date(me.json().expires_at).getTime()).toBeGreaterThan(Date.now() + 89 * 24 * 3600 * 1000);
    const list = await browser.get('/settings/tokens');
    expect(list.body).not.toContain(secret);
    expect(list.body).toContain('laptop');
    const id = me.json().id as string;
    const revoked = await browser.post(`/settings/tokens/${id}/revoke`, {});
    expect(revoked.statusCode).toBe(303);
    const after = await browser.get('/settings/tokens');
    expect(after.body).toContain('is revoked');
    const refused = await app().inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${secret}` } });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('token_revoked');
    // A token name the service refuses comes back as a message, not a 500.
    const empty = await browser.post('/settings/tokens', { name: '   ', scopes: ['read'], expires: '30' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('The token name must be 1–100 characters.');
  });

  it('sends visitors of account pages to the login page and back', async () => {
    for (const url of ['/settings/tokens', '/settings/profile', '/settings/security', '/me/packages', '/me/invitations']) {
      const response = await app().inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(303);
      expect(response.headers.location).toBe(`/login?next=${encodeURIComponent(url)}`);
    }
    const user = await signUp(registry());
    const browser = new PageClient(app);
    await browser.get('/login?next=https://evil.example/');
    const login = await browser.post('/login', { email: user.email, password: user.password, next: '//evil.example/' });
    expect(login.headers.location).toBe('/');
  });

  it('logs out (the cookie stops working) and ends sessions on a password change', async () => {
    const user = await signUp(registry());
    const first = new PageClient(app);
    const second = new PageClient(app);
    for (const browser of [first, second]) {
      await browser.get('/login');
      expect((await browser.post('/login', { email: user.email, password: user.password })).statusCode).toBe(303);
    }
    const stolen = first.cookies.get('sounio_session')!;
    await first.get('/settings/profile');
    const out = await first.post('/logout', {});
    expect(out.statusCode).toBe(303);
    expect(first.cookies.has('sounio_session')).toBe(false);
    const replay = await app().inject({ method: 'GET', url: '/settings/profile', headers: { cookie: `sounio_session=${stolen}` } });
    expect(replay.statusCode).toBe(303);

    await second.get('/settings/profile');
    const wrong = await second.post('/settings/password', { current_password: 'nope-nope-nope', password: 'a-brand-new-password' });
    expect(wrong.statusCode).toBe(403);
    const third = new PageClient(app);
    await third.get('/login');
    await third.post('/login', { email: user.email, password: user.password });
    await second.get('/settings/profile');
    const changed = await second.post('/settings/password', { current_password: user.password, password: 'a-brand-new-password' });
    expect(changed.statusCode).toBe(303);
    // The browser that changed it stays signed in (a new session); the other session ended.
    expect((await second.get('/settings/profile')).statusCode).toBe(200);
    expect((await third.get('/settings/profile')).statusCode).toBe(303);
    const audit = await second.get('/settings/security');
    expect(audit.body).toContain('Password changed');
    expect(audit.body).toContain('Logged in');
  });

  it('shows a package: README as stored, install line, versions, owners, checksum; user text escaped, unsafe links dropped', async () => {
    const owner = await signUp(registry(), { username: 'pkg_owner_web' });
    await published(registry(), owner.auth, {
      name: 'web-escape',
      version: '1.2.3',
      description: 'Parses <script>window.pwned=1</script> & more',
      extra: 'homepage = "https://example.org/home"\nkeywords = ["parsing"]',
      files: { 'README.md': '# Hello\n\n<img src=x onerror="window.pwned=1">\n\n[click](javascript:alert(1))\n' },
    });
    await published(registry(), owner.auth, { name: 'web-escape', version: '1.3.0-beta.1', extra: 'homepage = "https://example.org/home"' });
    const page = await app().inject({ method: 'GET', url: '/packages/web-escape' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Parses &lt;script&gt;window.pwned=1&lt;/script&gt; &amp; more');
    expect(page.body).not.toContain('<script>window.pwned');
    expect(page.body).not.toContain('onerror');
    expect(page.body).not.toMatch(/href="javascript:/i);
    expect(page.body).toContain('<h1>Hello</h1>');
    expect(page.body).toContain('web-escape = &quot;^1.2&quot;');
    expect(page.body).toContain('href="https://example.org/home"');
    expect(page.body).toContain('pkg_owner_web');
    expect(page.body).toContain('1.3.0-beta.1');
    expect(page.body).toMatch(/<code class="checksum">[0-9a-f]{64}<\/code>/);
    expect(page.body).toContain('No downloads in the last 90 days.');
    const version = await app().inject({ method: 'GET', url: '/packages/web-escape/1.3.0-beta.1' });
    expect(version.statusCode).toBe(200);
    expect(version.body).toContain('web-escape = &quot;^1.3.0-beta.1&quot;');
    expect((await app().inject({ method: 'GET', url: '/packages/web-escape/9.9.9' })).statusCode).toBe(404);
    const redirect = await app().inject({ method: 'GET', url: '/packages/Web_Escape' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/packages/web-escape');
  });

  it('finds packages: search with sort and filters, keywords, categories, user pages', async () => {
    const owner = await signUp(registry(), { username: 'finder_web' });
    await published(registry(), owner.auth, { name: 'zeta-finder', version: '0.1.0', description: 'Finder of zetas', extra: 'keywords = ["finder"]\ncategories = ["science"]' });
    await published(registry(), owner.auth, { name: 'alpha-finder', version: '0.2.0', description: 'Finder of alphas', extra: 'keywords = ["finder"]' });
    const byName = await app().inject({ method: 'GET', url: '/search?q=finder&sort=name' });
    expect(byName.statusCode).toBe(200);
    expect(byName.body.indexOf('alpha-finder')).toBeLessThan(byName.body.indexOf('zeta-finder'));
    const filtered = await app().inject({ method: 'GET', url: '/search?q=finder&category=science' });
    expect(filtered.body).toContain('zeta-finder');
    expect(filtered.body).not.toContain('alpha-finder</a>');
    const none = await app().inject({ method: 'GET', url: '/search?q=nothing-matches-this-query' });
    expect(none.body).toContain('No package matches');
    const all = await app().inject({ method: 'GET', url: '/search' });
    expect(all.body).toContain('All packages');
    const keyword = await app().inject({ method: 'GET', url: '/keywords/finder' });
    expect(keyword.body).toContain('alpha-finder');
    expect(keyword.body).toContain('zeta-finder');
    const category = await app().inject({ method: 'GET', url: '/categories/science' });
    expect(category.body).toContain('zeta-finder');
    const categories = await app().inject({ method: 'GET', url: '/categories' });
    expect(categories.body).toContain('href="/categories/science"');
    const user = await app().inject({ method: 'GET', url: '/users/finder_web' });
    expect(user.body).toContain('alpha-finder');
    const home = await app().inject({ method: 'GET', url: '/' });
    expect(home.body).toContain('alpha-finder');
    const query = await app().inject({ method: 'GET', url: '/search?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E' });
    expect(query.statusCode).toBe(200);
    expect(query.body).not.toContain('<script>alert(1)');
    expect(query.body).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('lets owners yank, unyank and invite, and others not; invitations are accepted on their page', async () => {
    const owner = await signUp(registry());
    const friend = await signUp(registry());
    await published(registry(), owner.auth, { name: 'web-managed', version: '1.0.0' });
    const browser = new PageClient(app);
    await browser.get('/login');
    await browser.post('/login', { email: owner.email, password: owner.password });
    const list = await browser.get('/me/packages');
    expect(list.body).toContain('href="/me/packages/web-managed"');
    await browser.get('/me/packages/web-managed');
    expect((await browser.post('/me/packages/web-managed/yank', { version: '1.0.0', reason: 'broken build' })).statusCode).toBe(303);
    const yanked = await browser.get('/me/packages/web-managed');
    expect(yanked.body).toContain('web-managed 1.0.0 is yanked.');
    expect(yanked.body).toContain('broken build');
    const api = await app().inject({ method: 'GET', url: '/api/v1/packages/web-managed/versions/1.0.0' });
    expect(api.json()).toMatchObject({ yanked: true, yanked_reason: 'broken build' });
    await browser.post('/me/packages/web-managed/unyank', { version: '1.0.0' });
    expect((await app().inject({ method: 'GET', url: '/api/v1/packages/web-managed/versions/1.0.0' })).json().yanked).toBe(false);
    await browser.get('/me/packages/web-managed');
    await browser.post('/me/packages/web-managed/owners/invite', { username: friend.user.username });
    expect((await browser.get('/me/packages/web-managed')).body).toContain(`Invited ${friend.user.username}`);

    const other = new PageClient(app);
    await other.get('/login');
    await other.post('/login', { email: friend.email, password: friend.password });
    expect((await other.get('/me/packages/web-managed')).statusCode).toBe(403);
    await other.get('/me/packages');
    await other.post('/me/packages/web-managed/yank', { version: '1.0.0' });
    expect((await app().inject({ method: 'GET', url: '/api/v1/packages/web-managed/versions/1.0.0' })).json().yanked).toBe(false);
    const invitations = await other.get('/me/invitations');
    expect(invitations.body).toContain('Accept web-managed');
    await other.post('/me/invitations/web-managed/accept', {});
    expect((await other.get('/me/invitations')).body).toContain('You are now an owner of web-managed.');
    expect((await other.get('/me/packages/web-managed')).statusCode).toBe(200);
  });

  it('changes the profile and sends a new verification link from the account page', async () => {
    const user = await signUp(registry(), { verified: false });
    const browser = new PageClient(app);
    await browser.get('/login');
    await browser.post('/login', { email: user.email, password: user.password });
    const page = await browser.get('/settings/profile');
    expect(page.body).toContain('not verified');
    await browser.post('/settings/verification', {});
    expect(registry().outbox().some((mail) => mail.to === user.email && mail.links.some((link) => link.includes('/verify?token=')))).toBe(true);
    await browser.get('/settings/profile');
    const bad = await browser.post('/settings/profile', { email: user.email, bio: 'hi', location: '', website: 'javascript:alert(1)' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('http:// or https://');
    await browser.get('/settings/profile');
    const saved = await browser.post('/settings/profile', { email: user.email, bio: 'I <3 physics', location: 'Paris', website: 'https://example.org' });
    expect(saved.statusCode).toBe(303);
    const profile = await app().inject({ method: 'GET', url: `/users/${user.user.username}` });
    expect(profile.body).toContain('I &lt;3 physics');
    expect(profile.body).toContain('href="https://example.org/"');
  });

  it('token pages need only the session: a browser cannot be made to act by another site posting an API token', async () => {
    const user = await signUp(registry());
    const token = await createApiToken(registry(), user, { name: 'bearer', scopes: ['read'] });
    const page = await app().inject({ method: 'GET', url: '/settings/tokens', headers: token.auth });
    expect(page.statusCode).toBe(303);
  });
});

describe('web sessions behind https', () => {
  it('marks cookies Secure and sends HSTS when PUBLIC_URL is https', async () => {
    const registry = await createTestRegistry('embedded', { env: { PUBLIC_URL: 'https://registry.example.org' } });
    try {
      const user = await signUp(registry);
      const browser = new PageClient(() => registry.app);
      const form = await browser.get('/login');
      expect(form.headers['strict-transport-security']).toContain('max-age=31536000');
      expect(setCookies(form).find((cookie) => cookie.name === 'sounio_csrf')!.attributes).toContain('secure');
      const login = await browser.post('/login', { email: user.email, password: user.password });
      expect(setCookies(login).find((cookie) => cookie.name === 'sounio_session')!.attributes).toContain('secure');
    } finally {
      await registry.close();
    }
  });
});

describe('web login rate limit', () => {
  it('limits login attempts per address and answers 429 with a page', async () => {
    const registry = await createTestRegistry('embedded', { env: { RATE_LIMIT_ACCOUNT: '3' } });
    try {
      const browser = new PageClient(() => registry.app);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 4; attempt++) {
        await browser.get('/login');
        statuses.push((await browser.post('/login', { email: 'nobody@example.org', password: 'guess-guess' })).statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(browser.lastBody).toContain('Too many requests');
      expect(browser.lastBody).toContain('href="/api/docs"');
    } finally {
      await registry.close();
    }
  });
});
