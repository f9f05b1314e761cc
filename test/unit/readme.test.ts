// The README's configuration table names every environment variable the configuration reads.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('every environment variable read by src/config.ts is documented in README.md', () => {
  const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const variables = new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g), ...source.matchAll(/env\['([A-Z][A-Z0-9_]+)'\]/g), ...source.matchAll(/limit\('([A-Z][A-Z0-9_]+)'/g)].map((match) => match[1]!));
  expect(variables.size).toBeGreaterThan(30);
  const missing = [...variables].filter((name) => !readme.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});
