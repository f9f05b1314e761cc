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
