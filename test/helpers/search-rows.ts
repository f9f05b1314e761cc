// Package rows as the search index reads them (db/search.ts IndexRow), for the index's unit tests.
import type { IndexRow } from '../../src/db/search.js';

/** A package row as the index reads it, with a document made of name parts (A), keywords (B) and description words (C). */
export function row(name: string, keywords: string[], words: string[], seq: number, recent = 0, available = true): IndexRow {
  const weights = new Map<string, string>();
  const add = (lexeme: string, weight: string) => {
    if (!weights.has(lexeme) || weights.get(lexeme)! > weight) weights.set(lexeme, weight);
  };
  for (const part of name.split('-')) add(part, 'A');
  for (const keyword of keywords) add(keyword, 'B');
  for (const word of words) add(word, 'C');
  const document = [...weights].sort(([a], [b]) => (a < b ? -1 : 1)).map(([lexeme, weight], i) => `'${lexeme}':${i + 1}${weight}`).join(' ');
  return {
    id: `00000000-0000-0000-0000-${String(seq).padStart(12, '0')}`,
    name,
    canonical_name: name.replace(/-/g, '_'),
    description: words.join(' '),
    homepage: null,
    repository: null,
    documentation: null,
    license: null,
    keywords,
    categories: [],
    owners: [],
    latest_version: '1.0.0',
    downloads: recent,
    recent_downloads: recent,
    created_at: new Date(seq * 1000),
    updated_at: new Date(seq * 1000),
    available,
    search_vector: document,
    search_seq: String(seq),
  };
}
