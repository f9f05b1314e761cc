// Flushes counted downloads into the database every few seconds, and once more when the process stops.
import { flushDownloads } from '../services/downloads.js';
import type { Job } from './runner.js';

const FINAL_FLUSH_ATTEMPTS = 3;

export const downloadFlushJob: Job = {
  name: 'download-flush',
  intervalMs: 5000,
  // Not exclusive: draining is atomic, so several processes may flush at once without counting twice.
  exclusive: false,
  run: async (ctx) => {
    await flushDownloads(ctx);
  },
  // The last chance for the counts buffered in this process: a failed attempt (the counts stay pending) is retried.
  onStop: async (ctx) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await flushDownloads(ctx);
        return;
      } catch (error) {
        if (attempt === FINAL_FLUSH_ATTEMPTS) throw error;
        ctx.logger.warn({ err: error }, `final download flush failed (attempt ${attempt} of ${FINAL_FLUSH_ATTEMPTS}); retrying`);
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  },
};
