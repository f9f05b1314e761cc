// Security headers (helmet), computed once. @fastify/helmet builds a helmet middleware for every request, parsing
// the Content-Security-Policy directives each time: measurable on the hot GETs (see bench/RESULTS.md). Our headers
// do not depend on the request (no nonces), so helmet runs once here against a recording response and the app sets
// the recorded headers with one call per request. Routes that need their own policy (Swagger UI, raw README
// previews) set it in their handler, which overrides these.
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

export function staticSecurityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
      return recorder;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
    getHeader(name: string) {
      return headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined && failure !== null) throw failure;
  return headers;
}
