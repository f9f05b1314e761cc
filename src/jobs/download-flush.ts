// Flushes counted downloads into the database every few seconds, and once more when the process stops.
import { flushDownloads } from '../services/downloads.js';
import type { Job } from './runner.js';

export const downloadFlushJob: Job = {
  name: 'download-flush',
  intervalMs: 5000,
  // Not exclusive: draining is atomic, so several processes may flush at once without counting twice.
  exclusive: false,
  run: async (ctx) => {
    await flushDownloads(ctx);
  },
  onStop: async (ctx) => {
    await flushDownloads(ctx);
  },
};
