// The process's side of the search index's thread (search-index-worker.ts): what search-index-sync.ts keeps
// current and asks. It knows which packages the index holds and at which change number (a map beside the thread's
// copy, so keeping in step never waits for the thread). What one turn of the event loop asks (changes, searches) goes
// over in one message, in order, and the answers come back together (search-index-worker.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { IndexRow, SearchPage } from '../db/search.js';
import type { PackageSummaryRow } from '../db/packages.js';
import type { IndexQuery } from './search-index.js';
import type { FromIndexThread, IndexThreadData, ToIndexThread } from './search-index-worker.js';

/** Changes sent in one message at most (a first build sends a hundred thousand rows). */
const CHANGES_PER_MESSAGE = 1_000;

type Change = IndexRow | string;

/**
 * The thread's script: beside this module once compiled. Run from the TypeScript sources (the tests), the compiled
 * copy of the same source in dist/ (the test setup builds it when stale): a thread cannot load TypeScript.
 */
function threadScript(): URL {
  const here = import.meta.url;
  const script = here.endsWith('.ts') ? new URL('../../dist/services/search-index-worker.js', here) : new URL('./search-index-worker.js', here);
  if (!existsSync(fileURLToPath(script))) throw new Error(`the search index thread's script is missing (${fileURLToPath(script)}): run npm run build`);
  return script;
}

interface Waiting {
  resolve: (message: FromIndexThread) => void;
  reject: (error: Error) => void;
}

/** A page from the thread: its packages' JSON; rows only when asked for (the web pages), made from that JSON. */
class ThreadPage implements SearchPage {
  private made: PackageSummaryRow[] | undefined;

  constructor(
    readonly total: number,
    readonly packagesJson: string,
    private readonly ids: string,
  ) {}

  get rows(): PackageSummaryRow[] {
    return (this.made ??= this.makeRows());
  }

  private makeRows(): PackageSummaryRow[] {
    if (this.packagesJson === '') return [];
    const ids = this.ids.split(',');
    return (JSON.parse(`[${this.packagesJson}]`) as Array<Record<string, unknown> & { created_at: string; updated_at: string }>).map((view, at) => {
      return {
        id: ids[at]!,
        name: view['name'] as string,
        description: (view['description'] as string | undefined) ?? null,
        homepage: (view['homepage'] as string | undefined) ?? null,
        repository: (view['repository'] as string | undefined) ?? null,
        documentation: (view['documentation'] as string | undefined) ?? null,
        license: (view['license'] as string | undefined) ?? null,
        keywords: view['keywords'] as string[],
        categories: view['categories'] as string[],
        owners: view['owners'] as string[],
        latest_version: view['latest_version'] as string,
        downloads: view['downloads'] as number,
        created_at: new Date(view.created_at),
        updated_at: new Date(view.updated_at),
      } satisfies PackageSummaryRow;
    });
  }
}

export class RemoteSearchIndex {
  private readonly worker: Worker;
  private readonly seqs = new Map<string, number>();
  /** What goes in the next message; `changes` is its last 'changes' operation while more may join it. */
  private outbox: ToIndexThread[] = [];
  private changes: Change[] | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private failure: Error | null = null;
  private bytes = 0;
  private statsAsked = 0;
  /** Called once when the thread fails or exits (the catalog then searches in SQL and builds again later). */
  onFailure: (error: Error) => void = () => {};

  constructor(maxResults: number) {
    this.worker = new Worker(threadScript(), { workerData: { maxResults } satisfies IndexThreadData, name: 'search-index' });
    // The thread keeps the process alive only while a request waits for it.
    this.worker.unref();
    this.worker.on('message', (answers: FromIndexThread[]) => {
      for (const answer of answers) this.answered(answer);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('messageerror', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the search index thread exited (code ${code})`)));
  }

  get size(): number {
    return this.seqs.size;
  }

  seqOf(canonical: string): number | undefined {
    return this.seqs.get(canonical);
  }

  has(canonical: string): boolean {
    return this.seqs.has(canonical);
  }

  canonicalNames(): IterableIterator<string> {
    return this.seqs.keys();
  }

  /** Adds or replaces a package (takes it out when it is not available), as SearchIndex.upsert does. */
  upsert(row: IndexRow): void {
    if (!row.available) {
      this.remove(row.canonical_name);
      return;
    }
    this.seqs.set(row.canonical_name, Number(row.search_seq));
    this.queue(row);
  }

  remove(canonical: string): void {
    if (!this.seqs.delete(canonical)) return;
    this.queue(canonical);
  }

  private queue(change: Change): void {
    if (this.failure !== null) return;
    if (this.changes === null) {
      this.changes = [];
      this.send({ op: 'changes', changes: this.changes });
    }
    this.changes.push(change);
    if (this.changes.length >= CHANGES_PER_MESSAGE) this.flush();
  }

  private send(message: ToIndexThread): void {
    if (this.outbox.length === 0) setImmediate(() => this.flush());
    this.outbox.push(message);
  }

  private flush(): void {
    if (this.outbox.length === 0) return;
    const messages = this.outbox;
    this.outbox = [];
    this.changes = null;
    if (this.failure === null) this.worker.postMessage(messages);
  }

  private ask(make: (id: number) => ToIndexThread): Promise<FromIndexThread> {
    if (this.failure !== null) return Promise.reject(this.failure);
    this.changes = null; // later changes follow this question
    const id = this.nextId++;
    if (this.waiting.size === 0) this.worker.ref();
    const answer = new Promise<FromIndexThread>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    this.send(make(id));
    return answer;
  }

  private answered(message: FromIndexThread): void {
    const waiting = this.waiting.get(message.id);
    if (waiting === undefined) return;
    this.waiting.delete(message.id);
    if (this.waiting.size === 0) this.worker.unref();
    if ('error' in message) waiting.reject(new Error(`search index thread: ${message.error}`));
    else waiting.resolve(message);
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.outbox = [];
    this.changes = null;
    for (const waiting of this.waiting.values()) waiting.reject(error);
    this.waiting.clear();
    this.onFailure(error);
  }

  /** The first build's rows are all given: the thread sorts them once and then prepares its common terms. */
  async built(): Promise<void> {
    const answer = await this.ask((id) => ({ op: 'built', id }));
    if ('bytes' in answer) this.bytes = answer.bytes;
  }

  async search(query: IndexQuery): Promise<SearchPage> {
    const answer = await this.ask((id) => ({ op: 'search', id, query }));
    if (!('total' in answer)) throw new Error('search index thread: not a page');
    return new ThreadPage(answer.total, answer.packages, answer.ids);
  }

  /** The memory the index held when last asked (asked again at most once a second, in the background). */
  estimateBytes(): number {
    const now = Date.now();
    if (now - this.statsAsked >= 1_000 && this.failure === null) {
      this.statsAsked = now;
      this.ask((id) => ({ op: 'stats', id })).then(
        (answer) => {
          if ('bytes' in answer) this.bytes = answer.bytes;
        },
        () => {},
      );
    }
    return this.bytes;
  }

  /** Stops the thread (the registry is closing, or this index was replaced). */
  async close(): Promise<void> {
    this.onFailure = () => {};
    this.fail(new Error('the search index was closed'));
    await this.worker.terminate();
  }
}
