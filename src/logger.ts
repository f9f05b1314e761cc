// Structured logs with pino. Credentials never reach a log line: Authorization and Cookie headers, Set-Cookie,
// password/token fields, and token-like query parameters (verification and reset links) are redacted.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from './config.js';

export type Logger = PinoLogger;

const SENSITIVE_QUERY = /([?&](?:token|access_token|password|secret|code|key)=)[^&#]*/gi;

/** The request URL with the values of token-like query parameters replaced. */
export function redactUrl(url: string): string {
  return url.replace(SENSITIVE_QUERY, '$1[REDACTED]');
}

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'token',
  'jwt',
  'secret',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.token',
  '*.jwt',
  '*.secret',
  '*.authorization',
];

interface SerializableRequest {
  method: string;
  url: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  routeOptions?: { url?: string };
}

export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      serializers: {
        req(request: SerializableRequest) {
          return {
            method: request.method,
            url: redactUrl(request.url),
            ...(request.routeOptions?.url !== undefined && { route: request.routeOptions.url }),
            ip: request.ip,
            userAgent: request.headers['user-agent'],
          };
        },
      },
    },
    destination,
  );
}

const LEVEL_METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * A request's logger that becomes a pino child (with the request id bound) only when something is logged at an
 * enabled level. Making a child per request costs more than a hot read's own work, and most requests log nothing.
 */
export function lazyChildLogger(parent: Logger, bindings: Record<string, unknown>, options: Record<string, unknown>): Logger {
  if (Object.keys(options).length > 0) return parent.child(bindings, options);
  let child: Logger | undefined;
  const real = (): Logger => (child ??= parent.child(bindings));
  const lazy: Record<string, unknown> = {
    child: (more: Record<string, unknown>, moreOptions?: Record<string, unknown>) => real().child(more, moreOptions),
    bindings: () => real().bindings(),
    isLevelEnabled: (level: string) => (child ?? parent).isLevelEnabled(level),
    flush: (callback?: (error?: Error) => void) => parent.flush(callback),
    silent: () => {},
  };
  for (const level of LEVEL_METHODS) {
    lazy[level] = (...args: unknown[]) => {
      if (!(child ?? parent).isLevelEnabled(level)) return;
      (real()[level] as (...a: unknown[]) => void)(...args);
    };
  }
  Object.defineProperty(lazy, 'level', {
    get: () => (child ?? parent).level,
    set: (level: string) => {
      real().level = level;
    },
    enumerable: true,
  });
  return lazy as unknown as Logger;
}
