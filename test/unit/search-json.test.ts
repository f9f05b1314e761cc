// The search answer's bytes (services/search.ts searchResultsJson): the index's stored Package JSON, or JSON made
// from SQL's rows.
import { describe, expect, it } from 'vitest';
import type { PackageSummaryRow } from '../../src/db/packages.js';
import { packageSummaryView } from '../../src/services/package-views.js';
import { searchResultsJson } from '../../src/services/search.js';

function row(name: string, extra: Partial<PackageSummaryRow> = {}): PackageSummaryRow {
  return {
    id: `id-${name}`,
    name,
    description: null,
    homepage: null,
    repository: null,
    documentation: null,
    license: null,
    keywords: ['k'],
    categories: [],
    owners: ['ada'],
    latest_version: '1.0.0',
    downloads: 7,
    created_at: new Date('2026-01-01T00:00:00.000Z'),
    updated_at: new Date('2026-01-02T00:00:00.000Z'),
    ...extra,
  };
}

describe('search answer JSON', () => {
  it('is the SearchResults object made from rows, packages in order, with quotes, backslashes and non-ASCII text escaped', () => {
    const rows = [row('alpha', { description: 'says "hi" \\ naïve \u2028 end', license: 'MIT' }), row('beta')];
    const text = searchResultsJson({ rows, total: 42 }, { page: 2, perPage: 2 });
    expect(JSON.parse(text)).toEqual({ packages: rows.map(packageSummaryView), total: 42, page: 2, per_page: 2, has_next: true });
    expect(JSON.parse(text).packages[0]).not.toHaveProperty('id');
    expect(JSON.parse(searchResultsJson({ rows: [], total: 0 }, { page: 1, perPage: 20 }))).toEqual({ packages: [], total: 0, page: 1, per_page: 20, has_next: false });
  });

  it("uses each package's JSON as the index keeps it when the answer comes with it", () => {
    const found = {
      total: 2,
      packagesJson: '{"name":"kept-alpha"},{"name":"kept-beta"}',
      // The index makes its rows only when they are read; the answer's bytes do not read them.
      get rows(): PackageSummaryRow[] {
        throw new Error('rows read');
      },
    };
    const text = searchResultsJson(found, { page: 1, perPage: 20 });
    expect(JSON.parse(text).packages).toEqual([{ name: 'kept-alpha' }, { name: 'kept-beta' }]);
    expect(JSON.parse(text).has_next).toBe(false);
  });
});
