// The search index's own thread: the SearchIndex (search-index.ts) of a process lives here, and the process talks to
// it through search-index-remote.ts. A search at 100,000 packages costs the index about 100 µs of CPU; in the thread
// that answers HTTP it held every other request back that long, and the rest of a request's work (parsing, routing,
// writing the answer) pushed the index's arrays out of the core's caches, so the same search cost twice what it
// costs alone. Here it runs beside the HTTP thread, on another core where there is one, with its data to itself.
//
// Each message is a list of operations (ToIndexThread), applied in order: changes before a later search reads. The
// process gathers what one turn of its event loop asks into one message, and the answers to a message go back in one
// (FromIndexThread[]): under load a message carries several searches, and neither thread is woken for each.
import { parentPort, workerData } from 'node:worker_threads';
import type { IndexRow } from '../db/search.js';
import { SearchIndex, type IndexQuery } from './search-index.js';

/** Terms prepared per turn of this thread's loop after a build (searches are answered between turns). */
const PREPARE_TERMS = 200;

export type ToIndexThread =
  /** Packages to add or replace (rows) and to take out (canonical names), in the order they were applied. */
  | { op: 'changes'; changes: Array<IndexRow | string> }
  /** The first build's rows are all sent: sort once, answer with the index's size, then prepare common terms. */
  | { op: 'built'; id: number }
  | { op: 'search'; id: number; query: IndexQuery }
  | { op: 'stats'; id: number };

export type FromIndexThread =
  /** A page: its packages' ids and their Package JSON, each joined with commas (one string crosses for less than many). */
  | { id: number; total: number; ids: string; packages: string }
  | { id: number; packages: number; bytes: number }
  | { id: number; error: string };

export interface IndexThreadData {
  maxResults: number;
}

const port = parentPort;
if (port !== null) {
  const index = new SearchIndex((workerData as IndexThreadData).maxResults);
  index.bulk = true;
  let preparing = false;
  const prepare = (from: number): void => {
    const next = index.prepareTerms(from, PREPARE_TERMS);
    if (next >= 0) setImmediate(prepare, next);
    else preparing = false;
  };
  const answer = (message: ToIndexThread, replies: FromIndexThread[]): void => {
    const reply = (answer: FromIndexThread): void => void replies.push(answer);
    switch (message.op) {
      case 'changes':
        for (const change of message.changes) {
          if (typeof change === 'string') index.remove(change);
          else index.upsert(change);
        }
        return;
      case 'built':
        index.bulk = false;
        index.sortIfNeeded();
        reply({ id: message.id, packages: index.size, bytes: index.estimateBytes() });
        if (!preparing) {
          preparing = true;
          setImmediate(prepare, 0);
        }
        return;
      case 'stats':
        reply({ id: message.id, packages: index.size, bytes: index.estimateBytes() });
        return;
      case 'search':
        try {
          const page = index.search(message.query);
          reply({ id: message.id, total: page.total, ids: page.ids.join(','), packages: page.json.join(',') });
        } catch (error) {
          reply({ id: message.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        }
        return;
    }
  };

  port.on('message', (messages: ToIndexThread[]) => {
    const replies: FromIndexThread[] = [];
    for (const message of messages) answer(message, replies);
    if (replies.length > 0) port.postMessage(replies);
  });
}
