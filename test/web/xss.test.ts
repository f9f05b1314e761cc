// The XSS corpus: hostile READMEs (script tags, event handlers, javascript: links, SVG and MathML tricks, broken HTML)
// are published through the API and each package page is opened in Chromium. Every payload tries to set
// window.__xss (or open a dialog); none may succeed, and the rendered README keeps no handler or script URL.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRegistryForCli, type CliRegistry } from '../helpers/cli.js';
import { packTarball } from '../helpers/packages.js';
import { describeBrowser, launchBrowser } from './browser.js';

const SET = 'window.__xss=1';

export const HOSTILE_READMES: Record<string, string> = {
  'script-tag': `# Hi\n\n<script>${SET}</script>\n`,
  'img-onerror': `<img src=x onerror="${SET}">`,
  'svg-onload': `<svg onload="${SET}"><circle r="5"/></svg>`,
  'svg-script': `<svg><script>${SET}</script></svg>`,
  'svg-animate': `<svg><animate onbegin="${SET}" attributeName="x" dur="1s"></animate></svg>`,
  'svg-xlink': `<svg><a xlink:href="javascript:${SET}"><text x="20" y="20">click</text></a></svg>`,
  'markdown-js-link': `[click me](javascript:${SET})`,
  'html-js-link': `<a href="javascript:${SET}">click me</a>`,
  'mixed-case-js-link': `<a href="JaVaScRiPt:${SET}">click me</a>`,
  'entity-js-link': `<a href="&#106;avascript:${SET}">click me</a>`,
  'tab-js-link': `<a href="java\tscript:${SET}">click me</a>`,
  'data-html-link': `<a href="data:text/html,<script>${SET}</script>">data</a>`,
  'iframe-js': `<iframe src="javascript:parent.__xss=1"></iframe>`,
  'iframe-srcdoc': `<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
  'mathml-href': `<math href="javascript:${SET}"><mi>x</mi></math>`,
  'mathml-mxss': `<math><mtext><table><mglyph><style><img src=x onerror="${SET}"></style></mglyph></table></mtext></math>`,
  'object-embed': `<object data="javascript:${SET}"></object><embed src="javascript:${SET}">`,
  'form-action': `<form action="javascript:${SET}"><button>go</button></form>`,
  'details-ontoggle': `<details open ontoggle="${SET}"><summary>x</summary>y</details>`,
  'input-autofocus': `<input autofocus onfocus="${SET}">`,
  'body-onload': `<body onload="${SET}">text</body>`,
  'style-url': `<div style="background:url(javascript:${SET})">styled</div><style>*{background:url("javascript:${SET}")}</style>`,
  'meta-refresh': `<meta http-equiv="refresh" content="0;url=javascript:${SET}">`,
  'base-href': `<base href="javascript:${SET}//">\n\n[relative](page.html)`,
  'noscript-breakout': `<noscript><p title="</noscript><img src=x onerror=${SET}>"></noscript>`,
  'split-script': `<scr<script>ipt>${SET}</scr</script>ipt>`,
  'unclosed-img': `<img src="x" onerror="${SET}"`,
  'video-source': `<video><source onerror="${SET}"></video>`,
  'code-fence-html': '```html\n<script>' + SET + '</script>\n```\n\n`<img src=x onerror=' + SET + '>`',
  'link-title-breakout': `[x](https://example.org "a\\" onmouseover=\\"${SET}")`,
};

describeBrowser('hostile READMEs in Chromium: no payload runs', () => {
  let registry: CliRegistry;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const names = Object.keys(HOSTILE_READMES);

  beforeAll(async () => {
    registry = await startRegistryForCli([{ username: 'mallory' }]);
    const token = await registry.tokenFor('mallory');
    for (const [index, key] of names.entries()) {
      const name = `xss-${key}`;
      const tarball = await packTarball({ name, version: '1.0.0', description: `Hostile README ${index}`, files: { 'README.md': HOSTILE_READMES[key]! } });
      const form = new FormData();
      form.append('version', '1.0.0');
      form.append('tarball', new Blob([tarball], { type: 'application/gzip' }), `${name}-1.0.0.tar.gz`);
      const response = await fetch(`${registry.url}/api/v1/packages/${name}/versions`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 201) throw new Error(`publishing ${name}: ${response.status} ${await response.text()}`);
    }
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await registry?.stop();
  });

  it(`has at least 20 hostile READMEs (${names.length})`, () => {
    expect(names.length).toBeGreaterThanOrEqual(20);
  });

  it.each(names)('%s: the page opens, the payload never runs, nothing hostile is left in the DOM', async (key) => {
    const response = await page.goto(`${registry.url}/packages/xss-${key}`);
    expect(response!.status()).toBe(200);
    // Give handlers (onload, onerror, autofocus, animations) their chance, and interact a little.
    await page.waitForTimeout(150);
    await page.mouse.move(200, 300);
    await page.keyboard.press('Tab');
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    const leftovers = await page.evaluate(() => {
      const found: string[] = [];
      for (const element of document.querySelectorAll('.readme *')) {
        if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'BASE', 'META', 'STYLE', 'FORM'].includes(element.tagName)) found.push(element.tagName);
        for (const attribute of element.attributes) {
          if (attribute.name.startsWith('on') || attribute.name === 'style' || attribute.name === 'srcdoc') found.push(`${element.tagName}[${attribute.name}]`);
          if (/^\s*(javascript|data|vbscript):/i.test(attribute.value) && /href|src|action|data/.test(attribute.name)) found.push(`${element.tagName}[${attribute.name}=${attribute.value}]`);
        }
      }
      return found;
    });
    expect(leftovers).toEqual([]);
    // Every link the README keeps goes to a web page, as the browser resolves it (no <base> bent it anywhere).
    const hrefs = await page.$$eval('.readme a[href]', (links) => links.map((link) => (link as HTMLAnchorElement).href));
    for (const href of hrefs) expect(new URL(href).protocol, href).toMatch(/^https?:$/);
  });
});
