// The search answer's bytes (services/search.ts searchResultsJson): each package's JSON made once per view.
import { describe, expect, it } from 'vitest';
import { packageViewJson, type PackageView } from '../../src/services/package-views.js';
import { searchResultsJson } from '../../src/services/search.js';

function view(name: string, extra: Partial<PackageView> = {}): PackageView {
  return {
    name,
    keywords: ['k'],
    categories: [],
    latest_version: '1.0.0',
    owners: ['ada'],
    downloads: 7,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-02T00:00:00.000Z',
    ...extra,
  };
}

describe('search answer JSON', () => {
  it('is the SearchResults object, packages in order, with quotes, backslashes and non-ASCII text escaped as JSON', () => {
    const results = {
      packages: [view('alpha', { description: 'says "hi" \\ naïve \u2028 end', license: 'MIT' }), view('beta')],
      total: 42,
      page: 2,
      per_page: 2,
      has_next: true,
    };
    expect(JSON.parse(searchResultsJson(results))).toEqual(results);
    const empty = { packages: [], total: 0, page: 1, per_page: 20, has_next: false };
    expect(JSON.parse(searchResultsJson(empty))).toEqual(empty);
  });

  it("makes a package's JSON once per view, kept where copies and JSON.stringify of the view do not see it", () => {
    const shared = view('gamma');
    const first = packageViewJson(shared);
    // Views handed out are never changed; a change here shows that the second call did not serialise again.
    shared.downloads = 8;
    expect(packageViewJson(shared)).toBe(first);
    expect(JSON.parse(first).downloads).toBe(7);
    expect(Object.keys(shared)).toEqual(Object.keys(view('gamma')));
    expect(JSON.parse(JSON.stringify(shared)).downloads).toBe(8);
    expect({ ...shared }).toEqual({ ...view('gamma'), downloads: 8 });
  });
});
