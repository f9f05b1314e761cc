// Error reports to Sentry when SENTRY_DSN is set: unexpected server errors (what the error handler answers with 500
// internal_error; 4xx, 503 for a backend that is down and other expected answers are not reported), failures of
// background jobs, and uncaught exceptions and unhandled rejections of `serve`. @sentry/node is loaded with a dynamic
// import only then: without a DSN not one of its modules is imported.
//
// Nothing that could be a credential is sent: request headers (Authorization, Cookie ...), cookies, bodies and query
// strings are removed from every event before it leaves (beforeSend), user IP addresses are not collected, and
// bearer tokens, API tokens and URL credentials are masked wherever they appear in messages. Tracing, breadcrumbs
// and automatic instrumentation are off: only errors are reported.
import type { FastifyRequest } from 'fastify';
import type { ErrorEvent, EventHint } from '@sentry/node';
import { redactUrl, type Logger } from './logger.js';

type Sentry = typeof import('@sentry/node');

let started: { dsn: string; sentry: Promise<Sentry | null> } | undefined;

const SECRETS: Array<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
  [/\bsounio_[0-9A-Za-z]{8,}/g, 'sounio_[REDACTED]'],
  // user:password@ in URLs (a database or Redis URL in a connection error)
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]+@/gi, '$1[REDACTED]@'],
];

/** `text` with bearer/basic credentials, API tokens and URL passwords replaced. */
export function maskSecrets(text: string): string {
  return SECRETS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Removes whatever could carry a credential from an event; exported for the tests of this module. */
export function scrubEvent<T extends ErrorEvent>(event: T): T {
  if (event.request !== undefined) {
    const { method, url } = event.request;
    event.request = { ...(method !== undefined && { method }), ...(url !== undefined && { url: redactUrl(url).split('?')[0] }) };
  }
  if (event.user !== undefined) event.user = event.user.id !== undefined ? { id: event.user.id } : {};
  delete event.breadcrumbs;
  if (event.message !== undefined) event.message = maskSecrets(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value !== undefined) exception.value = maskSecrets(exception.value);
  }
  return event;
}

async function load(dsn: string, logger: Logger, release: string | undefined): Promise<Sentry | null> {
  try {
    const sentry = await import('@sentry/node');
    sentry.init({
      dsn,
      ...(release !== undefined && { release }),
      environment: process.env['NODE_ENV'] === 'production' ? 'production' : 'development',
      sendDefaultPii: false,
      // Errors only: no tracing, no OpenTelemetry, no loader hooks, no breadcrumbs of outgoing requests or logs.
      skipOpenTelemetrySetup: true,
      registerEsmLoaderHooks: false,
      maxBreadcrumbs: 0,
      defaultIntegrations: false,
      integrations: [
        sentry.eventFiltersIntegration(),
        sentry.functionToStringIntegration(),
        sentry.linkedErrorsIntegration(),
        sentry.dedupeIntegration(),
        sentry.nodeContextIntegration(),
        sentry.contextLinesIntegration(),
        sentry.onUncaughtExceptionIntegration(),
        // Both end the process as Node would without them, once the report is sent.
        sentry.onUnhandledRejectionIntegration({ mode: 'strict' }),
      ],
      beforeSend: (event: ErrorEvent, _hint: EventHint) => scrubEvent(event),
    });
    logger.info('error reports go to Sentry (SENTRY_DSN)');
    return sentry;
  } catch (error) {
    logger.error({ err: error }, 'could not start error reporting to Sentry; errors are only logged');
    return null;
  }
}

/**
 * Loads and starts the Sentry client once per process when `dsn` is set (later calls return the same client);
 * resolves to whether reports are sent. `serve` calls it at start; the error handler calls it on first use.
 */
export async function startErrorReporting(dsn: string | undefined, logger: Logger, release?: string): Promise<boolean> {
  if (dsn === undefined) return false;
  if (started === undefined) started = { dsn, sentry: load(dsn, logger, release) };
  else if (started.dsn !== dsn) logger.warn('error reporting is started with another SENTRY_DSN already; keeping the first');
  return (await started.sentry) !== null;
}

function capture(dsn: string | undefined, logger: Logger, error: unknown, context: { tags: Record<string, string>; contexts?: Record<string, Record<string, unknown>> }): void {
  if (dsn === undefined) return;
  void startErrorReporting(dsn, logger).then(async () => {
    const sentry = await started?.sentry;
    sentry?.captureException(error, { tags: context.tags, ...(context.contexts && { contexts: context.contexts }) });
  });
}

/** Reports an error a request ended with (the caller decides it was unexpected). Never throws, never waits. */
export function reportRequestError(dsn: string | undefined, logger: Logger, error: unknown, request: FastifyRequest): void {
  const route = request.routeOptions.url;
  capture(dsn, logger, error, {
    tags: { kind: 'request', request_id: String(request.id), ...(route !== undefined && { route }) },
    contexts: { http: { method: request.method, ...(route !== undefined && { route }), url: redactUrl(request.url).split('?')[0] } },
  });
}

/** Reports the failure of a background job. Never throws, never waits. */
export function reportJobError(dsn: string | undefined, logger: Logger, error: unknown, job: string): void {
  capture(dsn, logger, error, { tags: { kind: 'job', job } });
}

/**
 * Reports the failures the job runner logs (`{ err, job }` at level error, jobs/runner.ts) by watching `logger`'s
 * error method: the runner catches a failed job and logs it, so this is where a failure is seen.
 */
export function reportJobFailures(dsn: string | undefined, logger: Logger): void {
  if (dsn === undefined) return;
  const original = logger.error;
  const watched = function (this: Logger, ...args: unknown[]) {
    const first = args[0] as { err?: unknown; job?: unknown } | null | undefined;
    if (typeof first === 'object' && first !== null && first.err instanceof Error && typeof first.job === 'string') {
      reportJobError(dsn, logger, first.err, first.job);
    }
    return (original as (...rest: unknown[]) => void).apply(this, args);
  };
  logger.error = watched as Logger['error'];
}
