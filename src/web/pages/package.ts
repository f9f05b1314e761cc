// A package's page: /packages/{name} (its latest version) and /packages/{name}/{version}. README as publishing
// rendered and sanitised it, the line for Sounio.toml, versions, dependencies and dependents, owners, links, keywords
// and categories, the checksum and a 90-day downloads chart.
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import { parseVersion } from '../../core/version.js';
import { AppError, notFound } from '../../errors.js';
import { listPackageVersions, packageDocument } from '../../services/catalog.js';
import { dependents, versionReadme } from '../../services/discovery.js';
import { packageOwners } from '../../services/owners.js';
import type { DependencyView, VersionView } from '../../services/package-views.js';
import { packageDailyDownloads } from '../../services/stats.js';
import { downloadsChart } from '../chart.js';
import { categoryHref, copyLine, formatDate, formatNumber, keywordHref, packageLink, packageList, tagList } from '../components.js';
import { html, raw, safeUrl, type SafeHtml } from '../html.js';
import { layout, viewOf } from '../layout.js';

const CHART_DAYS = 90;

/** The requirement to write in Sounio.toml for a version: compatible updates, as Cargo's caret means them. */
export function caretRequirement(version: string): string {
  const parsed = parseVersion(version);
  if (parsed === null) return version;
  if (parsed.prerelease.length > 0) return `^${version.split('+')[0]}`;
  if (parsed.major > 0) return `^${parsed.major}.${parsed.minor}`;
  if (parsed.minor > 0) return `^0.${parsed.minor}`;
  return `^0.0.${parsed.patch}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function dependencyList(dependencies: DependencyView[]): SafeHtml {
  if (dependencies.length === 0) return html`<p class="muted">No dependencies.</p>`;
  const kinds: Array<[DependencyView['kind'], string]> = [
    ['normal', 'Dependencies'],
    ['dev', 'Development dependencies'],
    ['build', 'Build dependencies'],
  ];
  return html`${kinds.map(([kind, label]) => {
    const list = dependencies.filter((dependency) => dependency.kind === kind);
    if (list.length === 0) return null;
    return html`<h3>${label}</h3><ul class="compact-list">${list.map(
      (dependency) =>
        html`<li><span><a href="${packageLink(dependency.name)}">${dependency.name}</a> <code>${dependency.version_req}</code></span>${dependency.optional ? html`<span class="meta">optional</span>` : null}</li>`,
    )}</ul>`;
  })}`;
}

function versionList(name: string, versions: VersionView[], selected: string): SafeHtml {
  const shown = versions.slice(0, 100);
  return html`<ul class="compact-list">${shown.map(
    (version) =>
      html`<li><span>${version.version === selected ? html`<strong aria-current="page">${version.version}</strong>` : html`<a href="${packageLink(name, version.version)}">${version.version}</a>`}${
        version.yanked ? html` <span class="badge yanked">yanked</span>` : null
      }</span><span class="meta">${formatDate(version.published_at)}</span></li>`,
  )}</ul>${versions.length > shown.length ? html`<p class="meta">and ${versions.length - shown.length} older versions</p>` : null}`;
}

function link(label: string, url: string | undefined): SafeHtml | null {
  const safe = safeUrl(url);
  return safe === null ? null : html`<li><a href="${safe}" rel="nofollow noopener noreferrer">${label}</a></li>`;
}

export function packagePages(app: FastifyInstance, ctx: Context): void {
  const handler = async (name: string, requested: string | undefined, view: ReturnType<typeof viewOf>) => {
    const doc = await packageDocument(ctx.db, name);
    const versions = await listPackageVersions(ctx, doc.name);
    let selected: VersionView | undefined;
    if (requested !== undefined) {
      selected = versions.find((version) => version.version === requested);
      if (selected === undefined) throw notFound(`${doc.name} has no version ${requested}.`);
    } else {
      selected = versions.find((version) => version.version === doc.latest_version) ?? versions[0];
    }
    const [owners, readme, dependentList, days] = await Promise.all([
      packageOwners(ctx, null, doc.name),
      selected === undefined
        ? Promise.resolve(null)
        : versionReadme(ctx, doc.name, selected.version).catch((error: unknown) => {
            if (error instanceof AppError && error.status === 404) return null;
            throw error;
          }),
      dependents(ctx, doc.name, { page: 1, perPage: 10 }),
      packageDailyDownloads(ctx, doc.name, CHART_DAYS),
    ]);
    const chart = downloadsChart(days);
    const description = selected?.description ?? doc.description;
    const install = selected === undefined ? null : `${doc.name} = "${caretRequirement(selected.version)}"`;
    const license = selected?.license ?? doc.license;
    const body = html`<div class="package-head">
<h1>${doc.name}</h1>${selected === undefined ? null : html`<span class="version">${selected.version}</span>`}${selected?.yanked ? html` <span class="badge yanked">yanked</span>` : null}
</div>
${description === undefined ? null : html`<p class="lead">${description}</p>`}
${selected?.yanked ? html`<p class="warning" role="note">This version has been yanked${selected.yanked_reason === undefined ? '' : `: ${selected.yanked_reason}`}. New projects will not resolve to it.</p>` : null}
<div class="package-layout">
<div>
<section aria-labelledby="readme-heading">
<h2 id="readme-heading" class="visually-hidden">README</h2>
${selected === undefined
  ? html`<p class="muted">No version of ${doc.name} has been published yet.</p>`
  : readme === null
    ? html`<p class="muted">${doc.name} ${selected.version} has no README.</p>`
    : html`<article class="readme">${raw(readme.html)}</article>`}
</section>
<section aria-labelledby="downloads-heading">
<h2 id="downloads-heading">Downloads</h2>
<p>${formatNumber(doc.downloads)} in all${selected === undefined ? null : html`, ${formatNumber(selected.downloads)} of ${selected.version}`}.</p>
${chart ?? html`<p class="muted">No downloads in the last ${CHART_DAYS} days.</p>`}
</section>
${selected === undefined ? null : html`<section aria-labelledby="deps-heading"><h2 id="deps-heading">Dependencies of ${selected.version}</h2>${dependencyList(selected.dependencies)}</section>`}
<section aria-labelledby="dependents-heading">
<h2 id="dependents-heading">Dependents</h2>
${packageList(dependentList.packages, `No package depends on ${doc.name} yet.`)}
${dependentList.total > dependentList.packages.length ? html`<p class="meta">${formatNumber(dependentList.total)} packages depend on ${doc.name}; the most downloaded are shown.</p>` : null}
</section>
</div>
<aside aria-label="About ${doc.name}">
${install === null ? null : html`<section><h2>Install</h2><p class="hint">Add to the [dependencies] of your Sounio.toml:</p>${copyLine(install, 'Copy the dependency line')}</section>`}
<section><h2>Metadata</h2><dl>
${selected === undefined ? null : html`<dt>Published</dt><dd>${formatDate(selected.published_at)}${selected.published_by === undefined ? null : html` by <a href="/users/${encodeURIComponent(selected.published_by)}">${selected.published_by}</a>`}</dd>`}
${license === undefined ? null : html`<dt>License</dt><dd>${license}</dd>`}
${selected === undefined ? null : html`<dt>Size</dt><dd>${formatSize(selected.size)}</dd><dt>SHA-256</dt><dd><code class="checksum">${selected.checksum}</code></dd>`}
</dl></section>
${doc.homepage || doc.repository || doc.documentation
  ? html`<section><h2>Links</h2><ul>${link('Homepage', doc.homepage)}${link('Repository', doc.repository)}${link('Documentation', doc.documentation)}</ul></section>`
  : null}
<section><h2>Owners</h2><ul class="compact-list">${owners.users.map((owner) => html`<li><a href="/users/${encodeURIComponent(owner.username)}">${owner.username}</a></li>`)}</ul></section>
${doc.keywords.length === 0 ? null : html`<section><h2>Keywords</h2>${tagList('Keywords', doc.keywords, keywordHref)}</section>`}
${doc.categories.length === 0 ? null : html`<section><h2>Categories</h2>${tagList('Categories', doc.categories, categoryHref)}</section>`}
<section><h2>Versions (${versions.length})</h2>${versionList(doc.name, versions, selected?.version ?? '')}</section>
</aside>
</div>`;
    return { doc, selected, body };
  };

  app.get<{ Params: { name: string } }>('/packages/:name', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const { doc, body } = await handler(request.params.name, undefined, view);
    if (doc.name !== request.params.name) return reply.redirect(packageLink(doc.name), 301);
    reply.type('text/html; charset=utf-8');
    return layout(view, { title: doc.name, body, ...(doc.description !== undefined && { description: doc.description }) });
  });

  app.get<{ Params: { name: string; version: string } }>('/packages/:name/:version', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const { doc, selected, body } = await handler(request.params.name, request.params.version, view);
    if (doc.name !== request.params.name) return reply.redirect(packageLink(doc.name, request.params.version), 301);
    reply.type('text/html; charset=utf-8');
    return layout(view, { title: `${doc.name} ${selected?.version ?? ''}`, body, ...(doc.description !== undefined && { description: doc.description }) });
  });
}
