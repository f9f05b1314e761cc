// The per-process search index: every available package, its search document and its summary, in memory, so that a
// search costs no query (search-index-sync.ts builds it from the database and keeps it current).
//
// Terms are the lexemes of the package's search document exactly as PostgreSQL wrote them (packages.search_vector:
// the name and its parts at weight A, keywords B, description C, people D; English stems where the document is
// English), plus the name with its separators taken out (`serde_json` → `serdejson`). Lexemes with a '-' are left
// out: a query word never has one, and their parts are lexemes of their own. Each term has a posting list of
// (slot << 2 | weight) numbers.
//
// A query matches as the SQL search does (db/search.ts, package_search_query): every word must match, as one of its
// English stems or as written; English stop words are dropped unless the query has nothing else; the last word of 3
// or more letters also matches as a prefix of a term. Beyond SQL: a word that matches no term (as written, stemmed,
// or by prefix) is corrected to the closest terms within allowedEdits of it (optimal string alignment: a
// transposition is one edit), so `jsn` finds what `json` finds. Names also match exactly, by prefix (the canonical name starts with the
// query read as a name) and, for ranking, by closeness.
//
// Ranking: the exact name first; then a score, the sum over the words of the best match (weight A 1, B 0.4, C 0.2,
// D 0.1, as ts_rank weighs them) times its quality (1 as written or stemmed, 0.5 to 1 for a prefix, by how much of
// the term it covers, below 0.7 for a correction, less the more edits), plus 0.3 to 0.6 for a name prefix (as SQL),
// plus up to 0.5 for a name within the allowed edits of the query; then recent downloads, then name.
//
// Work is bounded: prefix expansion and corrections take at most a fixed number of terms, name prefixes a fixed
// number of names, and at most MAX_RESULTS matches (the most relevant) are ordered and paged.
import type { PackageSummaryRow } from '../db/packages.js';
import type { IndexRow, SearchOrder, WordLexemes } from '../db/search.js';
import { packageSummaryView } from './package-views.js';

/** ts_rank's default weights, by weight code: D 0, C 1, B 2, A 3. */
const WEIGHTS = [0.1, 0.2, 0.4, 1.0] as const;
const MAX_PREFIX_TERMS = 2_000;
const MAX_CORRECTIONS = 40;
const MAX_NAME_PREFIXES = 2_000;
/** A term with a posting per this many slots or more is intersected as a bitset (Term.dense). */
const DENSE_SLOTS = 64;
/** Terms with this many postings are read from a packed copy (Term.packed). */
const PACKED_POSTINGS = 64;
/** A list this many times longer than the other is galloped into, not read through. */
const GALLOP_RATIO = 256;
/** A first word of at most this many terms is intersected with the second without listing its slots (firstTwoWords). */
const PAIRED_TERMS = 4;
/** A one-word query of more terms than this (a prefix of many joined names) visits its buckets (searchOneWordVisiting). */
const MAX_RANKED_TERMS = 16;
/** An empty list of slots, shared. */
const NO_SLOTS = new Int32Array(0);
/** How many of a bucket Term.byRecent keeps in ranking order (at least the most a page reaches, MAX_SEARCH_RESULTS). */
const RANKED_PREFIX = 1_024;
/**
 * Words whose expansions (expandWord: the word's terms, prefixes or corrections) are kept, and the terms they may
 * hold in all: the kept expansions are dropped when either is reached.
 */
const MAX_CACHED_WORDS = 20_000;
const MAX_CACHED_TERMS = 200_000;
/** A general-path candidate's flags: a word matched its name (weight A); its name starts with the query's. */
const NAMED = 1;
const PREFIX = 2;

/** How many edits a word (or a name) this long may be from a term and still count as a typo of it (services/search.ts). */
export function allowedEdits(length: number): number {
  if (length < 3) return 0;
  if (length < 5) return 1;
  if (length < 8) return 2;
  return 3;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), or max + 1 when above max. */
let rows = [new Int32Array(72), new Int32Array(72), new Int32Array(72)];

export function editDistance(a: string, b: string, max: number): number {
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  if (la === 0 || lb === 0) return Math.max(la, lb);
  if (rows[0]!.length <= lb) rows = [new Int32Array(lb + 1), new Int32Array(lb + 1), new Int32Array(lb + 1)];
  let prevPrev = rows[0]!;
  let prev = rows[1]!;
  let cur = rows[2]!;
  for (let j = 0; j <= lb; j++) prev[j] = j;
  // Only the band |i - j| <= max is computed (a cell further off the diagonal is more than max): names compared with
  // a query of ten letters are about as long, and the band is 7 of their 10 to 13 columns. The cell just outside the
  // band on either side is set to max + 1 for the next row to read.
  for (let i = 1; i <= la; i++) {
    const lo = Math.max(1, i - max);
    const hi = Math.min(lb, i + max);
    cur[lo - 1] = lo === 1 ? i : max + 1;
    let rowMin = lo === 1 ? i : max + 1;
    const ca = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === cb ? 0 : 1));
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) d = Math.min(d, prevPrev[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (hi < lb) cur[hi + 1] = max + 1;
    if (rowMin > max) return max + 1;
    const spare = prevPrev;
    prevPrev = prev;
    prev = cur;
    cur = spare;
  }
  return prev[lb]! > max ? max + 1 : prev[lb]!;
}

/** Which letters and digits a word has, as bits (digits share bits 26 to 31): edits ≥ half the differing bits. */
function letterMask(word: string): number {
  let mask = 0;
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 97 && c <= 122) mask |= 1 << (c - 97);
    else if (c >= 48 && c <= 57) mask |= 1 << (26 + ((c - 48) % 6));
  }
  return mask;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Calls `each` with every lexeme of a tsvector's text form (`'json':1A,3B 'x':2`, each lexeme once) and its best weight. */
export function forEachLexeme(text: string, each: (lexeme: string, weight: number) => void): void {
  const n = text.length;
  let i = text.indexOf("'");
  while (i >= 0 && i < n) {
    let end = text.indexOf("'", i + 1);
    if (end < 0) break;
    let lexeme = text.slice(i + 1, end);
    if (text.charCodeAt(end + 1) === 39 || lexeme.includes('\\')) {
      // Quotes doubled, backslashes escaping: read it a character at a time.
      lexeme = '';
      let at = i + 1;
      for (; at < n; at++) {
        const c = text[at]!;
        if (c === "'") {
          if (text[at + 1] === "'") {
            lexeme += "'";
            at++;
            continue;
          }
          break;
        }
        if (c === '\\') {
          lexeme += text[at + 1] ?? '';
          at++;
          continue;
        }
        lexeme += c;
      }
      end = at;
    }
    // Positions (`:1A,2,3B`): each has a weight letter, or none for D. No positions: D.
    let weight = 0;
    let next = text.indexOf(' ', end + 1);
    if (next < 0) next = n;
    if (text.charCodeAt(end + 1) === 58) {
      const positions = text.slice(end + 2, next);
      weight = positions.includes('A') ? 3 : positions.includes('B') ? 2 : positions.includes('C') ? 1 : 0;
    }
    each(lexeme, weight);
    i = text.indexOf("'", next);
  }
}

/** A term's number, its text and its postings. */
interface Term {
  text: string;
  postings: number[];
  /** For a name with its separators taken out: the length of its first part (a shorter prefix is found by that part). */
  joinedFirst: number;
  /**
   * Its postings' slots by weight code (D 0 … A 3), made when a one-word search first needs them (and kept for a
   * term of PACKED_POSTINGS or more); dropped by a change.
   */
  byWeight?: Int32Array[] | undefined;
  /**
   * Its postings as an Int32Array (half the bytes of the array's), made when the general path first reads a term of
   * PACKED_POSTINGS or more postings; dropped by a change. A cold query's cost is mostly its postings' first reads.
   */
  packed?: Int32Array | undefined;
  /**
   * Its slots as a bitset, for a term with a posting per DENSE_SLOTS slots or more, made when a query of two words
   * or more first reads it; dropped by a change. Three numbers per word of 32 slots: which slots have the term, then
   * the high and the low bit of each one's weight code. A slot's weight is thus read from the same cache line as
   * whether it has the term (a lookup of its posting cost two more cache misses: at 100,000 packages, reads of
   * scattered slots are most of what a query costs).
   */
  dense?: Int32Array | undefined;
  /**
   * Its postings' slots by weight code as byWeight, each list in ranking order among equals (recent downloads, most
   * first, then name), made when a one-word search first needs them: the best of a bucket of equal scores are its
   * first. Kept as byWeight is; dropped by a change of postings; re-sorted (from the order it had: nearly sorted, so
   * quickly) once `reorder` says a package of the term has changed its recent downloads or its name.
   */
  byRecent?: Int32Array[] | undefined;
  reorder?: boolean;
}

/** Drops what a term keeps made from its postings (byWeight, byRecent, packed, dense): they changed. */
function dropCopies(term: Term): void {
  term.byWeight = undefined;
  term.byRecent = undefined;
  term.packed = undefined;
  term.dense = undefined;
}

/** A word's expansions as expand() found them, for the lexemes it had then. */
interface Expansion {
  english: string[];
  simple: string[];
  terms: Array<[Term, number]>;
  corrected: boolean;
}

interface Stored {
  id: string;
  name: string;
  canonical: string;
  description: string | null;
  homepage: string | null;
  repository: string | null;
  documentation: string | null;
  license: string | null;
  keywords: string[];
  categories: string[];
  owners: string[];
  latestVersion: string;
  /** Its numbers (upsert stores a new document when they change): a page reads them here, beside its JSON. */
  downloads: number;
  created: number;
  updated: number;
  /**
   * Its Package JSON (the contract's search result), made when the document is stored: upsert stores a new document
   * for any change, numbers included. Made then rather than on first use, because views made and kept while serving
   * outlive the young generation: at 100,000 packages a cold query mix promoted megabytes a second, and the
   * mark-compacts that followed stalled every request in flight for 100-200 ms (the cold search p99).
   */
  json: string;
}

export interface IndexQuery {
  /** The query's words, lower case, letters and digits only (ASCII). */
  words: string[];
  /** Their lexemes (wordLexemes); a word missing here is taken as written. */
  lexemes: Map<string, WordLexemes>;
  /** The query as a canonical package name; '' when it cannot be one. */
  name: string;
  maxEdits: number;
  keywords: string[];
  category: string | null;
  order: SearchOrder;
  limit: number;
  offset: number;
}

export interface IndexPage {
  rows: PackageSummaryRow[];
  total: number;
  /** Each row's Package JSON. */
  json: string[];
  /** Each row's package id. */
  readonly ids: string[];
}

function sameWords(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function lowerBound(sorted: string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` where it sorts; its position, or -1 when it was there already. */
function insertSorted(sorted: string[], key: string): number {
  const at = lowerBound(sorted, key);
  if (sorted[at] === key) return -1;
  sorted.splice(at, 0, key);
  return at;
}

/** Removes `key`; where it was, or -1 when it was not there. */
function removeSorted(sorted: string[], key: string): number {
  const at = lowerBound(sorted, key);
  if (sorted[at] !== key) return -1;
  sorted.splice(at, 1);
  return at;
}

/**
 * A number that orders as the text's first 8 characters do in C order, for texts of [0-9_a-z] (canonical names and
 * names with their separators taken out); -1 for any other text. Bisection over these (SortedKeys) reads one array of
 * numbers instead of a string per step: at 100,000 names each step's string was a cache miss or two.
 */
function sortKey(text: string): number {
  let key = 0;
  for (let i = 0; i < 8; i++) {
    let code = 0; // past the end: before any character
    if (i < text.length) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) code = 1 + c - 48;
      else if (c === 95) code = 11;
      else if (c >= 97 && c <= 122) code = 12 + c - 97;
      else return -1;
    }
    key = key * 38 + code;
  }
  return key;
}

/**
 * The sort keys of a sorted list of texts, position for position, kept as the list changes. Unusable (and unused)
 * once a text outside sortKey's characters is met, which canonical names never have.
 */
class SortedKeys {
  private keys: number[] = [];
  private usable = true;

  rebuild(texts: Iterable<string>): void {
    this.keys = [];
    this.usable = true;
    for (const text of texts) this.push(text);
  }

  private push(text: string): void {
    const key = sortKey(text);
    if (key < 0) this.usable = false;
    this.keys.push(key);
  }

  insert(at: number, text: string): void {
    const key = sortKey(text);
    if (key < 0) this.usable = false;
    this.keys.splice(at, 0, key);
  }

  remove(at: number): void {
    this.keys.splice(at, 1);
  }

  /** The first position whose text is not below `text`, given the list (textAt) or null when the keys cannot tell. */
  lowerBound(text: string, textAt: (at: number) => string): number | null {
    const key = sortKey(text);
    if (!this.usable || key < 0) return null;
    const { keys } = this;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    if (keys[lo] !== key) return lo;
    // The texts with the same key share their first 8 characters (`matrix_v…`: tens of names): the rest orders them.
    let end = lo;
    hi = keys.length;
    while (end < hi) {
      const mid = (end + hi) >>> 1;
      if (keys[mid]! <= key) end = mid + 1;
      else hi = mid;
    }
    while (lo < end) {
      const mid = (lo + end) >>> 1;
      if (textAt(mid) < text) lo = mid + 1;
      else end = mid;
    }
    return lo;
  }
}

/** A 32-bit FNV-1a hash: tells whether a package's terms changed (a download count changes nothing but numbers). */
function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const intern = new Map<string, string>();
function interned(text: string): string {
  const known = intern.get(text);
  if (known !== undefined) return known;
  if (intern.size < 200_000) intern.set(text, text);
  return text;
}

export class SearchIndex {
  /** Largest number of matches ranked and paged (services/search.ts MAX_SEARCH_RESULTS). */
  constructor(private readonly maxResults: number) {}

  // Slots: a package has one until its terms change (it then gets a new one); dead slots are reclaimed by compact().
  private capacity = 0;
  private used = 0;
  private dead = 0;
  private stored: Array<Stored | undefined> = [];
  /** One bit a slot: whether it holds a package (a dead slot's postings stay until compact()). */
  private aliveBits = new Int32Array(0);
  private seqs = new Float64Array(0);
  private hashes = new Uint32Array(0);
  private nameLengths = new Uint8Array(0);
  /** Each slot's canonical name's letterMask: most names too far from the query are told apart without an edit distance. */
  private nameMasks = new Int32Array(0);
  private readonly slotOf = new Map<string, number>();
  /** Canonical names of the indexed packages, in C order once sorted (a bulk load appends, then sorts once). */
  private names: string[] = [];
  private readonly nameKeys = new SortedKeys();
  private namesSorted = true;
  /**
   * The slot of each of `names`, at the same positions (valid while nameSlotsValid): a name prefix scan reads slots
   * from here, not from slotOf (a lookup in a map of every package, a cache miss each: 30% of a one-word query at 100k).
   */
  private nameSlots: number[] = [];
  private nameSlotsValid = true;

  /**
   * Expansions of the words queried since the terms last changed, by the word (with a mark for a last word, which
   * is also read as a prefix). A cold query's words mostly have been asked before, in other company: finding a
   * typo's corrections or a prefix's terms cost a quarter of a query at 100,000 packages (bench/RESULTS.md). Emptied
   * by any change of terms or postings (upsert of a new document, compact), when a word's expansion may change.
   */
  private readonly expansions = new Map<string, Expansion>();
  private cachedTerms = 0;

  private readonly termIds = new Map<string, number>();
  private readonly terms: Term[] = [];
  /** Term numbers in the C order of their texts once sorted, for prefixes. */
  private sortedTerms: number[] = [];
  /** The same for names with their separators taken out, and the first parts of those names. */
  private sortedJoined: number[] = [];
  private readonly joinedKeys = new SortedKeys();
  private readonly firstParts = new Set<string>();
  private termsSorted = true;
  /** Term numbers by length (plain lexemes only), and each term's letter mask, for corrections. */
  private readonly byLength: number[][] = [];
  /**
   * Names with their separators taken out, by their first part and by the rest (`serdejson`: `serde`, `json`). A
   * correction to one of these is looked for only among those whose first part or whose rest the word has as written:
   * a typo in either half is found (`serdejsn`, `sedrejson`), one spanning both is not; scanning every joined name (one
   * per package with a separator in its name) would cost a pass over most of the registry for each word corrected.
   * Each list is kept in order of length (a bulk load sorts them once, at its end), so that only the names whose
   * length allows the edits are read: at 100,000 packages a common rest (`x`, `rs`) lists thousands of names.
   */
  private readonly joinedByFirst = new Map<string, number[]>();
  private readonly joinedByRest = new Map<string, number[]>();
  private joinedListsSorted = true;
  private masks = new Int32Array(0);
  /** Each term's length (at most 255), beside its mask: most candidates for a correction are told apart without reading the term. */
  private termLengths = new Uint8Array(0);

  // Scratch for one query at a time (searches are synchronous once their lexemes are known).
  /** Per slot, a one-word query's score (scratch). */
  private scores = new Float64Array(0);
  /**
   * Per slot, the package's recent downloads (at most 2^32 - 1: ranking past four billion downloads in 90 days is by
   * name): 400 KB at 100,000 packages, where each candidate of a query reads its own, so they mostly stay in a core's
   * cache (beside each score, as they were, they took a cache miss per candidate).
   */
  private recent = new Uint32Array(0);
  /** The one-word path's closeness of each slot it scored. */
  private near = new Float64Array(0);
  /**
   * The general path's matches so far, in slot order, with their scores, the current word's best value and whether a
   * name matched (for closeness): a word's terms are intersected with these (postings are in slot order too), so a
   * query touches per-slot arrays only for its matches, not for every posting of its words (see narrow()).
   */
  private found = new Int32Array(1024);
  private foundScore = new Float64Array(1024);
  private foundWord = new Float64Array(1024);
  private foundName = new Uint8Array(1024);
  /** The general path's candidates: slot, score and flags (NAMED, PREFIX), in arrays of their own. */
  private candSlots = new Int32Array(1024);
  private candScore = new Float64Array(1024);
  private candFlags = new Uint8Array(1024);
  /** mostRelevant's candidates' scores and recent downloads (NaN until read). */
  private rankScore = new Float64Array(1024);
  private rankRecent = new Float64Array(1024);
  /** One bit a slot: the union of a first word's terms. Left all zero between queries. */
  private bits = new Int32Array(0);
  private visitedBits = new Int32Array(0);
  private takenBits = new Int32Array(0);
  private nearBits = new Int32Array(0);

  get size(): number {
    return this.slotOf.size;
  }

  /** The change number the index has for a package, or undefined when it does not have the package. */
  seqOf(canonical: string): number | undefined {
    const slot = this.slotOf.get(canonical);
    return slot === undefined ? undefined : this.seqs[slot];
  }

  has(canonical: string): boolean {
    return this.slotOf.has(canonical);
  }

  canonicalNames(): IterableIterator<string> {
    return this.slotOf.keys();
  }

  /** The indexed packages' descriptions and keywords. */
  *documents(): Generator<{ description: string | null; keywords: string[] }> {
    for (let slot = 0; slot < this.used; slot++) {
      const doc = this.stored[slot];
      if (doc !== undefined) yield doc;
    }
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    const capacity = Math.max(1024, this.capacity * 2, min);
    const grown = <T extends Uint8Array | Float64Array | Uint32Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    const aliveBits = new Int32Array((capacity >>> 5) + 1);
    aliveBits.set(this.aliveBits);
    this.aliveBits = aliveBits;
    this.scores = new Float64Array(capacity);
    this.recent = grown(this.recent, (n) => new Uint32Array(n));
    this.seqs = grown(this.seqs, (n) => new Float64Array(n));
    this.hashes = grown(this.hashes, (n) => new Uint32Array(n));
    this.nameLengths = grown(this.nameLengths, (n) => new Uint8Array(n));
    this.nameMasks = grown(this.nameMasks, (n) => new Int32Array(n));
    this.near = new Float64Array(capacity);
    this.bits = new Int32Array((capacity >>> 5) + 1);
    this.visitedBits = new Int32Array((capacity >>> 5) + 1);
    this.takenBits = new Int32Array((capacity >>> 5) + 1);
    this.nearBits = new Int32Array((capacity >>> 5) + 1);
    this.capacity = capacity;
  }

  private termId(text: string, joinedFirst: number): number {
    const known = this.termIds.get(text);
    if (known !== undefined) {
      const term = this.terms[known]!;
      // A plain lexeme wins over a joined name of the same text (it is found by prefix on its own).
      if (joinedFirst === 0 && term.joinedFirst > 0) {
        term.joinedFirst = 0;
        this.addSorted(this.sortedTerms, known);
        (this.byLength[text.length] ??= []).push(known);
      }
      return known;
    }
    const id = this.terms.length;
    this.terms.push({ text, postings: [], joinedFirst });
    this.termIds.set(text, id);
    if (joinedFirst > 0) this.firstParts.add(text.slice(0, joinedFirst));
    this.addSorted(joinedFirst > 0 ? this.sortedJoined : this.sortedTerms, id);
    if (this.masks.length <= id) {
      const masks = new Int32Array(Math.max(1024, this.masks.length * 2));
      masks.set(this.masks);
      this.masks = masks;
      const lengths = new Uint8Array(masks.length);
      lengths.set(this.termLengths);
      this.termLengths = lengths;
    }
    this.masks[id] = letterMask(text);
    this.termLengths[id] = Math.min(255, text.length);
    if (joinedFirst > 0) {
      const first = text.slice(0, joinedFirst);
      const rest = text.slice(joinedFirst);
      this.addByLength(this.joinedByFirst, first, id);
      this.addByLength(this.joinedByRest, rest, id);
    } else (this.byLength[text.length] ??= []).push(id);
    return id;
  }

  /** Adds a joined name to a list of joinedByFirst or joinedByRest, in order of length (after those as long). */
  private addByLength(lists: Map<string, number[]>, key: string, id: number): void {
    const list = lists.get(key);
    if (list === undefined) lists.set(key, [id]);
    else if (this.bulk) {
      list.push(id);
      this.joinedListsSorted = false;
    } else list.splice(this.firstLongerThan(list, this.termLengths[id]!), 0, id);
  }

  /** The position in a list kept in order of length of the first term longer than `length`. */
  private firstLongerThan(list: number[], length: number): number {
    const { termLengths } = this;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (termLengths[list[mid]!]! <= length) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Adds or replaces a package (removes it when it is not available). */
  upsert(row: IndexRow): void {
    const canonical = row.canonical_name;
    if (!row.available) {
      this.remove(canonical);
      return;
    }
    const document = row.search_vector ?? '';
    const hash = hashText(`${canonical}\u0000${document}`);
    let slot = this.slotOf.get(canonical);
    const keepTerms = slot !== undefined && this.hashes[slot] === hash;
    if (keepTerms && (this.recent[slot!] !== recentOf(row) || this.stored[slot!]?.name !== row.name)) {
      // Its terms' buckets in ranking order (Term.byRecent) may no longer be.
      const mark = (text: string): void => {
        const id = this.termIds.get(text);
        if (id !== undefined) this.terms[id]!.reorder = true;
      };
      forEachLexeme(document, mark);
      if (canonical.includes('_')) mark(canonical.replace(/_/g, ''));
    }
    if (!keepTerms) {
      if (this.expansions.size > 0) this.forgetExpansions();
      let insertedAt = -1;
      const known = slot !== undefined;
      if (known) this.kill(slot!);
      else if (this.bulk) {
        this.names.push(canonical);
        this.namesSorted = false;
        this.nameSlotsValid = false;
      } else {
        this.sortIfNeeded();
        insertedAt = insertSorted(this.names, canonical);
        if (insertedAt >= 0) this.nameKeys.insert(insertedAt, canonical);
      }
      this.grow(this.used + 1);
      slot = this.used++;
      this.slotOf.set(canonical, slot);
      if (this.nameSlotsValid) {
        if (insertedAt >= 0) this.nameSlots.splice(insertedAt, 0, slot);
        else if (known) this.nameSlots[this.nameLowerBound(canonical)] = slot;
      }
      this.aliveBits[slot >>> 5]! |= 1 << (slot & 31);
      this.hashes[slot] = hash;
      const at = (slot << 2) >>> 0;
      let joined = canonical.includes('_') ? canonical.replace(/_/g, '') : null;
      forEachLexeme(document, (lexeme, weight) => {
        if (lexeme === joined) joined = null;
        if (lexeme.length === 0 || lexeme.includes('-')) return;
        const term = this.terms[this.termId(lexeme, 0)]!;
        term.postings.push(at | weight);
        dropCopies(term);
      });
      if (joined !== null) {
        const term = this.terms[this.termId(joined, canonical.indexOf('_'))]!;
        term.postings.push(at | 3);
        dropCopies(term);
      }
    }
    const s = slot!;
    // One literal with every field (a spread copy here cost 0.5 KB a package at 100,000 packages).
    const stored: Stored = {
      id: row.id,
      name: row.name,
      canonical,
      description: row.description,
      homepage: row.homepage,
      repository: row.repository,
      documentation: row.documentation,
      license: row.license,
      keywords: row.keywords.map(interned),
      categories: row.categories.map(interned),
      owners: row.owners.map(interned),
      latestVersion: interned(row.latest_version),
      downloads: Number(row.downloads),
      created: row.created_at.getTime(),
      updated: row.updated_at.getTime(),
      json: '',
    };
    this.stored[s] = stored;
    // Copied out of the string JSON.stringify builds, which holds about half as much again in slack.
    stored.json = Buffer.from(JSON.stringify(packageSummaryView(summaryOf(stored)))).toString();
    this.recent[s] = recentOf(row);
    this.seqs[s] = Number(row.search_seq);
    this.nameLengths[s] = Math.min(255, canonical.length);
    this.nameMasks[s] = letterMask(canonical);
  }

  /** Takes a package out (deleted, or no longer available). */
  remove(canonical: string): void {
    const slot = this.slotOf.get(canonical);
    if (slot === undefined) return;
    this.kill(slot);
    this.slotOf.delete(canonical);
    this.sortIfNeeded();
    const at = removeSorted(this.names, canonical);
    if (at >= 0) this.nameKeys.remove(at);
    if (at >= 0 && this.nameSlotsValid) this.nameSlots.splice(at, 1);
  }

  /** While true (a first build), names and terms are appended and sorted once, when the build ends. */
  bulk = false;

  /** Sorts what a bulk load appended. */
  sortIfNeeded(): void {
    if (!this.namesSorted) {
      this.names.sort();
      this.nameKeys.rebuild(this.names);
      this.namesSorted = true;
    }
    if (!this.nameSlotsValid) {
      this.nameSlots = this.names.map((canonical) => this.slotOf.get(canonical) ?? -1);
      this.nameSlotsValid = true;
    }
    if (!this.joinedListsSorted) {
      const { termLengths } = this;
      const byLength = (a: number, b: number) => termLengths[a]! - termLengths[b]!; // stable: ids in order within a length
      for (const list of this.joinedByFirst.values()) list.sort(byLength);
      for (const list of this.joinedByRest.values()) list.sort(byLength);
      this.joinedListsSorted = true;
    }
    if (!this.termsSorted) {
      const { terms } = this;
      const byText = (a: number, b: number) => (terms[a]!.text < terms[b]!.text ? -1 : terms[a]!.text > terms[b]!.text ? 1 : 0);
      this.sortedTerms.sort(byText);
      this.sortedJoined.sort(byText);
      this.joinedKeys.rebuild(this.sortedJoined.map((id) => terms[id]!.text));
      this.termsSorted = true;
    }
  }

  /**
   * Makes, for the terms of ids `from` to `from + count` that have PACKED_POSTINGS postings or more, what a query
   * would otherwise make on its first read of them (packed postings, buckets by weight and in ranking order, the
   * bitset of a common one), and returns the next id, or -1 past the last term. Run over every term after a build,
   * a few at a time: at 100,000 packages a first use cost a query up to 25 ms (ordering the buckets of a word every
   * package has), a stall for every request in flight, and the cold queries of the bench's mix met a first use at
   * about one in two hundred.
   */
  prepareTerms(from: number, count: number): number {
    const end = Math.min(this.terms.length, from + count);
    for (let id = from; id < end; id++) {
      const term = this.terms[id]!;
      if (term.postings.length < PACKED_POSTINGS) continue;
      postingsOf(term);
      this.byRecentOf(term);
      this.denseOf(term);
    }
    return end < this.terms.length ? end : -1;
  }

  private addSorted(list: number[], id: number): void {
    if (this.bulk) {
      list.push(id);
      this.termsSorted = false;
    } else {
      this.sortIfNeeded();
      const text = this.terms[id]!.text;
      const at = this.firstTermFrom(list, text);
      list.splice(at, 0, id);
      if (list === this.sortedJoined) this.joinedKeys.insert(at, text);
    }
  }

  /** The position in `names` of the first name not below `name`. */
  private nameLowerBound(name: string): number {
    return this.nameKeys.lowerBound(name, (at) => this.names[at]!) ?? lowerBound(this.names, name);
  }

  /** The position in a sorted term list of the first term not below `text`. */
  private firstTermFrom(list: number[], text: string): number {
    if (list === this.sortedJoined) {
      const at = this.joinedKeys.lowerBound(text, (i) => this.terms[list[i]!]!.text);
      if (at !== null) return at;
    }
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.terms[list[mid]!]!.text < text) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Terms that start with `word`, from a sorted list, into `expansions` (at most `room` of them); how many were added. */
  private prefixesOf(list: number[], word: string, expansions: Map<Term, number>, room: number): number {
    let added = 0;
    for (let at = this.firstTermFrom(list, word); at < list.length && added < room; at++) {
      const term = this.terms[list[at]!]!;
      const text = term.text;
      if (!text.startsWith(word)) break;
      if (expansions.has(term) || term.postings.length === 0) continue;
      // A name with its separators taken out adds nothing where its first part already starts with the word.
      if (term.joinedFirst >= word.length) continue;
      expansions.set(term, 0.5 + (0.5 * word.length) / text.length);
      added++;
    }
    return added;
  }

  private kill(slot: number): void {
    this.aliveBits[slot >>> 5]! &= ~(1 << (slot & 31));
    this.stored[slot] = undefined;
    this.dead++;
    if (this.dead > 1_000 && this.dead * 4 > this.used) this.compact();
  }

  /** Renumbers the live slots and drops dead postings (and terms left without any). */
  compact(): void {
    this.forgetExpansions();
    const renumber = new Int32Array(this.used).fill(-1);
    let next = 0;
    for (let slot = 0; slot < this.used; slot++) {
      if (!isAlive(this.aliveBits, slot)) continue;
      renumber[slot] = next;
      this.stored[next] = this.stored[slot];
      this.recent[next] = this.recent[slot]!;
      this.seqs[next] = this.seqs[slot]!;
      this.hashes[next] = this.hashes[slot]!;
      this.nameLengths[next] = this.nameLengths[slot]!;
      this.nameMasks[next] = this.nameMasks[slot]!;
      next++;
    }
    // Renumbered downwards: the first `next` slots are alive, the rest not.
    this.aliveBits.fill(0);
    for (let slot = 0; slot < next; slot++) this.aliveBits[slot >>> 5]! |= 1 << (slot & 31);
    for (let slot = next; slot < this.used; slot++) this.stored[slot] = undefined;
    this.stored.length = next;
    this.used = next;
    this.dead = 0;
    for (const [canonical, slot] of this.slotOf) this.slotOf.set(canonical, renumber[slot]!);
    if (this.nameSlotsValid) for (let i = 0; i < this.nameSlots.length; i++) this.nameSlots[i] = renumber[this.nameSlots[i]!] ?? -1;
    for (const term of this.terms) {
      let kept = 0;
      for (const entry of term.postings) {
        const to = renumber[entry >>> 2]!;
        if (to >= 0) term.postings[kept++] = (to << 2) | (entry & 3);
      }
      term.postings.length = kept;
      dropCopies(term);
    }
  }

  /** Memory held by the index's own structures, roughly (strings and objects estimated), in bytes. */
  estimateBytes(): number {
    // Per slot: score, seq, closeness; recent downloads, hash, name mask; name length.
    let bytes = this.capacity * (8 * 3 + 4 * 3 + 1);
    // Five bitsets (live slots and four of scratch); the general path's matches and candidates.
    bytes += (this.capacity / 8) * 5 + this.found.length * 21 + this.candSlots.length * 13;
    for (const term of this.terms) bytes += 64 + term.text.length * 2 + term.postings.length * 8 + (term.packed?.length ?? 0) * 4 + (term.dense?.length ?? 0) * 4;
    bytes += this.names.length * 56 + (this.sortedTerms.length + this.sortedJoined.length * 2) * 8; // and their sort keys
    for (let slot = 0; slot < this.used; slot++) {
      const doc = this.stored[slot];
      if (doc === undefined) continue;
      bytes += 184 + (doc.id.length + doc.name.length + (doc.description?.length ?? 0) + (doc.repository?.length ?? 0) + (doc.homepage?.length ?? 0)) * 1.2 + 40;
      bytes += 16 + doc.json.length; // its Package JSON (one byte a character, as JSON.stringify makes it for ASCII text)
      bytes += (doc.keywords.length + doc.categories.length + doc.owners.length) * 8 + 48;
    }
    return Math.round(bytes);
  }

  /** The words' expansions: [term, quality] pairs per word, and whether a word needed corrections. */
  private expand(query: IndexQuery): { perWord: Array<Array<[Term, number]>>; corrected: boolean } | null {
    const lexemesOf = (word: string): WordLexemes => query.lexemes.get(word) ?? { english: [word], simple: [word] };
    const onlyStopWords = query.words.every((word) => lexemesOf(word).english.length === 0);
    const perWord: Array<Array<[Term, number]>> = [];
    let corrected = false;
    query.words.forEach((word, index) => {
      const { english, simple } = lexemesOf(word);
      if (english.length === 0 && !onlyStopWords) return;
      const last = index === query.words.length - 1;
      const found = this.expandWord(word, english, simple, last);
      if (found.corrected) corrected = true;
      perWord.push(found.terms);
    });
    if (perWord.length === 0) return null;
    return { perWord, corrected };
  }

  /** A word's expansions (its terms, as a last word its prefixes too; or else its corrections), kept in `expansions`. */
  private expandWord(word: string, english: string[], simple: string[], last: boolean): Expansion {
    const key = last ? `${word}\u0001` : word;
    const known = this.expansions.get(key);
    if (known !== undefined && sameWords(known.english, english) && sameWords(known.simple, simple)) return known;
    const found = this.findExpansions(word, english, simple, last);
    if (this.expansions.size >= MAX_CACHED_WORDS || this.cachedTerms + found.terms.length > MAX_CACHED_TERMS) this.forgetExpansions();
    this.expansions.set(key, found);
    this.cachedTerms += found.terms.length;
    return found;
  }

  private forgetExpansions(): void {
    this.expansions.clear();
    this.cachedTerms = 0;
  }

  private findExpansions(word: string, english: string[], simple: string[], last: boolean): Expansion {
    const expansions = new Map<Term, number>();
    for (const lexeme of new Set([...english, ...simple])) {
      const id = this.termIds.get(lexeme);
      if (id !== undefined) expansions.set(this.terms[id]!, 1);
    }
    if (last && word.length >= 3) {
      const taken = this.prefixesOf(this.sortedTerms, word, expansions, MAX_PREFIX_TERMS);
      // Joined names count only where the word runs past a name's first part (`serdejs` → serdejson).
      let pastFirstPart = false;
      for (let length = 1; length < word.length && !pastFirstPart; length++) pastFirstPart = this.firstParts.has(word.slice(0, length));
      if (pastFirstPart) this.prefixesOf(this.sortedJoined, word, expansions, MAX_PREFIX_TERMS - taken);
    }
    let corrected = false;
    if (![...expansions.keys()].some((term) => term.postings.length > 0)) {
      for (const [term, edits] of this.corrections(word)) expansions.set(term, 0.7 * (1 - edits / (word.length + 1)));
      if (expansions.size > 0) corrected = true;
    }
    return { english, simple, terms: [...expansions], corrected };
  }

  /** The terms closest to a word that matches none, within allowedEdits of it (the most used first). */
  private corrections(word: string): Array<[Term, number]> {
    const max = allowedEdits(word.length);
    if (max === 0) return [];
    const mask = letterMask(word);
    // The joined names whose first part starts the word, or whose rest ends it (see joinedByFirst).
    // (Read where they are kept, a name in two of the lists is considered twice: what is found is made unique.)
    const joined: number[][] = [];
    for (let cut = 1; cut < word.length; cut++) {
      const byFirst = this.joinedByFirst.get(word.slice(0, cut));
      if (byFirst !== undefined) joined.push(byFirst);
      const byRest = this.joinedByRest.get(word.slice(cut));
      if (byRest !== undefined) joined.push(byRest);
    }
    const { masks, termLengths } = this;
    // One edit first, then two, then three: only the closest count, and one edit is a narrow scan.
    for (let edits = 1; edits <= max; edits++) {
      const found = new Set<Term>();
      const consider = (id: number): void => {
        if (Math.abs(termLengths[id]! - word.length) > edits || popcount(masks[id]! ^ mask) > 2 * edits) return;
        const term = this.terms[id]!;
        if (term.postings.length === 0 || Math.abs(term.text.length - word.length) > edits) return;
        if (editDistance(word, term.text, edits) <= edits) found.add(term);
      };
      for (let length = Math.max(1, word.length - edits); length <= word.length + edits; length++) {
        for (const id of this.byLength[length] ?? []) consider(id);
      }
      // Only the names whose length allows the edits (the lists are in order of length). A joined name that has become
      // a plain lexeme is among byLength already.
      for (const list of joined) {
        for (let at = this.firstLongerThan(list, word.length - edits - 1); at < list.length; at++) {
          const id = list[at]!;
          if (termLengths[id]! > word.length + edits) break;
          if (popcount(masks[id]! ^ mask) > 2 * edits) continue;
          if (this.terms[id]!.joinedFirst > 0) consider(id);
        }
      }
      if (found.size > 0) {
        // The most used first; between equals, in text order (not in the order the lists were read).
        return [...found]
          .sort((a, b) => b.postings.length - a.postings.length || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
          .slice(0, MAX_CORRECTIONS)
          .map((term) => [term, edits]);
      }
    }
    return [];
  }

  search(query: IndexQuery): IndexPage {
    this.sortIfNeeded();
    const expanded = query.words.length > 0 ? this.expand(query) : null;
    const wordCount = expanded?.perWord.length ?? 0;
    const closeness = expanded?.corrected === true && query.maxEdits > 0;
    if (this.useFastPath && expanded !== null && wordCount === 1 && query.order === 'relevance' && query.category === null && query.keywords.length === 0) {
      return this.searchOneWord(query, expanded.perWord[0]!, closeness);
    }

    // The candidates, in arrays of their own (slot, score, whether a word matched the name, whether the name starts
    // with the query's): a query then touches a candidate's slot in the per-slot arrays once or twice at most, not in
    // five arrays of megabytes (at 100,000 packages each such read is a cache miss).
    let m = 0;
    if (expanded !== null) {
      // Rarest word first: the candidates can only shrink.
      const words = expanded.perWord
        .map((expansions) => ({ expansions, size: expansions.reduce((sum, [term]) => sum + term.postings.length, 0) }))
        .sort((a, b) => a.size - b.size);
      if (words[0]!.size > 0) {
        // Two words or more, the first of a few terms: the first two at once, the first word's slots only as bits.
        const paired = words.length > 1 && words[0]!.expansions.length <= PAIRED_TERMS;
        m = paired ? this.firstTwoWords(words[0]!.expansions, words[1]!.expansions, closeness) : this.firstWord(words[0]!.expansions, closeness);
        for (let w = paired ? 2 : 1; w < words.length && m > 0; w++) m = this.narrow(m, words[w]!.expansions, closeness);
      }
    }
    const name = query.name;
    this.candidateRoom(m + (name === '' ? 0 : MAX_NAME_PREFIXES));
    const { found, foundScore, foundName, aliveBits, candSlots, candScore, candFlags, nameLengths } = this;
    let c = 0;
    for (let j = 0; j < m; j++) {
      const slot = found[j]!;
      if ((aliveBits[slot >>> 5]! & (1 << (slot & 31))) === 0) continue;
      candSlots[c] = slot;
      candScore[c] = foundScore[j]!;
      candFlags[c] = foundName[j]! ? NAMED : 0;
      c++;
    }

    // Names: the exact one and those starting with the query, whether or not their words matched. The word matches
    // are in slot order: a name's slot is looked for among them by bisection.
    if (name !== '') {
      const matched = c;
      let count = 0;
      for (let at = this.nameLowerBound(name); at < this.names.length && count < MAX_NAME_PREFIXES; at++, count++) {
        const canonical = this.names[at]!;
        if (!canonical.startsWith(name)) break;
        const slot = this.nameSlots[at]!;
        let lo = 0;
        let hi = matched;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (candSlots[mid]! < slot) lo = mid + 1;
          else hi = mid;
        }
        if (lo < matched && candSlots[lo] === slot) candFlags[lo]! |= PREFIX;
        else {
          candSlots[c] = slot;
          candScore[c] = 0;
          candFlags[c] = PREFIX;
          c++;
        }
      }
    }

    // Filters, name bonuses, the final score; the candidates kept are moved to the front.
    const exactSlot = name === '' ? undefined : this.slotOf.get(name);
    const queryNameMask = closeness ? letterMask(name) : 0;
    const filtered = query.category !== null || query.keywords.length > 0;
    let kept = 0;
    for (let i = 0; i < c; i++) {
      const slot = candSlots[i]!;
      if (filtered) {
        const doc = this.stored[slot]!;
        if (query.category !== null && !doc.categories.includes(query.category)) continue;
        if (query.keywords.length > 0 && !query.keywords.every((keyword) => doc.keywords.includes(keyword))) continue;
      }
      const flags = candFlags[i]!;
      let value = candScore[i]!;
      if ((flags & PREFIX) !== 0) value += 0.3 + (0.3 * name.length) / nameLengths[slot]!;
      if (closeness && (flags & NAMED) !== 0) value += this.closenessOf(slot, name, queryNameMask, query.maxEdits, exactSlot);
      candSlots[kept] = slot;
      candScore[kept] = settled(value);
      kept++;
    }

    const total = Math.min(kept, this.maxResults);
    const end = Math.min(total, query.offset + query.limit);
    let page: number[];
    if (query.offset >= total) page = [];
    // The best `end` by relevance are the best `end` of the best maxResults.
    else if (query.order === 'relevance') page = this.mostRelevant(candSlots, kept, (i) => candScore[i]!, end, exactSlot).slice(query.offset, end);
    else {
      const best = kept > this.maxResults ? this.mostRelevant(candSlots, kept, (i) => candScore[i]!, this.maxResults, exactSlot) : Array.from(candSlots.subarray(0, kept));
      const { stored } = this;
      const order =
        query.order === 'downloads'
          ? (a: number, b: number) => stored[b]!.downloads - stored[a]!.downloads || this.compareNames(a, b)
          : query.order === 'newest'
            ? (a: number, b: number) => stored[b]!.created - stored[a]!.created || this.compareNames(a, b)
            : (a: number, b: number) => this.compareNames(a, b);
      page = topK(best, end, order).slice(query.offset, end);
    }
    return this.page(page, total);
  }

  /** Room for `n` candidates in the general path's candidate arrays. */
  private candidateRoom(n: number): void {
    if (n <= this.candSlots.length) return;
    let size = this.candSlots.length;
    while (size < n) size *= 2;
    this.candSlots = new Int32Array(size);
    this.candScore = new Float64Array(size);
    this.candFlags = new Uint8Array(size);
  }

  /** Room for `n` matches in the general path's arrays. */
  private foundRoom(n: number): void {
    if (n <= this.found.length) return;
    let size = this.found.length;
    while (size < n) size *= 2;
    this.found = new Int32Array(size);
    this.foundScore = new Float64Array(size);
    this.foundWord = new Float64Array(size);
    this.foundName = new Uint8Array(size);
  }

  /** Marks every slot of these postings in the bitset; the first and last of its words marked (1 and 0 when none). */
  private markSlots(lists: Array<ArrayLike<number>>): [number, number] {
    const { bits } = this;
    let low = 0x7fffffff;
    let high = -1;
    for (const postings of lists) {
      const n = postings.length;
      if (n === 0) continue;
      markPostings(bits, postings);
      low = Math.min(low, postings[0]! >>> 2); // postings are in slot order
      high = Math.max(high, postings[n - 1]! >>> 2);
    }
    return high < 0 ? [1, 0] : [low >>> 5, high >>> 5];
  }

  /**
   * The general path's first (rarest) word: every slot one of its terms has, in slot order, scored with the word's
   * best value (dead slots too: they are left out at the end, when the matches are few). How many.
   */
  private firstWord(expansions: Array<[Term, number]>, closeness: boolean): number {
    let total = 0;
    for (const [term] of expansions) total += term.postings.length;
    this.foundRoom(total);
    const { found, foundScore, foundWord, foundName } = this;
    let m = 0;
    if (expansions.length === 1) {
      const [term, quality] = expansions[0]!;
      const postings = postingsOf(term);
      for (let i = 0; i < postings.length; i++) {
        const entry = postings[i]!;
        found[m] = entry >>> 2;
        foundScore[m] = quality * WEIGHTS[entry & 3]!;
        foundName[m] = closeness && (entry & 3) === 3 ? 1 : 0;
        m++;
      }
      return m;
    }
    // Several terms: the union of their slots through a bitset (read back in order, and cleared as it is read), then
    // each term's values as for a later word.
    const bits = this.bits;
    const [from, to] = this.markSlots(expansions.map(([term]) => postingsOf(term)));
    for (let word = from; word <= to; word++) {
      let set = bits[word]!;
      if (set === 0) continue;
      bits[word] = 0;
      while (set !== 0) {
        const lowest = set & -set;
        found[m] = (word << 5) | (31 - Math.clz32(lowest));
        foundWord[m] = -1;
        foundName[m] = 0;
        m++;
        set ^= lowest;
      }
    }
    for (const [term, quality] of expansions) this.matchTerm(m, postingsOf(term), quality, closeness);
    for (let j = 0; j < m; j++) foundScore[j] = foundWord[j]!;
    return m;
  }

  /**
   * The matches of the first two words (the rarest first), as slots that both have. When either word is a single
   * common term (one with a bitset), the other word's postings are read through once and each looked up in it
   * (probeWord): a bit test, and for a hit its posting by rank, all in constant time. Otherwise the first word's slots
   * are marked in the bitset (or are its own bitset) and the second word's terms looked up in it (a common term as
   * its bitset too: intersected a word of 32 slots at a time when both words have more postings than the bitsets have
   * words). Only for the hits (about 60 of 2,500 for two common words at 100,000 packages) are the words' values
   * read. How many.
   */
  private firstTwoWords(first: Array<[Term, number]>, second: Array<[Term, number]>, closeness: boolean): number {
    const firstDense = first.length === 1 ? this.denseOf(first[0]![0]) : null;
    const secondDense = second.length === 1 ? this.denseOf(second[0]![0]) : null;
    const firstTotal = postingCount(first);
    const secondTotal = postingCount(second);
    // Reading a posting and testing its bit costs about what ANDing a word of two bitsets does.
    if (secondDense !== null && firstTotal <= secondDense.length / 3 && (firstDense === null || firstTotal <= secondTotal)) {
      return this.probeWord(first, second[0]!, true, closeness);
    }
    if (firstDense !== null && secondTotal <= firstDense.length / 3) return this.probeWord(second, first[0]!, false, closeness);
    const firstPostings = first.map(([term]) => postingsOf(term));
    let from = 0;
    let to = -1;
    // The first word's slots: the bitset (a number per word), or its term's own (three per word).
    let marked: Int32Array = this.bits;
    let stride = 1;
    if (firstDense === null) [from, to] = this.markSlots(firstPostings);
    else {
      marked = firstDense;
      stride = 3;
      from = (firstPostings[0]![0]! >>> 2) >>> 5;
      to = firstDense.length / 3 - 1;
    }
    // The second word's hits: slot, value and name match, in slot order per term.
    const hitSlots: number[] = [];
    const hitValues: number[] = [];
    const hitNamed: number[] = [];
    for (const [term, quality] of second) {
      const postings = postingsOf(term);
      const dense = this.denseOf(term);
      if (dense !== null) {
        const last = Math.min(to, dense.length / 3 - 1);
        for (let word = Math.max(from, (postings[0]! >>> 2) >>> 5); word <= last; word++) {
          let set = marked[word * stride]! & dense[word * 3]!;
          while (set !== 0) {
            const lowest = set & -set;
            set ^= lowest;
            const weight = (dense[word * 3 + 1]! & lowest ? 2 : 0) | (dense[word * 3 + 2]! & lowest ? 1 : 0);
            hitSlots.push((word << 5) | (31 - Math.clz32(lowest)));
            hitValues.push(quality * WEIGHTS[weight]!);
            hitNamed.push(closeness && weight === 3 ? 1 : 0);
          }
        }
        continue;
      }
      for (let i = 0; i < postings.length; i++) {
        const entry = postings[i]!;
        const slot = entry >>> 2;
        const word = slot >>> 5;
        if (word > to) break;
        if ((marked[word * stride]! & (1 << (slot & 31))) === 0) continue;
        hitSlots.push(slot);
        hitValues.push(quality * WEIGHTS[entry & 3]!);
        hitNamed.push(closeness && (entry & 3) === 3 ? 1 : 0);
      }
    }
    if (firstDense === null) this.bits.fill(0, from, to + 1);
    // Several terms: their hits in slot order, a slot once (its best value; a name match in any).
    let order: number[] | null = null;
    if (second.length > 1) order = hitSlots.map((_, i) => i).sort((a, b) => hitSlots[a]! - hitSlots[b]! || hitValues[b]! - hitValues[a]!);
    this.foundRoom(hitSlots.length);
    const { found, foundScore, foundName } = this;
    const cursors = firstPostings.map(() => 0);
    const firstQuality = first[0]![1];
    let m = 0;
    for (let h = 0; h < hitSlots.length; h++) {
      const at = order === null ? h : order[h]!;
      const slot = hitSlots[at]!;
      if (m > 0 && found[m - 1] === slot) {
        // The same slot from another term: sorted best value first, so only its name match can add.
        if (hitNamed[at]) foundName[m - 1] = 1;
        continue;
      }
      // The first word's best value on this slot (it has the slot in one of its terms at least).
      let value = -1;
      let named = 0;
      if (firstDense !== null) {
        const weight = weightIn(firstDense, slot);
        value = firstQuality * WEIGHTS[weight]!;
        if (closeness && weight === 3) named = 1;
      } else {
        for (let t = 0; t < firstPostings.length; t++) {
          const postings = firstPostings[t]!;
          const n = postings.length;
          const key = slot << 2;
          let i = cursors[t]!;
          if (i < n && postings[i]! < key) i = gallop(postings, i, n, key);
          cursors[t] = i;
          if (i === n) continue;
          const entry = postings[i]!;
          if (entry >>> 2 !== slot) continue;
          const v = first[t]![1] * WEIGHTS[entry & 3]!;
          if (v > value) value = v;
          if (closeness && (entry & 3) === 3) named = 1;
        }
      }
      found[m] = slot;
      // The first word's value plus the second's, as narrow() adds them: equal scores stay equal.
      foundScore[m] = value + hitValues[at]!;
      foundName[m] = named | hitNamed[at]!;
      m++;
    }
    return m;
  }

  /**
   * The slots that both `probe` (a word's terms) and `lookup` (a single common term, with its bitset) have: each of
   * the probe's postings is looked up in the bitset, which has the term's weight for a hit. Scores are the first
   * word's value plus the second's, whichever is probed. How many.
   */
  private probeWord(probe: Array<[Term, number]>, lookup: [Term, number], probeIsFirst: boolean, closeness: boolean): number {
    const [term, lookupQuality] = lookup;
    const dense = term.dense!;
    const limit = dense.length / 3;
    const several = probe.length > 1;
    this.foundRoom(postingCount(probe));
    const { found, foundScore, foundWord, foundName } = this;
    // With several probe terms the hits are listed first (slot, the probe's value in foundWord, the lookup's in
    // foundScore), then put in slot order, a slot once.
    let h = 0;
    for (const [own, quality] of probe) {
      const postings = postingsOf(own);
      for (let i = 0; i < postings.length; i++) {
        const entry = postings[i]!;
        const slot = entry >>> 2;
        const word = slot >>> 5;
        if (word >= limit) break; // postings are in slot order
        const bit = 1 << (slot & 31);
        if ((dense[word * 3]! & bit) === 0) continue;
        const other = (dense[word * 3 + 1]! & bit ? 2 : 0) | (dense[word * 3 + 2]! & bit ? 1 : 0);
        const probeValue = quality * WEIGHTS[entry & 3]!;
        const lookupValue = lookupQuality * WEIGHTS[other]!;
        found[h] = slot;
        foundName[h] = closeness && ((entry & 3) === 3 || other === 3) ? 1 : 0;
        if (several) {
          foundWord[h] = probeValue;
          foundScore[h] = lookupValue;
        } else foundScore[h] = probeIsFirst ? probeValue + lookupValue : lookupValue + probeValue;
        h++;
      }
    }
    if (!several) return h;
    const slots = found.slice(0, h);
    const probeValues = foundWord.slice(0, h);
    const lookupValues = foundScore.slice(0, h);
    const named = foundName.slice(0, h);
    const order = Array.from({ length: h }, (_, i) => i).sort((a, b) => slots[a]! - slots[b]! || probeValues[b]! - probeValues[a]!);
    let m = 0;
    for (const at of order) {
      const slot = slots[at]!;
      if (m > 0 && found[m - 1] === slot) {
        // The same slot from another term: sorted best value first, so only its name match can add.
        if (named[at]) foundName[m - 1] = 1;
        continue;
      }
      const probeValue = probeValues[at]!;
      const lookupValue = lookupValues[at]!;
      found[m] = slot;
      foundScore[m] = probeIsFirst ? probeValue + lookupValue : lookupValue + probeValue;
      foundName[m] = named[at]!;
      m++;
    }
    return m;
  }

  /** A term's bitset (Term.dense) when it has a posting per DENSE_SLOTS slots or more (made now if need be), else null. */
  private denseOf(term: Term): Int32Array | null {
    if (term.dense !== undefined) return term.dense;
    const { postings } = term;
    if (postings.length === 0 || postings.length * DENSE_SLOTS < this.used) return null;
    const dense = new Int32Array((((postings[postings.length - 1]! >>> 2) >>> 5) + 1) * 3);
    for (let i = 0; i < postings.length; i++) {
      const entry = postings[i]!;
      const slot = entry >>> 2;
      const at = (slot >>> 5) * 3;
      const bit = 1 << (slot & 31);
      dense[at]! |= bit;
      if (entry & 2) dense[at + 1]! |= bit;
      if (entry & 1) dense[at + 2]! |= bit;
    }
    term.dense = dense;
    return dense;
  }

  /** Keeps the matches a later word has too (any of its terms), adding its best value to their scores. How many. */
  private narrow(m: number, expansions: Array<[Term, number]>, closeness: boolean): number {
    const { found, foundScore, foundWord, foundName, bits } = this;
    for (let j = 0; j < m; j++) foundWord[j] = -1;
    // A common term with more postings than there are matches is looked up by slot in its bitset (constant time
    // each); a term far longer than the matches is galloped into; the others' postings are looked up in a bitset of
    // the matches (a few kilobytes, in cache): a merge of two lists of 2,500 mispredicts a branch at about every step.
    let marked = false;
    for (const [term, quality] of expansions) {
      const postings = postingsOf(term);
      if (postings.length > m && this.denseOf(term) !== null) {
        this.lookUpTerm(m, term, quality, closeness);
        continue;
      }
      if (postings.length >= GALLOP_RATIO * m) {
        this.matchTerm(m, postings, quality, closeness);
        continue;
      }
      if (!marked) {
        for (let j = 0; j < m; j++) bits[found[j]! >>> 5]! |= 1 << (found[j]! & 31);
        marked = true;
      }
      this.probeTerm(m, postings, quality, closeness);
    }
    if (marked) for (let j = 0; j < m; j++) bits[found[j]! >>> 5] = 0;
    let kept = 0;
    for (let j = 0; j < m; j++) {
      const value = foundWord[j]!;
      if (value < 0) continue;
      found[kept] = found[j]!;
      // The sum of the earlier words plus this one's best, in the same order for every slot: equal scores stay equal.
      foundScore[kept] = foundScore[j]! + value;
      foundName[kept] = foundName[j]!;
      kept++;
    }
    return kept;
  }

  /** Records a common term's value on those of the first m matches it has, each looked up in its bitset. */
  private lookUpTerm(m: number, term: Term, quality: number, closeness: boolean): void {
    const { found, foundWord, foundName } = this;
    const dense = term.dense!;
    for (let j = 0; j < m; j++) {
      const weight = weightIn(dense, found[j]!);
      if (weight < 0) continue;
      const value = quality * WEIGHTS[weight]!;
      if (value > foundWord[j]!) foundWord[j] = value;
      if (closeness && weight === 3) foundName[j] = 1;
    }
  }

  /** Records a term's value on those of the first m matches it has, each found through the bitset of the matches. */
  private probeTerm(m: number, postings: ArrayLike<number>, quality: number, closeness: boolean): void {
    const { found, foundWord, foundName, bits } = this;
    const n = postings.length;
    let from = 0; // postings are in slot order: a hit's match is after the last one's
    for (let i = 0; i < n; i++) {
      const entry = postings[i]!;
      const slot = entry >>> 2;
      if ((bits[slot >>> 5]! & (1 << (slot & 31))) === 0) continue;
      let lo = from;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (found[mid]! < slot) lo = mid + 1;
        else hi = mid;
      }
      from = lo + 1;
      const value = quality * WEIGHTS[entry & 3]!;
      if (value > foundWord[lo]!) foundWord[lo] = value;
      if (closeness && (entry & 3) === 3) foundName[lo] = 1;
    }
  }

  /**
   * Records a term's value on the first m matches it has: both lists are in slot order, so the shorter one is walked
   * and each of its slots looked for in the other from where the last was found: a step at a time when the lists are
   * alike in length (a merge), by galloping (doubling steps, then bisection) when the other is much longer. 50
   * matches against 17,000 postings cost about 50 × 9 steps.
   */
  private matchTerm(m: number, postings: ArrayLike<number>, quality: number, closeness: boolean): void {
    const { found, foundWord, foundName } = this;
    const n = postings.length;
    if (n === 0 || m === 0) return;
    // Lists of about the same length are merged (a step at a time); galloping pays where one is much longer.
    const linear = n <= m ? m < GALLOP_RATIO * n : n < GALLOP_RATIO * m;
    if (n <= m) {
      let j = 0;
      for (let i = 0; i < n; i++) {
        const entry = postings[i]!;
        const slot = entry >>> 2;
        if (found[j]! < slot) {
          if (linear) while (j < m && found[j]! < slot) j++;
          else j = gallop(found, j, m, slot);
          if (j === m) return;
        }
        if (found[j] !== slot) continue;
        const value = quality * WEIGHTS[entry & 3]!;
        if (value > foundWord[j]!) foundWord[j] = value;
        if (closeness && (entry & 3) === 3) foundName[j] = 1;
      }
    } else {
      let i = 0;
      for (let j = 0; j < m; j++) {
        const slot = found[j]!;
        const key = slot << 2; // an entry is slot << 2 | weight
        if (postings[i]! < key) {
          if (linear) while (i < n && postings[i]! < key) i++;
          else i = gallop(postings, i, n, key);
          if (i === n) return;
        }
        const entry = postings[i]!;
        if (entry >>> 2 !== slot) continue;
        const value = quality * WEIGHTS[entry & 3]!;
        if (value > foundWord[j]!) foundWord[j] = value;
        if (closeness && (entry & 3) === 3) foundName[j] = 1;
      }
    }
  }

  /**
   * The bonus of a name close to the query's (a typo in a name), for a slot that matched a corrected word in its
   * name: up to 0.5, less for each edit; none for the exact name (ranked first anyway) or a name too far.
   */
  private closenessOf(slot: number, name: string, nameMask: number, maxEdits: number, exactSlot: number | undefined): number {
    if (slot === exactSlot || Math.abs(this.nameLengths[slot]! - name.length) > maxEdits || popcount(this.nameMasks[slot]! ^ nameMask) > 2 * maxEdits) return 0;
    const edits = editDistance(this.stored[slot]!.canonical, name, maxEdits);
    return edits <= maxEdits ? 0.5 * (1 - edits / (name.length + 1)) : 0;
  }

  /** Off in tests that compare the one-word path with the general one. */
  useFastPath = true;

  /**
   * A term's slots by weight code (Term.byWeight). Kept only for a term of PACKED_POSTINGS or more: a rare term's
   * are made again at little cost, and keeping them for every name a query corrects to (joined names, one posting
   * each) would add four arrays per name touched, for good, to the old generation.
   */
  private byWeightOf(term: Term): Int32Array[] {
    if (term.byWeight !== undefined) return term.byWeight;
    const counts = [0, 0, 0, 0];
    for (const entry of term.postings) counts[entry & 3]!++;
    const lists = counts.map((count) => (count === 0 ? NO_SLOTS : new Int32Array(count)));
    const fill = [0, 0, 0, 0];
    for (const entry of term.postings) lists[entry & 3]![fill[entry & 3]!++] = entry >>> 2;
    if (term.postings.length >= PACKED_POSTINGS) term.byWeight = lists;
    return lists;
  }

  /**
   * A query of one word (as written, by prefix, or corrected), by relevance, unfiltered: the answer of the general
   * path, reading few of the scattered slots. A package's score for one word is the best of quality × weight over the
   * word's terms (a bucket per term and weight, of equal values), plus the bonuses of a name that starts with the
   * query's (a fixed list, at most MAX_NAME_PREFIXES) or is near it (for a corrected word: among the names a term
   * matched, those within the allowed edits). Those "specials" are scored in full. Every other package's place
   * among equals is its recent downloads then its name, so from each bucket (highest value first) only its first k
   * in that order (Term.byRecent) can be among the first k of the answer: a package of a higher bucket that is not
   * among that bucket's first k has k others before it. The total is counted over the buckets' bitsets, up to
   * maxResults. At 100,000 packages a corrected word's buckets hold thousands of packages, and the path that visits
   * and ranks them all (searchOneWordVisiting, kept for words of many terms) cost 300-500 µs, a cache miss or more
   * per package visited.
   */
  private searchOneWord(query: IndexQuery, expansions: Array<[Term, number]>, closeness: boolean): IndexPage {
    const k = query.offset + query.limit;
    if (expansions.length > MAX_RANKED_TERMS || k > RANKED_PREFIX) return this.searchOneWordVisiting(query, expansions, closeness);
    const { scores, aliveBits, nameLengths, near, visitedBits, takenBits, nearBits } = this;
    const name = query.name;
    const exactSlot = name === '' ? undefined : this.slotOf.get(name);
    const nameMask = closeness ? letterMask(name) : 0;
    takenBits.fill(0); // the specials
    nearBits.fill(0); // the others taken from a bucket
    visitedBits.fill(0); // counted
    // The specials: names starting with the query's (they are live), then names near it that a term matched.
    const specials: number[] = [];
    let prefixes = 0;
    if (name !== '') {
      for (let at = this.nameLowerBound(name); at < this.names.length && prefixes < MAX_NAME_PREFIXES; at++, prefixes++) {
        const canonical = this.names[at]!;
        if (!canonical.startsWith(name)) break;
        const slot = this.nameSlots[at]!;
        takenBits[slot >>> 5]! |= 1 << (slot & 31);
        visitedBits[slot >>> 5]! |= 1 << (slot & 31);
        specials.push(slot);
      }
    }
    if (closeness) {
      for (const [term] of expansions) {
        const named = this.byWeightOf(term)[3]!;
        for (let i = 0; i < named.length; i++) {
          const slot = named[i]!;
          const word = slot >>> 5;
          const bit = 1 << (slot & 31);
          if ((takenBits[word]! & bit) !== 0 || (aliveBits[word]! & bit) === 0) continue;
          const closenessValue = this.closenessOf(slot, name, nameMask, query.maxEdits, exactSlot);
          if (closenessValue === 0) continue;
          takenBits[word]! |= bit;
          near[slot] = closenessValue;
          specials.push(slot);
        }
      }
    }
    // Their scores, as the visiting path adds them up: the word's value, the name prefix's bonus, closeness.
    for (let i = 0; i < specials.length; i++) {
      const slot = specials[i]!;
      let value = 0;
      let named = false;
      for (const [term, quality] of expansions) {
        const weight = this.weightOf(term, slot);
        if (weight < 0) continue;
        const v = quality * WEIGHTS[weight]!;
        if (v > value) value = v;
        if (weight === 3) named = true;
      }
      let score = value;
      if (i < prefixes) score = score + (0.3 + (0.3 * name.length) / nameLengths[slot]!);
      if (closeness) {
        const bonus = !named ? 0 : i < prefixes ? this.closenessOf(slot, name, nameMask, query.maxEdits, exactSlot) : near[slot]!;
        scores[slot] = settled(score + bonus);
      } else scores[slot] = settled(score);
    }

    const buckets: Array<{ term: Term; weight: number; value: number }> = [];
    for (const [term, quality] of expansions) {
      const lists = this.byWeightOf(term);
      for (let weight = 3; weight >= 0; weight--) if (lists[weight]!.length > 0) buckets.push({ term, weight, value: quality * WEIGHTS[weight]! });
    }
    buckets.sort((a, b) => b.value - a.value);
    // The others: each bucket's first k live ones in ranking order, until k are taken and the values drop.
    const candidates = specials;
    let others = 0;
    for (let b = 0; b < buckets.length; b++) {
      const { term, weight, value } = buckets[b]!;
      if (others >= k && b > 0 && buckets[b - 1]!.value > value) break;
      // A bucket of at most k is taken whole, in whatever order: only a longer one needs its ranking order (sorting
      // the buckets of a corrected word's small terms, which are not kept, was most of such a query at 1,000 packages).
      const all = this.byWeightOf(term)[weight]!;
      const list = all.length <= k ? all : this.byRecentOf(term)[weight]!;
      const score = settled(value);
      let taken = 0;
      for (let i = 0; i < list.length && taken < k; i++) {
        const slot = list[i]!;
        const word = slot >>> 5;
        const bit = 1 << (slot & 31);
        if (((takenBits[word]! | nearBits[word]!) & bit) !== 0 || (aliveBits[word]! & bit) === 0) continue;
        nearBits[word]! |= bit;
        scores[slot] = score;
        candidates.push(slot);
        taken++;
        others++;
      }
      // A bucket kept only in part had too many specials or dead packages among its first: visit them all instead.
      if (taken < k && this.byWeightOf(term)[weight]!.length > RANKED_PREFIX) return this.searchOneWordVisiting(query, expansions, closeness);
    }
    // The total: every live package of the buckets, and the name prefixes, up to maxResults.
    let count = prefixes;
    for (let b = 0; b < buckets.length && count < this.maxResults; b++) {
      const { term, weight } = buckets[b]!;
      const slots = this.byWeightOf(term)[weight]!;
      for (let i = 0; i < slots.length && count < this.maxResults; i++) {
        const slot = slots[i]!;
        const word = slot >>> 5;
        const bit = 1 << (slot & 31);
        if ((visitedBits[word]! & bit) === 0 && (aliveBits[word]! & bit) !== 0) {
          visitedBits[word]! |= bit;
          count++;
        }
      }
    }
    const total = Math.min(count, this.maxResults);
    const end = Math.min(total, k);
    if (query.offset >= total) return { rows: [], total, json: [], ids: [] };
    return this.page(this.mostRelevant(candidates, candidates.length, (i) => scores[candidates[i]!]!, end, exactSlot).slice(query.offset, end), total);
  }

  /** A slot's weight code in a term (through its bitset when it is common, else by bisection), or -1 when it has none. */
  private weightOf(term: Term, slot: number): number {
    const dense = this.denseOf(term);
    if (dense !== null) return weightIn(dense, slot);
    const postings = postingsOf(term);
    const key = slot << 2;
    let lo = 0;
    let hi = postings.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (postings[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < postings.length && postings[lo]! >>> 2 === slot ? postings[lo]! & 3 : -1;
  }

  /**
   * A term's live slots by weight code in ranking order among equals (Term.byRecent), made or re-sorted now if need
   * be: all of a bucket of at most RANKED_PREFIX, else its first RANKED_PREFIX (chosen in one pass: sorting the
   * 100,000 packages of a word every package has took 190 ms, that long a stall for every request in flight).
   */
  private byRecentOf(term: Term): Int32Array[] {
    if (term.byRecent !== undefined && term.reorder !== true) return term.byRecent;
    const keep = term.postings.length >= PACKED_POSTINGS; // as byWeight
    const { recent, aliveBits } = this;
    const before = (a: number, b: number): boolean => {
      const ra = recent[a]!;
      const rb = recent[b]!;
      return ra !== rb ? ra > rb : this.compareNames(a, b) < 0;
    };
    const byWeight = this.byWeightOf(term);
    const ordered = byWeight.map((all, weight) => {
      if (all.length === 0) return NO_SLOTS;
      if (all.length > RANKED_PREFIX) {
        const live = all.filter((slot) => isAlive(aliveBits, slot));
        return Int32Array.from(topIndices(live.length, RANKED_PREFIX, (i, j) => before(live[i]!, live[j]!), () => false, (i) => recent[live[i]!]!), (i) => live[i]!);
      }
      // Re-sorted from the order it had (mostly in order still) when it has one.
      const list = Array.from(term.byRecent?.[weight] ?? all).filter((slot) => isAlive(aliveBits, slot));
      return Int32Array.from(list.sort((a, b) => (a === b ? 0 : before(a, b) ? -1 : 1)));
    });
    if (keep) {
      term.byRecent = ordered;
      term.reorder = false;
    }
    return ordered;
  }

  /**
   * A query of one word (as written, by prefix, or corrected) of many terms: the answer of the general path without
   * visiting every posting. A package's score for one word is the best of quality × weight over the
   * word's terms, so the postings are visited by that value, highest first (each term's postings split by weight):
   * the first visit of a slot sets its word's value for good. Once k slots are scored and the next value, plus the
   * most a name prefix can add, is below the last value visited, no other slot can enter the first k; the rest of the
   * postings are only counted, up to maxResults. A common word at 100k packages has thousands of postings, of which
   * the name matches (weight A) are a few hundred. For a corrected word, a name close to the query's adds its
   * closeness to a slot matched in its name: every name match is visited before the search may stop (they are among
   * the highest values, for the correction's quality is at least a quarter).
   */
  private searchOneWordVisiting(query: IndexQuery, expansions: Array<[Term, number]>, closeness: boolean): IndexPage {
    const { scores, aliveBits, nameLengths, near } = this;
    // One bit a slot (the per-slot arrays are megabytes at 100,000 packages; these fit a core's cache): visited by a
    // posting (its word's value is final), a name prefix not yet visited, its closeness computed.
    const { visitedBits, takenBits, nearBits } = this;
    visitedBits.fill(0);
    takenBits.fill(0);
    if (closeness) nearBits.fill(0);
    const k = query.offset + query.limit;
    const buckets: Array<{ slots: Int32Array; value: number; named: boolean }> = [];
    for (const [term, quality] of expansions) {
      const lists = this.byWeightOf(term);
      for (let weight = 3; weight >= 0; weight--) if (lists[weight]!.length > 0) buckets.push({ slots: lists[weight]!, value: quality * WEIGHTS[weight]!, named: weight === 3 });
    }
    buckets.sort((a, b) => b.value - a.value);
    let lastNamed = -1;
    if (closeness) for (let b = 0; b < buckets.length; b++) if (buckets[b]!.named) lastNamed = b;

    const candidates: number[] = [];
    const name = query.name;
    const exactSlot = name === '' ? undefined : this.slotOf.get(name);
    const nameMask = closeness ? letterMask(name) : 0;
    let prefixes = 0;
    if (name !== '') {
      for (let at = this.nameLowerBound(name); at < this.names.length && prefixes < MAX_NAME_PREFIXES; at++, prefixes++) {
        const canonical = this.names[at]!;
        if (!canonical.startsWith(name)) break;
        const slot = this.nameSlots[at]!;
        takenBits[slot >>> 5]! |= 1 << (slot & 31);
        scores[slot] = 0;
        near[slot] = 0;
        candidates.push(slot);
      }
    }
    // The most a name prefix adds to a slot other than the exact name (whose name is longer than the query's): it
    // counts in the bound while a name prefix has not been visited (a name that starts with the word mostly has a
    // part that is the word or starts with it, so they are visited with the name matches).
    const prefixBound = 0.3 + (0.3 * name.length) / (name.length + 1);
    let unvisitedPrefixes = prefixes;
    let count = candidates.length;
    let visited = 0;
    let b = 0;
    for (; b < buckets.length; b++) {
      const { slots, value, named } = buckets[b]!;
      if (b > lastNamed && b > 0 && visited >= k && buckets[b - 1]!.value > value + (unvisitedPrefixes > 0 ? prefixBound : 0)) break;
      const close = closeness && named;
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i]!;
        const word = slot >>> 5;
        const bit = 1 << (slot & 31);
        if ((visitedBits[word]! & bit) !== 0) {
          // Scored from a higher value without a name match: closeness now (once).
          if (close && (nearBits[word]! & bit) === 0) {
            nearBits[word]! |= bit;
            near[slot] = this.closenessOf(slot, name, nameMask, query.maxEdits, exactSlot);
          }
          continue;
        }
        if ((takenBits[word]! & bit) !== 0) {
          visitedBits[word]! |= bit;
          scores[slot] = value;
          visited++;
          unvisitedPrefixes--;
        } else if ((aliveBits[word]! & bit) !== 0) {
          visitedBits[word]! |= bit;
          scores[slot] = value;
          near[slot] = 0;
          candidates.push(slot);
          visited++;
          count++;
        } else continue;
        if (close) {
          nearBits[word]! |= bit;
          near[slot] = this.closenessOf(slot, name, nameMask, query.maxEdits, exactSlot);
        }
      }
    }
    // The rest is counted, not scored: total is capped at maxResults.
    for (; b < buckets.length && count < this.maxResults; b++) {
      const { slots } = buckets[b]!;
      for (let i = 0; i < slots.length && count < this.maxResults; i++) {
        const slot = slots[i]!;
        const word = slot >>> 5;
        const bit = 1 << (slot & 31);
        if (((visitedBits[word]! | takenBits[word]!) & bit) === 0 && (aliveBits[word]! & bit) !== 0) {
          visitedBits[word]! |= bit;
          count++;
        }
      }
    }
    for (let i = 0; i < prefixes; i++) {
      const slot = candidates[i]!;
      // Added as the general path adds it (the same rounding: equal scores stay equal).
      scores[slot] = scores[slot]! + (0.3 + (0.3 * name.length) / nameLengths[slot]!);
    }
    if (closeness) for (const slot of candidates) scores[slot] = settled(scores[slot]! + near[slot]!);
    else for (const slot of candidates) scores[slot] = settled(scores[slot]!);
    const total = Math.min(count, this.maxResults);
    const end = Math.min(total, k);
    if (query.offset >= total) return { rows: [], total, json: [], ids: [] };
    const page = this.mostRelevant(candidates, candidates.length, (i) => scores[candidates[i]!]!, end, exactSlot).slice(query.offset, end);
    return this.page(page, total);
  }

  /**
   * The first k of the first `n` of `slots` by relevance (the exact name, then `score` of each one's place in the list,
   * recent downloads, name), as slots, sorted. Recent downloads are read only when two scores tie: most slots are told
   * apart by score alone, and each read is a cache miss at 100,000 packages.
   */
  private mostRelevant(slots: ArrayLike<number>, n: number, score: (i: number) => number, k: number, exactSlot: number | undefined): number[] {
    if (k <= 0 || n === 0) return [];
    // Each candidate's score and recent downloads are read once, into arrays of their own, and compared there: the
    // comparisons of a selection (about 150 for 60 candidates and a page of 20) read a candidate's numbers several
    // times each, which from the per-slot arrays were a cache miss apiece at 100,000 packages. Recent downloads are
    // read only for the candidates that reach the selection (NaN until then).
    this.rankRoom(n);
    const { rankScore, rankRecent, recent } = this;
    const exact = exactSlot === undefined ? -1 : exactSlot;
    let exactAt = -1;
    for (let i = 0; i < n; i++) {
      rankScore[i] = score(i);
      rankRecent[i] = NaN;
      if (slots[i] === exact) exactAt = i;
    }
    const recentAt = (i: number): number => {
      let value = rankRecent[i]!;
      if (value !== value) {
        value = recent[slots[i]!]!;
        rankRecent[i] = value;
      }
      return value;
    };
    // The slot at i ranks before the slot at j.
    const before = (i: number, j: number): boolean => {
      if (i === exactAt) return true;
      if (j === exactAt) return false;
      const x = rankScore[i]!;
      const y = rankScore[j]!;
      if (x !== y) return x > y;
      const ra = recentAt(i);
      const rb = recentAt(j);
      if (ra !== rb) return ra > rb;
      return this.compareNames(slots[i]!, slots[j]!) < 0;
    };
    return topIndices(n, k, before, (i) => i === exactAt, (i) => rankScore[i]!).map((i) => slots[i]!);
  }

  /** Room for `n` candidates in mostRelevant's arrays. */
  private rankRoom(n: number): void {
    if (n <= this.rankScore.length) return;
    let size = this.rankScore.length;
    while (size < n) size *= 2;
    this.rankScore = new Float64Array(size);
    this.rankRecent = new Float64Array(size);
  }

  private compareNames(a: number, b: number): number {
    const x = this.stored[a]!.name;
    const y = this.stored[b]!.name;
    return x < y ? -1 : x > y ? 1 : 0;
  }

  /**
   * The page: the packages' JSON (kept with their documents) and their summaries, made only when asked for (the API
   * sends the JSON; other callers read rows), from the documents and numbers as they were when the page was found.
   */
  private page(slots: number[], total: number): IndexPage {
    const docs: Stored[] = [];
    const json: string[] = [];
    for (const slot of slots) {
      const doc = this.stored[slot]!;
      docs.push(doc);
      json.push(doc.json);
    }
    return new FoundPage(total, json, docs);
  }
}

/**
 * A page the index found: each package's JSON, and its summary row made only when read (the API sends the JSON). A
 * class rather than an object literal with a getter, which cost 1-1.5 µs a search to make (a closure and an accessor
 * per page).
 */
class FoundPage implements IndexPage {
  private made: PackageSummaryRow[] | undefined;

  constructor(
    readonly total: number,
    readonly json: string[],
    private readonly docs: Stored[],
  ) {}

  get rows(): PackageSummaryRow[] {
    return (this.made ??= this.docs.map(summaryOf));
  }

  get ids(): string[] {
    return this.docs.map((doc) => doc.id);
  }
}

/** A package's summary row, made anew (callers may change it). */
function summaryOf(doc: Stored): PackageSummaryRow {
  return {
    id: doc.id,
    name: doc.name,
    description: doc.description,
    homepage: doc.homepage,
    repository: doc.repository,
    documentation: doc.documentation,
    license: doc.license,
    keywords: [...doc.keywords],
    categories: [...doc.categories],
    owners: [...doc.owners],
    latest_version: doc.latestVersion,
    downloads: doc.downloads,
    created_at: new Date(doc.created),
    updated_at: new Date(doc.updated),
  };
}

/**
 * A score as ranked: to nine decimals. Words are added rarest first, so two packages that match a query's words
 * equally can get sums a last bit apart (1 + 0.2 + 0.2 against 0.2 + 1 + 0.2); rounded, they tie, and recent
 * downloads order them.
 */
function settled(score: number): number {
  return Math.round(score * 1e9) / 1e9;
}

/** A term's postings to read: the packed copy for a common term (made now if need be), else the array. */
function postingsOf(term: Term): ArrayLike<number> {
  if (term.postings.length < PACKED_POSTINGS) return term.postings;
  return (term.packed ??= Int32Array.from(term.postings));
}

/** Sets the bit of each posting's slot. */
function markPostings(bits: Int32Array, postings: ArrayLike<number>): void {
  for (let i = 0; i < postings.length; i++) {
    const slot = postings[i]! >>> 2;
    bits[slot >>> 5]! |= 1 << (slot & 31);
  }
}

/** A package's recent downloads as the index keeps them (Uint32Array: capped at 2^32 - 1). */
function recentOf(row: IndexRow): number {
  return Math.min(0xffffffff, Math.max(0, Number(row.recent_downloads)));
}

/** Whether a slot holds a package, by the bitset of live slots. */
function isAlive(bits: Int32Array, slot: number): boolean {
  return (bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
}

/** How many postings a word's terms have. */
function postingCount(expansions: Array<[Term, number]>): number {
  let total = 0;
  for (const [term] of expansions) total += term.postings.length;
  return total;
}

/** A slot's weight code in a term's bitset (Term.dense), or -1 when the term does not have the slot. */
function weightIn(dense: Int32Array, slot: number): number {
  const at = (slot >>> 5) * 3;
  if (at >= dense.length) return -1;
  const bit = 1 << (slot & 31);
  if ((dense[at]! & bit) === 0) return -1;
  return (dense[at + 1]! & bit ? 2 : 0) | (dense[at + 2]! & bit ? 1 : 0);
}

/** The first position in sorted[from, to) holding at least `target`, given sorted[from] < target: doubling steps, then bisection. */
function gallop(sorted: ArrayLike<number>, from: number, to: number, target: number): number {
  let below = from; // sorted[below] < target
  let step = 1;
  let at = from + 1;
  while (at < to && sorted[at]! < target) {
    below = at;
    step *= 2;
    at = below + step;
  }
  let lo = below + 1;
  let hi = Math.min(at, to);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The first k of the items 0 … n-1 in `before` order, sorted: a bounded heap, with the comparison written out by the
 * caller over typed arrays, for it runs once per match of a common word (thousands at 100,000 packages). Most items
 * score below the last of the best k so far and are told apart by one comparison of `score` (the exact name, which
 * ranks first whatever its score, aside).
 */
function topIndices(n: number, k: number, before: (a: number, b: number) => boolean, isExact: (i: number) => boolean, score: (i: number) => number): number[] {
  const heap: number[] = []; // heap[0] ranks last among the best k so far
  let at = 0;
  for (; at < n && heap.length < k; at++) {
    let i = heap.length;
    heap.push(at);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[parent]!, heap[i]!)) break;
      const swap = heap[i]!;
      heap[i] = heap[parent]!;
      heap[parent] = swap;
      i = parent;
    }
  }
  let floor = heap.length > 0 && !isExact(heap[0]!) ? score(heap[0]!) : Infinity;
  for (; at < n; at++) {
    if (score(at) < floor && !isExact(at)) continue;
    if (!before(at, heap[0]!)) continue;
    // Sift the newcomer down from the root.
    let i = 0;
    const size = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      const child = r < size && before(heap[l]!, heap[r]!) ? r : l;
      // The worse child moves up while the newcomer ranks before it.
      if (before(at, heap[child]!)) {
        heap[i] = heap[child]!;
        i = child;
      } else break;
    }
    heap[i] = at;
    floor = !isExact(heap[0]!) ? score(heap[0]!) : Infinity;
  }
  return heap.sort((a, b) => (a === b ? 0 : before(a, b) ? -1 : 1));
}

/** The first k of `items` in `compare` order, sorted (a bounded max-heap when k is much smaller than the list). */
function topK(items: number[], k: number, compare: (a: number, b: number) => number): number[] {
  if (k <= 0) return [];
  if (k * 4 >= items.length) return [...items].sort(compare).slice(0, k);
  // heap[0] is the worst of the best k so far.
  const heap: number[] = [];
  const worse = (a: number, b: number) => compare(a, b) > 0;
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!worse(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && worse(heap[l]!, heap[top]!)) top = l;
      if (r < heap.length && worse(heap[r]!, heap[top]!)) top = r;
      if (top === i) return;
      [heap[i], heap[top]] = [heap[top]!, heap[i]!];
      i = top;
    }
  };
  for (const item of items) {
    if (heap.length < k) {
      heap.push(item);
      up(heap.length - 1);
    } else if (compare(item, heap[0]!) < 0) {
      heap[0] = item;
      down(0);
    }
  }
  return heap.sort(compare);
}
