// The packages waiting for a decision, best first:
// 1. the fewest candidate versions (a package that must fail fails soonest);
// 2. virtual packages before real ones (a feature then pins its package's version, rather than the package
//    pinning a version that lacks the feature);
// 3. the first found first (breadth first, as uv decides): a package's dependers, found before it, are then mostly
//    decided before it, so its range already holds their requirements when it is decided. Packages are found in
//    the same order on every run, so the order is total and the result deterministic.
// Tried and dropped (bench/resolver.mjs, every dependency recent at 1,000 packages): the most conflicted packages
// first (as SAT solvers' VSIDS), and the most recently found first (depth first). Either made about a third more
// decisions.
// A binary heap indexed by package: an update moves the package's one entry up or down, so the heap never holds
// more than the packages waiting, and a decision costs O(log n) rather than a scan of every package.
import type { PackageRef } from './packages.js';

interface Entry {
  readonly pkg: PackageRef;
  count: number;
  /** When the package first waited for a decision. */
  readonly found: number;
}

export class DecisionQueue {
  private readonly heap: Entry[] = [];
  /** Each package's entry and its place in the heap (-1 when out of it), by package index. */
  private readonly entries: Array<Entry | undefined> = [];
  private readonly places: number[] = [];
  private found = 0;

  /** Records the package's current candidate count. */
  update(pkg: PackageRef, count: number): void {
    let entry = this.entries[pkg.index];
    if (entry === undefined) {
      entry = { pkg, count, found: this.found++ };
      this.entries[pkg.index] = entry;
      this.places[pkg.index] = -1;
    }
    const place = this.places[pkg.index]!;
    if (place < 0) {
      entry.count = count;
      this.heap.push(entry);
      this.places[pkg.index] = this.heap.length - 1;
      this.siftUp(this.heap.length - 1);
      return;
    }
    if (entry.count === count) return;
    const better = count < entry.count;
    entry.count = count;
    if (better) this.siftUp(place);
    else this.siftDown(place);
  }

  /** The best package that is still `pending`, or null when none is left; the others leave the queue. */
  best(pending: (pkg: PackageRef) => boolean): PackageRef | null {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (pending(top.pkg)) return top.pkg;
      this.removeTop();
    }
    return null;
  }

  private removeTop(): void {
    const top = this.heap[0]!;
    this.places[top.pkg.index] = -1;
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.places[last.pkg.index] = 0;
    this.siftDown(0);
  }

  private swap(i: number, j: number): void {
    const { heap } = this;
    const a = heap[i]!;
    const b = heap[j]!;
    heap[i] = b;
    heap[j] = a;
    this.places[b.pkg.index] = i;
    this.places[a.pkg.index] = j;
  }

  private siftUp(index: number): void {
    const { heap } = this;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index]!, heap[parent]!)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const { heap } = this;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let best = index;
      if (left < heap.length && before(heap[left]!, heap[best]!)) best = left;
      if (right < heap.length && before(heap[right]!, heap[best]!)) best = right;
      if (best === index) return;
      this.swap(index, best);
      index = best;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  if (a.count !== b.count) return a.count < b.count;
  const aVirtual = a.pkg.kind !== 'real';
  if (aVirtual !== (b.pkg.kind !== 'real')) return aVirtual;
  return a.found < b.found;
}
