// Discovery: listing, search, categories, keywords, dependents, statistics and the home-page summary
// (tags packages, search, stats). All public; search has its own rate-limit bucket.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { browsePackages, categories, categoryPage, dependents, keywords, PACKAGE_SORTS, SORT_ORDERS, summary, versionReadme } from '../../services/discovery.js';
import { MAX_QUERY_LENGTH, MAX_SEARCH_RESULTS, searchSerialized } from '../../services/search.js';
import { packageStats, registryStats, STATS_PERIODS } from '../../services/stats.js';
import { errorResponses, Pagination, StringEnum } from '../schemas.js';

const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

const Ordering = {
  sort: Type.Optional(StringEnum(PACKAGE_SORTS, { default: 'downloads', description: 'Ties are broken by name.' })),
  order: Type.Optional(StringEnum(SORT_ORDERS, { default: 'desc' })),
};

// The sanitised README is shown inside our pages; opened on its own, it may run nothing and load nothing but images.
const README_HEADERS = {
  'content-security-policy': "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; sandbox",
  'x-content-type-options': 'nosniff',
};

export function discoveryRoutes(api: FastifyInstance, ctx: Context): void {
  const app = api.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/packages',
    {
      schema: {
        summary: 'List all packages',
        description: 'Returns a paginated list of all packages in the registry, most downloaded first unless told otherwise; ties are broken by name.',
        tags: ['packages'],
        querystring: Type.Object({ ...Pagination, ...Ordering }),
        response: { 200: Type.Ref('PackageList'), ...errorResponses(400, 429) },
      },
    },
    async (request) => {
      const { page = 1, per_page = 20, sort = 'downloads', order = 'desc' } = request.query;
      return browsePackages(ctx, { sort, order }, { page, perPage: per_page });
    },
  );

  app.get(
    '/search',
    {
      config: { rateLimit: 'search' },
      schema: {
        summary: 'Search packages',
        description:
          'Search for packages by name, description, keywords, or author (the authors of the latest version and the owners). ' +
          'Every word must match (name > keywords > description > people); names also match by prefix and with typos. ' +
          'An exact name comes first, then relevance, then recent downloads, then name. Packages whose every version is yanked ' +
          `(or that have none) are left out. Only the best candidates are ranked, so total is at most ${MAX_SEARCH_RESULTS}.`,
        tags: ['search'],
        querystring: Type.Object({
          q: Type.String({ maxLength: MAX_QUERY_LENGTH, description: 'Search query (not blank)' }),
          ...Pagination,
          category: Type.Optional(Type.String({ maxLength: 64, description: 'Filter by category (slug)' })),
          keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10, description: 'Filter by keywords: repeat the parameter; every one must match.' })),
        }),
        response: { 200: Type.Ref('SearchResults'), ...errorResponses(400, 429) },
      },
    },
    async (request, reply) => {
      const { q, page = 1, per_page = 20, category, keywords: wanted } = request.query;
      // Serialised once per query and cached as bytes, each package's part once per package (services/search.ts).
      const body = await searchSerialized(ctx, { q, page, perPage: per_page, category, keywords: wanted });
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.get(
    '/stats',
    {
      schema: {
        summary: 'Get registry statistics',
        description:
          'Returns overall registry statistics. packages_last_day counts packages created in the last 24 hours; downloads_last_day ' +
          'the downloads of the current UTC day (downloads are kept per day, and reach these numbers within seconds).',
        tags: ['stats'],
        response: { 200: Type.Ref('RegistryStats'), ...errorResponses(429) },
      },
    },
    async () => registryStats(ctx),
  );

  app.get(
    '/packages/:name/stats',
    {
      schema: {
        summary: 'Get package download statistics',
        description:
          'Returns download statistics for a package within the period, which ends today (UTC): day, week (7 days), month (30), year (365) ' +
          'or all (since the package was created). downloads_over_time has one entry per day, oldest first, 0 included; ' +
          'downloads_by_version has every version; total_downloads is their sum.',
        tags: ['stats'],
        params: NameParams,
        querystring: Type.Object({ period: Type.Optional(StringEnum(STATS_PERIODS, { default: 'month' })) }),
        response: { 200: Type.Ref('PackageStats'), ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => packageStats(ctx, request.params.name, request.query.period ?? 'month'),
  );

  app.get(
    '/packages/:name/dependents',
    {
      schema: {
        summary: 'List dependent packages',
        description: 'Extension: the packages whose latest version depends on this package (any kind of dependency), most downloaded first.',
        tags: ['packages'],
        params: NameParams,
        querystring: Type.Object(Pagination),
        response: { 200: Type.Ref('PackageList'), ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => dependents(ctx, request.params.name, { page: request.query.page ?? 1, perPage: request.query.per_page ?? 20 }),
  );

  app.get(
    '/packages/:name/versions/:version/readme',
    {
      schema: {
        summary: 'Get the rendered README of a version',
        description: 'Extension: the README as sanitised HTML, rendered once at publish time. `latest` names the version latest_version names.',
        tags: ['versions'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), version: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: { description: 'The README as HTML', content: { 'text/html': { schema: Type.String() } } },
          ...errorResponses(404, 429),
        },
      },
    },
    async (request, reply) => {
      const readme = await versionReadme(ctx, request.params.name, request.params.version);
      // A version's README never changes; `latest` may point elsewhere after the next publish.
      const maxAge = request.params.version === 'latest' ? 60 : 3600;
      return reply
        .headers(README_HEADERS)
        .header('cache-control', `public, max-age=${maxAge}`)
        .type('text/html; charset=utf-8')
        .send(readme.html);
    },
  );

  app.get(
    '/categories',
    {
      schema: {
        summary: 'List categories',
        description: 'Extension: every category, by slug, with the number of packages in it.',
        tags: ['search'],
        response: { 200: Type.Ref('CategoryList'), ...errorResponses(429) },
      },
    },
    async () => ({ categories: await categories(ctx) }),
  );

  app.get(
    '/categories/:slug',
    {
      schema: {
        summary: 'Get a category and its packages',
        description: 'Extension: the category and a page of its packages (most downloaded first unless told otherwise; ties by name).',
        tags: ['search'],
        params: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({ ...Pagination, ...Ordering }),
        response: { 200: Type.Ref('CategoryPage'), ...errorResponses(400, 404, 429) },
      },
    },
    async (request) => {
      const { page = 1, per_page = 20, sort = 'downloads', order = 'desc' } = request.query;
      return categoryPage(ctx, request.params.slug, { sort, order }, { page, perPage: per_page });
    },
  );

  app.get(
    '/keywords',
    {
      schema: {
        summary: 'List keywords',
        description: 'Extension: keywords in use with their package counts, most used first (ties by keyword); only those starting with `prefix` when given.',
        tags: ['search'],
        querystring: Type.Object({
          prefix: Type.Optional(Type.String({ maxLength: 64 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        }),
        response: { 200: Type.Ref('KeywordList'), ...errorResponses(400, 429) },
      },
    },
    async (request) => ({ keywords: await keywords(ctx, request.query.prefix ?? '', request.query.limit ?? 20) }),
  );

  app.get(
    '/summary',
    {
      schema: {
        summary: 'Get the home page summary',
        description:
          'Extension: what a home page shows: the registry totals, the newest, just updated, most downloaded and most recently downloaded ' +
          'packages (10 each, among packages with a version that is not yanked), popular keywords and categories.',
        tags: ['stats'],
        response: { 200: Type.Ref('RegistrySummary'), ...errorResponses(429) },
      },
    },
    async () => summary(ctx),
  );
}
