// The web interface in a real browser (headless Chromium), against the real server process, with the real `sounio`
// CLI: the whole story of a new Sounio programmer, from registering to revoking the token their CLI used. Screenshots
// of the main pages, light and dark, go to test-artifacts/screenshots/.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, startRegistryForCli, type CliRegistry } from '../helpers/cli.js';
import { tempDir } from '../helpers/registry.js';
import { accessibilityProblems, contrastProblems, describeBrowser, launchBrowser, screenshotBothSchemes } from './browser.js';

const USER = { username: 'ada_browser', email: 'ada@example.org', password: 'analytical-engine-1843' };
const PACKAGE = 'stellar-orbits';

describeBrowser('the web interface in Chromium: register → token → CLI publish → package page → revoke', () => {
  let registry: CliRegistry;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  const home = tempDir('sounio-browser-home-');

  beforeAll(async () => {
    registry = await startRegistryForCli([]);
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: registry.url });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await registry?.stop();
  });

  const outbox = () =>
    readdirSync(join(registry.dataDir, 'outbox'))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => JSON.parse(readFileSync(join(registry.dataDir, 'outbox', file), 'utf8')) as { to: string; links: string[] });

  let token = '';

  it('registers and verifies the address by the link in the outbox', async () => {
    await page.goto(`${registry.url}/`);
    await screenshotBothSchemes(page, 'home-empty');
    await page.getByRole('link', { name: 'Register' }).click();
    await page.getByLabel('Username').fill(USER.username);
    await page.getByLabel('Email address').fill(USER.email);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Create account' }).click();
    expect(await page.textContent('h1')).toBe('Check your mail');
    expect(await page.textContent('main')).toContain(USER.email);
    const link = outbox().find((mail) => mail.to === USER.email)!.links.find((candidate) => candidate.includes('/verify?token='))!;
    await page.goto(link);
    await page.getByRole('button', { name: 'Verify my email address' }).click();
    expect(await page.textContent('h1')).toBe('Email address verified');
  });

  it('logs in and creates a token on /settings/tokens, shown once with a copy button', async () => {
    await page.locator('main').getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL(`${registry.url}/login`);
    await screenshotBothSchemes(page, 'login');
    await page.getByLabel('Email address').fill(USER.email);
    await page.getByLabel('Password').fill(USER.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${registry.url}/`);
    expect(await page.textContent('.notice')).toContain(`Welcome back, ${USER.username}`);
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === 'sounio_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(await page.evaluate(() => document.cookie)).toBe(''); // nothing readable by scripts

    await page.goto(`${registry.url}/settings/tokens`);
    await page.getByLabel('Name').fill('laptop');
    await page.getByLabel('Expires after').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    token = (await page.locator('#new-token ~ .install code').first().textContent())!;
    expect(token).toMatch(/^sounio_/);
    expect(await page.textContent('main')).toContain(`sounio login --registry ${registry.url}`);
    // The copy button appears (the script runs under the CSP) and copies the token.
    const copy = page.getByRole('button', { name: 'Copy the token' });
    await copy.click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    expect(await copy.textContent()).toBe('Copied');
    await screenshotBothSchemes(page, 'settings-tokens');
  });

  it('the CLI logs in with the token and publishes; the package page shows README, version and install line', async () => {
    const login = await runCli(['login', '--registry', registry.url, '--token', token], { env: { SOUNIO_HOME: home } });
    expect(login.code, login.stderr).toBe(0);
    const dir = join(home, PACKAGE);
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'Sounio.toml'),
      `[package]\nname = "${PACKAGE}"\nversion = "1.4.2"\ndescription = "Orbital mechanics for planetary systems"\nlicense = "MIT"\nrepository = "https://example.org/ada/stellar-orbits"\nkeywords = ["astronomy", "orbits"]\ncategories = ["science"]\n`,
    );
    writeFileSync(join(dir, 'README.md'), `# Stellar orbits\n\nKepler's laws, **numerically**.\n\n\`\`\`sounio\nlet orbit = kepler(sun, earth)\n\`\`\`\n`);
    writeFileSync(join(dir, 'src', 'lib.sio'), 'fn kepler() {}\n');
    const publish = await runCli(['publish'], { cwd: dir, env: { SOUNIO_HOME: home } });
    expect(publish.code, publish.stderr + publish.stdout).toBe(0);

    await page.goto(`${registry.url}/packages/${PACKAGE}`);
    expect(await page.textContent('h1')).toBe(PACKAGE);
    expect(await page.textContent('.package-head .version')).toBe('1.4.2');
    expect(await page.textContent('.readme h1')).toBe('Stellar orbits');
    expect(await page.textContent('.readme strong')).toBe('numerically');
    expect(await page.textContent('.install code')).toBe(`${PACKAGE} = "^1.4"`);
    expect(await page.textContent('aside')).toContain(USER.username);
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(await page.textContent('main')).toContain('No downloads in the last 90 days.');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await contrastProblems(page)).toEqual([]);
  });

  it('search finds it from the header search box', async () => {
    await page.goto(`${registry.url}/`);
    await page.getByRole('searchbox', { name: 'Search packages' }).first().fill('orbital mechanics');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/search\?q=orbital/);
    const result = page.locator('.package-list a.name', { hasText: PACKAGE });
    expect(await result.count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await contrastProblems(page)).toEqual([]);
    await screenshotBothSchemes(page, 'search');
    await result.click();
    await page.waitForURL(`${registry.url}/packages/${PACKAGE}`);
  });

  it('the downloads chart appears after a download (once the counter is flushed)', async () => {
    const download = await fetch(`${registry.url}/api/v1/packages/${PACKAGE}/versions/1.4.2/download`);
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    const deadline = Date.now() + 30_000;
    while ((await page.locator('figure.chart svg rect.bar').count()) === 0) {
      if (Date.now() > deadline) throw new Error('the chart did not appear within 30 s of the download');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await page.reload();
    }
    expect(await page.getAttribute('figure.chart', 'data-total')).toBe('1');
    expect(await page.locator('figure.chart svg rect.bar').count()).toBe(90);
    expect(await page.textContent('figure.chart figcaption')).toContain('1 download in the last 90 days');
    await screenshotBothSchemes(page, 'package');
    await page.setViewportSize({ width: 375, height: 800 });
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await contrastProblems(page)).toEqual([]);
    await screenshotBothSchemes(page, 'package-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('revoking the token on the page makes the CLI refused', async () => {
    const before = await runCli(['whoami'], { env: { SOUNIO_HOME: home } });
    expect(before.code, before.stderr).toBe(0);
    await page.goto(`${registry.url}/settings/tokens`);
    expect(await page.textContent('table')).toContain('laptop');
    await page.getByRole('button', { name: 'Revoke the token laptop' }).click();
    await page.waitForURL(`${registry.url}/settings/tokens`);
    expect(await page.textContent('.notice')).toContain('is revoked');
    const after = await runCli(['whoami'], { env: { SOUNIO_HOME: home } });
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/revoked/i);
    const publish = await runCli(['publish'], { cwd: join(home, PACKAGE), env: { SOUNIO_HOME: home } });
    expect(publish.code).toBe(1);
  });

  it('the other main pages render, accessibly, light and dark; a 404 is friendly', async () => {
    for (const [name, path] of [
      ['home', '/'],
      ['categories', '/categories'],
      ['category', '/categories/science'],
      ['keyword', '/keywords/astronomy'],
      ['user', `/users/${USER.username}`],
      ['my-packages', '/me/packages'],
      ['manage-package', `/me/packages/${PACKAGE}`],
      ['profile', '/settings/profile'],
      ['security', '/settings/security'],
      ['not-found', '/no/such/page'],
    ] as const) {
      const response = await page.goto(`${registry.url}${path}`);
      expect(response!.status(), path).toBe(name === 'not-found' ? 404 : 200);
      expect(await accessibilityProblems(page), path).toEqual([]);
      expect(await contrastProblems(page), path).toEqual([]);
      await screenshotBothSchemes(page, name);
    }
    expect(await page.textContent('h1')).toBe('Page not found');
    expect(await page.getAttribute('footer a[href="/api/docs"]', 'href')).toBe('/api/docs');
    // Our pages break none of our own rules: no inline script or style the CSP had to refuse, no script errors.
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('logs out: the session cookie is gone and account pages ask to log in', async () => {
    await page.goto(`${registry.url}/`);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(`${registry.url}/`);
    expect((await context.cookies()).some((cookie) => cookie.name === 'sounio_session')).toBe(false);
    await page.goto(`${registry.url}/settings/tokens`);
    expect(page.url()).toBe(`${registry.url}/login?next=${encodeURIComponent('/settings/tokens')}`);
  });
});
