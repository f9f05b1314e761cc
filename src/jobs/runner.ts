// Background jobs of a server process: small, named, idempotent tasks run on an interval. A job that must run once
// across all processes takes a key-value lock for its run (if the store is down, it runs anyway: every job is
// idempotent, so running twice costs work, not correctness). `stop()` waits for a running job and then runs each
// job's final pass (e.g. a last flush at shutdown); it rejects when a final pass failed.
import type { Context } from '../context.js';
import { metricsOf } from '../metrics.js';

export interface Job {
  name: string;
  intervalMs: number;
  /** Take a cluster-wide lock for each run. */
  exclusive: boolean;
  run(ctx: Context): Promise<void>;
  /** Runs once when the process stops (after the last scheduled run); a failure makes the stop fail. */
  onStop?(ctx: Context): Promise<void>;
}

export interface JobRunner {
  /** Runs a job now (tests, admin commands); resolves when it finished. */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function startJobs(ctx: Context, jobs: Job[]): JobRunner {
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const runOnce = async (job: Job): Promise<void> => {
    const previous = running.get(job.name);
    if (previous) return previous; // never two runs of one job in one process
    const run = (async () => {
      let lock = null;
      if (job.exclusive) {
        try {
          lock = await ctx.kv.tryLock(`job:${job.name}`, Math.max(job.intervalMs, 30_000));
          if (lock === null) return; // another process runs it
        } catch {
          // key-value store unreachable: run without the lock
        }
      }
      try {
        await job.run(ctx);
        metricsOf(ctx).jobRuns.inc({ job: job.name, outcome: 'ok' });
      } catch (error) {
        metricsOf(ctx).jobRuns.inc({ job: job.name, outcome: 'failed' });
        ctx.logger.error({ err: error, job: job.name }, `job ${job.name} failed`);
      } finally {
        await lock?.release().catch(() => {});
      }
    })();
    running.set(job.name, run);
    try {
      await run;
    } finally {
      running.delete(job.name);
    }
  };

  for (const job of jobs) {
    const timer = setInterval(() => {
      if (!stopped) void runOnce(job);
    }, job.intervalMs);
    timer.unref();
    timers.push(timer);
  }

  return {
    runNow: async (name) => {
      const job = jobs.find((candidate) => candidate.name === name);
      if (job === undefined) throw new Error(`no job named ${name}`);
      await runOnce(job);
    },
    stop: async () => {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled(running.values());
      const failed: unknown[] = [];
      for (const job of jobs) {
        if (job.onStop === undefined) continue;
        try {
          await job.onStop(ctx);
          metricsOf(ctx).jobRuns.inc({ job: job.name, outcome: 'ok' });
        } catch (error) {
          metricsOf(ctx).jobRuns.inc({ job: job.name, outcome: 'failed' });
          ctx.logger.error({ err: error, job: job.name }, `final run of job ${job.name} failed`);
          failed.push(error);
        }
      }
      // What a final pass did not write is lost with the process: the stop is not a clean one.
      if (failed.length > 0) throw new AggregateError(failed, `${failed.length} final job run(s) failed`);
    },
  };
}
