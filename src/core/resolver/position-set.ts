// The sets of versions the solver reasons in: subsets of one package's published versions, kept as bit sets over
// their positions in its version list (ascending precedence). A solve only ever chooses among published versions,
// so a requirement matters only through the published versions it allows: `^1.2` and `>=1.2.0, <1.4.0` are the
// same set when nothing between 1.4.0 and 2.0.0 is published. Reasoning on positions makes every set operation a
// few word operations, makes equal sets one shared object (so the solver can compare and cache by identity), and
// spares conflicts about the gaps between versions (`x >=3.3.0, <3.3.1`, where nothing is published).
//
// Each set may carry a label, the text it was made from (a requirement as the user wrote it, `^1.2`, or a range of
// versions, `>=1.2.0, <2.0.0`): explanations print it. Operations whose result equals an operand return that
// operand, label included. Unlabelled sets print as ranges between published versions (`>=1.1.0, <1.4.2`, or
// `1.2.0` for a single version), so an explanation never shows bounds nobody wrote.
import { versionKey, type Version } from '../version.js';

/** Bits per word: 30 keeps every word a small integer, which V8 stores and compares fastest. */
export const BITS = 30;
const WORD = (1 << BITS) - 1;

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A package's published versions, ascending: the universe its sets are drawn from, and where they are made. */
export class VersionList {
  readonly size: number;
  /** Words per set. */
  readonly words: number;
  /** The bits of the last word that stand for versions. */
  private readonly lastMask: number;
  readonly empty: PositionSet;
  readonly full: PositionSet;
  /** Unlabelled sets of a one-word list, by their word. */
  private readonly interned = new Map<number, PositionSet>();
  /** Unlabelled sets of a longer list, by a hash of their words (no key string to make for each set looked up). */
  private readonly hashed = new Map<number, PositionSet[]>();
  private readonly exacts: Array<PositionSet | undefined> = [];

  constructor(readonly versions: readonly Version[]) {
    this.size = versions.length;
    this.words = Math.ceil(this.size / BITS);
    const rest = this.size % BITS;
    this.lastMask = rest === 0 ? WORD : (1 << rest) - 1;
    const none: number[] = new Array<number>(this.words).fill(0);
    const all = none.map((_, i) => (i === this.words - 1 ? this.lastMask : WORD));
    this.empty = this.make(none);
    this.full = this.make(all);
  }

  /** The unlabelled set of a one-word list with this word. */
  makeWord(word: number): PositionSet {
    let set = this.interned.get(word);
    if (set === undefined) {
      set = new PositionSet(this, [word], null, null);
      this.interned.set(word, set);
    }
    return set;
  }

  /** The unlabelled set with these bits: one shared object per set of positions. */
  make(words: number[]): PositionSet {
    if (words.length === 1) return this.makeWord(words[0]!);
    let hash = 0;
    for (let i = 0; i < words.length; i++) hash = (Math.imul(hash, 0x9e3779b1) + words[i]!) | 0;
    let bucket = this.hashed.get(hash);
    if (bucket === undefined) {
      bucket = [];
      this.hashed.set(hash, bucket);
    }
    for (const set of bucket) if (sameWords(set.bits, words)) return set;
    const set = new PositionSet(this, words, null, null);
    bucket.push(set);
    return set;
  }

  /** The set of the positions for which `holds` is true, printed as `label` (when given). */
  where(holds: (position: number) => boolean, label: string | null = null, full: boolean | null = null): PositionSet {
    return this.collect(
      (add) => {
        for (let position = 0; position < this.size; position++) if (holds(position)) add(position);
      },
      label,
      full,
    );
  }

  /** The set of the positions `fill` adds, printed as `label` (when given). */
  collect(fill: (add: (position: number) => void) => void, label: string | null = null, full: boolean | null = null): PositionSet {
    const words = new Array<number>(this.words).fill(0);
    fill((position) => {
      words[(position / BITS) | 0]! |= 1 << position % BITS;
    });
    return label === null ? this.make(words) : new PositionSet(this, words, label, full);
  }

  /** Positions `low` to `high`, both included, printed as `label`: a word at a time. */
  range(low: number, high: number, label: string | null): PositionSet {
    const words = new Array<number>(this.words).fill(0);
    for (let w = Math.max(0, (low / BITS) | 0); w <= Math.min(this.words - 1, (high / BITS) | 0); w++) {
      const from = Math.max(0, low - w * BITS);
      const to = Math.min(BITS - 1, high - w * BITS, this.size - 1 - w * BITS);
      if (from <= to) words[w] = (to === BITS - 1 ? WORD : (1 << (to + 1)) - 1) & ~((1 << from) - 1);
    }
    return label === null ? this.make(words) : new PositionSet(this, words, label, null);
  }

  /** The set holding just the version at `position`, printed as the version. */
  exact(position: number): PositionSet {
    let set = this.exacts[position];
    if (set === undefined) {
      const words = new Array<number>(this.words).fill(0);
      words[(position / BITS) | 0] = 1 << position % BITS;
      set = new PositionSet(this, words, versionKey(this.versions[position]!), null);
      this.exacts[position] = set;
    }
    return set;
  }

  /** Whether `words` has every version. */
  isAll(words: readonly number[]): boolean {
    if (this.size === 0) return false;
    for (let i = 0; i < words.length - 1; i++) if (words[i] !== WORD) return false;
    return words[words.length - 1] === this.lastMask;
  }

  complementWords(words: readonly number[]): number[] {
    const result = new Array<number>(words.length);
    for (let i = 0; i < words.length; i++) result[i] = ~words[i]! & (i === words.length - 1 ? this.lastMask : WORD);
    return result;
  }
}

export class PositionSet {
  constructor(
    readonly list: VersionList,
    /** Bit `p % 30` of word `p / 30` stands for the version at position p. */
    readonly bits: readonly number[],
    /** What to print; null to describe the versions. */
    readonly label: string | null,
    /** For a labelled set, whether it means "any version" (`*` of a package without pre-releases is not printed so). */
    private readonly declaredFull: boolean | null,
  ) {}

  has(position: number): boolean {
    return ((this.bits[(position / BITS) | 0] ?? 0) & (1 << position % BITS)) !== 0;
  }

  isEmpty(): boolean {
    const { bits } = this;
    for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) return false;
    return true;
  }

  /** Whether it holds every version: a set of a package with no versions never does, unless made from `*`. */
  isFull(): boolean {
    return this.declaredFull ?? this.list.isAll(this.bits);
  }

  count(): number {
    let total = 0;
    for (const word of this.bits) total += popcount(word);
    return total;
  }

  /** The number of versions in both sets. */
  countWithin(other: PositionSet): number {
    const a = this.bits;
    const b = other.bits;
    let total = 0;
    for (let i = 0; i < a.length; i++) total += popcount(a[i]! & b[i]!);
    return total;
  }

  /** The highest position in both sets, or -1. */
  highestWithin(other: PositionSet): number {
    const a = this.bits;
    const b = other.bits;
    for (let i = a.length - 1; i >= 0; i--) {
      const word = a[i]! & b[i]!;
      if (word !== 0) return i * BITS + 31 - Math.clz32(word);
    }
    return -1;
  }

  /** The positions, highest first. */
  positions(): number[] {
    const result: number[] = [];
    for (let i = this.bits.length - 1; i >= 0; i--) {
      let word = this.bits[i]!;
      while (word !== 0) {
        const bit = 31 - Math.clz32(word);
        result.push(i * BITS + bit);
        word &= ~(1 << bit);
      }
    }
    return result;
  }

  union(other: PositionSet): PositionSet {
    const a = this.bits;
    const b = other.bits;
    if (a.length === 1) return this.pick(other, a[0]! | b[0]!);
    return this.pickWords(other, a.map((word, i) => word | b[i]!));
  }

  intersection(other: PositionSet): PositionSet {
    const a = this.bits;
    const b = other.bits;
    if (a.length === 1) return this.pick(other, a[0]! & b[0]!);
    return this.pickWords(other, a.map((word, i) => word & b[i]!));
  }

  difference(other: PositionSet): PositionSet {
    const a = this.bits;
    const b = other.bits;
    if (a.length === 1) return this.pick(other, a[0]! & ~b[0]!);
    return this.pickWords(other, a.map((word, i) => word & ~b[i]!));
  }

  complement(): PositionSet {
    return this.list.make(this.list.complementWords(this.bits));
  }

  isSubsetOf(other: PositionSet): boolean {
    if (this === other) return true;
    const a = this.bits;
    const b = other.bits;
    for (let i = 0; i < a.length; i++) if ((a[i]! & ~b[i]!) !== 0) return false;
    return true;
  }

  isDisjointFrom(other: PositionSet): boolean {
    const a = this.bits;
    const b = other.bits;
    for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return false;
    return true;
  }

  /** Whether both hold the same versions (labels aside). */
  equals(other: PositionSet): boolean {
    if (this === other) return true;
    const a = this.bits;
    const b = other.bits;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /**
   * The label when there is one; otherwise `any`, `none`, or the runs of consecutive versions it holds, each as a
   * version (`1.2.0`) or as bounds between published versions (`>=1.1.0, <1.4.2`, `<2.0.0`, `>=3.0.0`), joined
   * with `or`.
   */
  toString(): string {
    if (this.label !== null) return this.label;
    if (this.isFull()) return 'any';
    if (this.isEmpty()) return 'none';
    const { versions, size } = this.list;
    const runs: string[] = [];
    for (let position = 0; position < size; position++) {
      if (!this.has(position)) continue;
      const low = position;
      while (position + 1 < size && this.has(position + 1)) position++;
      runs.push(describeRun(versions, low, position));
    }
    return runs.join(' or ');
  }

  /** A result equal to an operand is that operand, so its label survives. */
  private pick(other: PositionSet, word: number): PositionSet {
    if (word === this.bits[0]) return this;
    if (word === other.bits[0]) return other;
    return this.list.makeWord(word);
  }

  private pickWords(other: PositionSet, words: number[]): PositionSet {
    if (sameWords(words, this.bits)) return this;
    if (sameWords(words, other.bits)) return other;
    return this.list.make(words);
  }
}

function sameWords(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The versions from position `low` to `high` of `versions`, as the bounds a person would write: from the first of
 * them to the first version after them, unbounded below when they start at the first version and above when they
 * end at the last (as pub's package_lister writes ranges); a single version in the middle is the version itself.
 */
export function describeRun(versions: readonly Version[], low: number, high: number): string {
  if (low === high && versions.length > 1) return versionKey(versions[low]!);
  return describeBounds(low === 0 ? null : versions[low]!, high === versions.length - 1 ? null : versions[high + 1]!);
}

/** `>=1.0.0, <2.0.0`, `<2.0.0`, `>=1.0.0` or `*`. */
export function describeBounds(lower: Version | null, upper: Version | null): string {
  if (lower === null) return upper === null ? '*' : `<${versionKey(upper)}`;
  return upper === null ? `>=${versionKey(lower)}` : `>=${versionKey(lower)}, <${versionKey(upper)}`;
}
