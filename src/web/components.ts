// Pieces several pages share: package lists, pagination, dates and numbers, form fields and errors.
import type { PackageView } from '../services/package-views.js';
import { html, type SafeHtml } from './html.js';

export function formatNumber(count: number): string {
  return count.toLocaleString('en-US');
}

/** A date as "12 Mar 2025" in a <time> element carrying the exact instant. */
export function formatDate(iso: string): SafeHtml {
  const date = new Date(iso);
  const text = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return html`<time datetime="${date.toISOString()}">${text}</time>`;
}

export function packageLink(name: string, version?: string): string {
  return `/packages/${encodeURIComponent(name)}${version === undefined ? '' : `/${encodeURIComponent(version)}`}`;
}

export function tagList(label: string, items: string[], href: (item: string) => string): SafeHtml | null {
  if (items.length === 0) return null;
  return html`<ul class="tags" aria-label="${label}">${items.map((item) => html`<li><a href="${href(item)}">${item}</a></li>`)}</ul>`;
}

export const keywordHref = (keyword: string) => `/keywords/${encodeURIComponent(keyword)}`;
export const categoryHref = (slug: string) => `/categories/${encodeURIComponent(slug)}`;

export function packageItem(pkg: PackageView): SafeHtml {
  return html`<li>
<a class="name" href="${packageLink(pkg.name)}">${pkg.name}</a> <span class="meta">${pkg.latest_version}</span>
${pkg.description === undefined ? null : html`<p>${pkg.description}</p>`}
<p class="meta">${formatNumber(pkg.downloads)} downloads · updated ${formatDate(pkg.updated_at)}</p>
${tagList('Keywords', pkg.keywords, keywordHref)}
</li>`;
}

export function packageList(packages: PackageView[], empty: string): SafeHtml {
  if (packages.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<ul class="package-list">${packages.map(packageItem)}</ul>`;
}

/** A short list for the home page: name and one number. */
export function compactList(packages: PackageView[], detail: (pkg: PackageView) => SafeHtml | string): SafeHtml {
  if (packages.length === 0) return html`<p class="muted">Nothing yet.</p>`;
  return html`<ul class="compact-list">${packages.map((pkg) => html`<li><a href="${packageLink(pkg.name)}">${pkg.name}</a> <span class="meta">${detail(pkg)}</span></li>`)}</ul>`;
}

/** Previous/next links keeping the other query parameters. */
export function pagination(path: string, params: Record<string, string | undefined>, page: number, hasNext: boolean, total: number, perPage: number): SafeHtml | null {
  if (page === 1 && !hasNext) return null;
  const href = (target: number) => {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
    if (target > 1) query.set('page', String(target));
    const text = query.toString();
    return text === '' ? path : `${path}?${text}`;
  };
  const pages = Math.max(1, Math.ceil(total / perPage));
  return html`<nav class="pagination" aria-label="Pages">
${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">← Previous</a>` : null}
<span class="meta">Page ${page} of ${pages}</span>
${hasNext ? html`<a href="${href(page + 1)}" rel="next">Next →</a>` : null}
</nav>`;
}

export function errorBox(message: string | null): SafeHtml | null {
  return message === null ? null : html`<div class="error-box" role="alert"><p>${message}</p></div>`;
}

/** A code line with a copy button (hidden until the script shows it: without JavaScript the text is still there). */
export function copyLine(text: string, label: string): SafeHtml {
  return html`<div class="install"><code>${text}</code><button type="button" class="copy secondary" data-copy="${text}" aria-label="${label}" hidden>Copy</button></div>`;
}
