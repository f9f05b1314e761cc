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

/**
 * Text whose colour against its background is below WCAG AA (4.5:1; 3:1 for large text: 24px, or 18.66px bold), in
 * both colour schemes, measured from the computed styles: each element with its own visible text, its colour
 * (opacity folded in) over the first opaque background up its ancestors (translucent ones blended on the way).
 * The README's rendered HTML is the author's, and disabled controls are exempt, as WCAG exempts them.
 */
export async function contrastProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const found = await page.evaluate(() => {
      const parse = (text: string): [number, number, number, number] => {
        const m = /rgba?\(([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:[ ,/]+([\d.]+))?\)/.exec(text);
        return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] : [0, 0, 0, 1];
      };
      const over = (top: number[], bottom: number[]): number[] => [0, 1, 2].map((i) => top[i]! * top[3]! + bottom[i]! * (1 - top[3]!)).concat(1);
      const luminance = (c: number[]): number => {
        const [r, g, b] = c.slice(0, 3).map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
      };
      const background = (element: Element): number[] => {
        const layers: number[][] = [];
        for (let e: Element | null = element; e !== null; e = e.parentElement) {
          const c = parse(getComputedStyle(e).backgroundColor);
          if (c[3] > 0) layers.push(c);
          if (c[3] >= 1) break;
        }
        let result = [255, 255, 255, 1];
        if (layers.length === 0 || layers.at(-1)![3] < 1) result = parse(getComputedStyle(document.documentElement).backgroundColor)[3] > 0 ? parse(getComputedStyle(document.documentElement).backgroundColor) : result;
        for (const layer of layers.reverse()) result = over(layer, result);
        return result;
      };
      const out: string[] = [];
      for (const element of document.querySelectorAll('body *')) {
        if (element.closest('.readme, svg, script, style, noscript, [disabled], .visually-hidden, .skip')) continue;
        const own = [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent!.trim() !== '');
        if (!own) continue;
        const style = getComputedStyle(element);
        const box = element.getBoundingClientRect();
        if (style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0) continue;
        let opacity = 1;
        for (let e: Element | null = element; e !== null; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
        const bg = background(element);
        const fg = parse(style.color);
        const text = over([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
        const [light, dark] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
        const ratio = (light! + 0.05) / (dark! + 0.05);
        const size = parseFloat(style.fontSize);
        const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
        if (ratio < (large ? 3 : 4.5)) out.push(`${element.tagName.toLowerCase()}${element.className ? '.' + String(element.className).split(' ').join('.') : ''} "${element.textContent!.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
      }
      return out;
    });
    problems.push(...found.map((problem) => `${colorScheme}: ${problem}`));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return problems;
}
