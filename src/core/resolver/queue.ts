// The packages waiting for a decision, best first:
// 1. the most often involved in conflicts so far (as uv does, and SAT solvers' VSIDS): deciding them early makes
//    the next conflict about them show up close to its cause, so backjumping discards little work;
// 2. the fewest candidate versions (a package that must fail fails soonest);
// 3. virtual packages before real ones (a feature then pins its package's version, rather than the package
//    pinning a version that lacks the feature);
// 4. by name, which makes the order total and the result deterministic.
// A binary heap with lazy deletion: an update pushes a fresh entry and outdates the older ones, which are dropped
// when they reach the top; so a decision costs O(log n) rather than a scan of every package.
import type { PackageRef } from './packages.js';

interface Entry {
  readonly pkg: PackageRef;
  readonly conflicts: number;
  readonly count: number;
  /** Matches the package's latest stamp while the entry is current. */
  readonly stamp: number;
}

export class DecisionQueue {
  private readonly heap: Entry[] = [];
  private readonly stamps = new Map<PackageRef, number>();
  private nextStamp = 0;

  /** Records the package's current conflict and candidate counts, replacing any earlier entry. */
  update(pkg: PackageRef, conflicts: number, count: number): void {
    const stamp = ++this.nextStamp;
    this.stamps.set(pkg, stamp);
    this.heap.push({ pkg, conflicts, count, stamp });
    this.siftUp(this.heap.length - 1);
  }

  /** The best package that is current and still `pending`, or null when none is left. */
  best(pending: (pkg: PackageRef) => boolean): PackageRef | null {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (this.stamps.get(top.pkg) === top.stamp && pending(top.pkg)) return top.pkg;
      this.removeTop();
    }
    return null;
  }

  private removeTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftUp(index: number): void {
    const { heap } = this;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index]!, heap[parent]!)) return;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
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
      [heap[index], heap[best]] = [heap[best]!, heap[index]!];
      index = best;
    }
  }
}

function before(a: Entry, b: Entry): boolean {
  if (a.conflicts !== b.conflicts) return a.conflicts > b.conflicts;
  if (a.count !== b.count) return a.count < b.count;
  const aVirtual = a.pkg.kind !== 'real';
  if (aVirtual !== (b.pkg.kind !== 'real')) return aVirtual;
  if (a.pkg !== b.pkg) return a.pkg.id < b.pkg.id;
  return a.stamp > b.stamp; // the same package: the newest entry first, so the current one surfaces
}
