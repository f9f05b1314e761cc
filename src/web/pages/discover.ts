// Finding packages: the home page, search (with filters, sort and pages), categories, keywords and user profiles.
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../context.js';
import type { SearchOrder } from '../../db/search.js';
import { browsePackages, categories, categoryPage, keywordPackages, summary, type Ordering } from '../../services/discovery.js';
import { search } from '../../services/search.js';
import { userPackages, userProfile } from '../../services/users.js';
import { categoryHref, compactList, formatDate, formatNumber, keywordHref, packageList, pagination, tagList } from '../components.js';
import { html, safeUrl } from '../html.js';
import { layout, viewOf } from '../layout.js';
import { pageNumber, queryOf } from '../forms.js';

const PER_PAGE = 20;

const SORTS: Array<{ value: SearchOrder; label: string; ordering: Ordering }> = [
  { value: 'relevance', label: 'Relevance', ordering: { sort: 'downloads', order: 'desc' } },
  { value: 'downloads', label: 'Downloads', ordering: { sort: 'downloads', order: 'desc' } },
  { value: 'newest', label: 'Newest', ordering: { sort: 'created', order: 'desc' } },
  { value: 'name', label: 'Name', ordering: { sort: 'name', order: 'asc' } },
];

function sortOf(value: string | undefined, fallback: SearchOrder): (typeof SORTS)[number] {
  return SORTS.find((sort) => sort.value === value) ?? SORTS.find((sort) => sort.value === fallback)!;
}

function sortSelect(current: SearchOrder, withRelevance: boolean) {
  return html`<div><label for="sort">Sort by</label>
<select id="sort" name="sort">${SORTS.filter((sort) => withRelevance || sort.value !== 'relevance').map(
    (sort) => html`<option value="${sort.value}"${sort.value === current ? html` selected` : null}>${sort.label}</option>`,
  )}</select></div>`;
}

export function discoverPages(app: FastifyInstance, ctx: Context): void {
  app.get('/', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const data = await summary(ctx);
    const totals = data.stats;
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: 'Home',
      body: html`<section class="hero">
<h1>The Sounio package registry</h1>
<p class="muted">Find, read and publish packages for Sounio, the systems language for scientific computing.</p>
<form method="get" action="/search" role="search">
<label for="home-q" class="visually-hidden">Search packages</label>
<input id="home-q" type="search" name="q" placeholder="Search packages, e.g. linear algebra" maxlength="200">
<button type="submit">Search</button>
</form>
</section>
<ul class="stats" aria-label="Registry totals">
<li><strong>${formatNumber(totals.total_packages)}</strong> packages</li>
<li><strong>${formatNumber(totals.total_versions)}</strong> versions</li>
<li><strong>${formatNumber(totals.total_downloads)}</strong> downloads</li>
<li><strong>${formatNumber(totals.total_users)}</strong> users</li>
</ul>
<div class="columns">
<section aria-labelledby="new"><h2 id="new">New packages</h2>${compactList(data.new_packages, (pkg) => formatDate(pkg.created_at))}</section>
<section aria-labelledby="updated"><h2 id="updated">Just updated</h2>${compactList(data.just_updated, (pkg) => pkg.latest_version)}</section>
<section aria-labelledby="popular"><h2 id="popular">Most downloaded</h2>${compactList(data.most_downloaded, (pkg) => formatNumber(pkg.downloads))}</section>
</div>
<section aria-labelledby="cats"><h2 id="cats">Categories</h2>
${data.popular_categories.length === 0 ? html`<p class="muted">No categories yet.</p>` : tagList('Categories', data.popular_categories.map((category) => category.slug), categoryHref)}
<p><a href="/categories">All categories</a></p></section>
${data.popular_keywords.length === 0 ? null : html`<section aria-labelledby="kws"><h2 id="kws">Popular keywords</h2>${tagList('Keywords', data.popular_keywords.map((keyword) => keyword.keyword), keywordHref)}</section>`}`,
    });
  });

  app.get('/search', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const query = queryOf(request);
    const q = (query['q'] ?? '').slice(0, 200);
    const page = pageNumber(query['page']);
    const category = query['category'] ?? '';
    const keywordText = (query['keywords'] ?? '').slice(0, 200);
    const keywords = keywordText.split(/[\s,]+/).filter((keyword) => keyword !== '');
    const blank = q.trim() === '';
    const sort = sortOf(query['sort'], blank ? 'downloads' : 'relevance');
    const results = blank
      ? await browsePackages(ctx, sort.ordering, { page, perPage: PER_PAGE })
      : await search(ctx, { q, page, perPage: PER_PAGE, category, keywords, order: sort.value });
    const allCategories = await categories(ctx);
    const title = blank ? 'All packages' : `Search results for “${q}”`;
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: blank ? 'All packages' : `Search: ${q}`,
      query: q,
      body: html`<h1>${title}</h1>
<form class="filters" method="get" action="/search">
<div><label for="search-q">Search</label><input id="search-q" type="search" name="q" value="${q}" maxlength="200"></div>
${blank ? null : html`<div><label for="category">Category</label><select id="category" name="category"><option value="">Any</option>${allCategories.map(
        (item) => html`<option value="${item.slug}"${item.slug === category ? html` selected` : null}>${item.name}</option>`,
      )}</select></div>
<div><label for="keywords">Keywords</label><input id="keywords" type="text" name="keywords" value="${keywordText}" placeholder="e.g. json, parser"></div>`}
${sortSelect(sort.value, !blank)}
<button type="submit" class="secondary">Apply</button>
</form>
<p class="meta" role="status">${formatNumber(results.total)} package${results.total === 1 ? '' : 's'}</p>
${packageList(results.packages, blank ? 'No packages have been published yet.' : 'No package matches. Try fewer or other words.')}
${pagination('/search', { q, category, keywords: keywordText, sort: query['sort'] }, page, results.has_next, results.total, PER_PAGE)}`,
    });
  });

  app.get('/categories', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const list = await categories(ctx);
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: 'Categories',
      body: html`<h1>Categories</h1>
<table><thead><tr><th scope="col">Category</th><th scope="col">Description</th><th scope="col">Packages</th></tr></thead>
<tbody>${list.map((category) => html`<tr><td><a href="${categoryHref(category.slug)}">${category.name}</a></td><td>${category.description}</td><td>${formatNumber(category.package_count)}</td></tr>`)}</tbody></table>`,
    });
  });

  app.get<{ Params: { slug: string } }>('/categories/:slug', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const query = queryOf(request);
    const page = pageNumber(query['page']);
    const sort = sortOf(query['sort'], 'downloads');
    const result = await categoryPage(ctx, request.params.slug, sort.ordering, { page, perPage: PER_PAGE });
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: result.category.name,
      body: html`<h1>${result.category.name}</h1>
<p>${result.category.description}</p>
<form class="filters" method="get">${sortSelect(sort.value, false)}<button type="submit" class="secondary">Apply</button></form>
<p class="meta">${formatNumber(result.total)} package${result.total === 1 ? '' : 's'}</p>
${packageList(result.packages, 'No package is in this category yet.')}
${pagination(`/categories/${encodeURIComponent(result.category.slug)}`, { sort: query['sort'] }, page, result.has_next, result.total, PER_PAGE)}`,
    });
  });

  app.get<{ Params: { keyword: string } }>('/keywords/:keyword', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const query = queryOf(request);
    const page = pageNumber(query['page']);
    const sort = sortOf(query['sort'], 'downloads');
    const keyword = request.params.keyword.slice(0, 50);
    const result = await keywordPackages(ctx, keyword, sort.ordering, { page, perPage: PER_PAGE });
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: `Keyword ${keyword}`,
      body: html`<h1>Packages with the keyword <code>${keyword}</code></h1>
<form class="filters" method="get">${sortSelect(sort.value, false)}<button type="submit" class="secondary">Apply</button></form>
<p class="meta">${formatNumber(result.total)} package${result.total === 1 ? '' : 's'}</p>
${packageList(result.packages, 'No package has this keyword.')}
${pagination(keywordHref(keyword), { sort: query['sort'] }, page, result.has_next, result.total, PER_PAGE)}`,
    });
  });

  app.get<{ Params: { username: string } }>('/users/:username', async (request, reply) => {
    const view = viewOf(ctx, request, reply);
    const page = pageNumber(queryOf(request)['page']);
    const profile = await userProfile(ctx, request.params.username.slice(0, 39));
    const packages = await userPackages(ctx, profile.username, page, PER_PAGE);
    const website = safeUrl(profile.website);
    reply.type('text/html; charset=utf-8');
    return layout(view, {
      title: profile.username,
      body: html`<h1>${profile.username}</h1>
${profile.bio === undefined ? null : html`<p>${profile.bio}</p>`}
<p class="meta">${profile.location === undefined ? null : html`${profile.location} · `}${website === null ? null : html`<a href="${website}" rel="nofollow noopener noreferrer">${website}</a> · `}member since ${formatDate(profile.created_at)}</p>
<h2>Packages (${formatNumber(profile.package_count)})</h2>
${packageList(packages.packages, `${profile.username} owns no packages yet.`)}
${pagination(`/users/${encodeURIComponent(profile.username)}`, {}, page, packages.has_next, packages.total, PER_PAGE)}`,
    });
  });
}
