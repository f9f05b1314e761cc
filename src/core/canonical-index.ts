// Names in resolution: `foo-bar` and `foo_bar` are one package (names.ts), but a dependency line keeps the spelling
// its author wrote. The solver compares names exactly, so it is given every name in canonical form, and its answer
// is turned back into the names as published (what the index lines' `name` says) for lock files and API answers.
import { canonicalName } from './names.js';
import type { IndexEntry, PackageProvider, Resolved } from './resolver.js';

export interface CanonicalProvider extends PackageProvider {
  versions(name: string): Promise<IndexEntry[]>;
  /** The published spelling of a canonical name read so far (the name itself when unknown). */
  display(name: string): string;
  /** A text of the solver's (an explanation) with every canonical name read so far spelled as published. */
  displayText(text: string): string;
}

/** `spellings`: names as a person wrote them (the root's dependencies), shown until the index says otherwise. */
export function canonicalProvider(inner: PackageProvider, spellings: readonly string[] = []): CanonicalProvider {
  const published = new Map<string, string>(spellings.map((name) => [canonicalName(name), name]));
  return {
    async versions(name: string): Promise<IndexEntry[]> {
      const entries = await inner.versions(name);
      return entries.map((entry) => {
        published.set(canonicalName(entry.name), entry.name);
        return { ...entry, name: canonicalName(entry.name), deps: entry.deps.map((d) => ({ ...d, name: canonicalName(d.name) })) };
      });
    },
    display: (name: string) => published.get(name) ?? name,
    displayText: (text: string) => {
      let shown = text;
      for (const [canonical, name] of published) {
        if (canonical === name) continue;
        // Whole names only: `a_b` inside `a_bc` or `x-a_b` is another name.
        shown = shown.replace(new RegExp(`(?<![A-Za-z0-9_-])${canonical}(?![A-Za-z0-9_-])`, 'g'), name);
      }
      return shown;
    },
  };
}

/** `name version` with the name as published. */
export function displayKey(key: string, display: (name: string) => string): string {
  const space = key.indexOf(' ');
  return `${display(key.slice(0, space))} ${key.slice(space + 1)}`;
}

/** A solution with every name as published, sorted by that name. */
export function displayResolved(packages: readonly Resolved[], display: (name: string) => string): Resolved[] {
  return packages
    .map((pkg) => ({ ...pkg, name: display(pkg.name), dependencies: pkg.dependencies.map((key) => displayKey(key, display)).sort() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
