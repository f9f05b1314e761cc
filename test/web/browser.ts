// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core for the browser tests. Without chromium
// the suites are skipped with a message, or fail when CI=true (like the real-service suites).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, it } from 'vitest';
import { IN_CI } from '../helpers/registry.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(fileURLToPath(new URL('../..', import.meta.url)), 'test-artifacts', 'screenshots');

export function describeBrowser(title: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(title, body);
  } else if (IN_CI) {
    describe(title, () => {
      it(`needs ${CHROMIUM} (CI=true: a skipped browser suite is a failure; apt-get install -y chromium)`, () => {
        throw new Error(`CI=true but ${CHROMIUM} is missing`);
      });
    });
  } else {
    describe.skip(`${title}: install chromium (apt-get install -y chromium) to run`, body);
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>-<scheme>.png, light and dark. */
export async function screenshotBothSchemes(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** What a page gets wrong for accessibility that a script can tell: unlabelled fields, skipped heading levels, not one h1. */
export function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const fields = document.querySelectorAll('input:not([type=hidden]):not([type=submit]), select, textarea');
    fields.forEach((field) => {
      const id = field.getAttribute('id');
      const labelled = (id !== null && document.querySelector(`label[for="${id}"]`) !== null) || field.closest('label') !== null || field.hasAttribute('aria-label');
      if (!labelled) problems.push(`unlabelled field ${field.outerHTML.slice(0, 80)}`);
    });
    const headings = [...document.querySelectorAll('main h1, main h2, main h3, main h4')].filter((heading) => !heading.closest('.readme'));
    const h1s = headings.filter((heading) => heading.tagName === 'H1').length;
    if (h1s !== 1) problems.push(`${h1s} h1 elements`);
    let level = 0;
    for (const heading of headings) {
      const next = Number(heading.tagName.slice(1));
      if (next > level + 1) problems.push(`heading ${heading.tagName} "${heading.textContent}" after h${level}`);
      level = next;
    }
    if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${window.innerWidth}px window`);
    return problems;
  });
}
