// Cross-origin access: public GETs under /api/ may be read from any origin, without credentials (a browser tool can
// show a package, search, read the index); nothing else is open cross-origin (no writes, no pages, no cookies).
//
// The policy is two fixed answers, so it is a few lines in the app's first hook (app.ts) rather than a general CORS
// plugin that rebuilds its options on every request (it cost a tenth of a hot read's CPU).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isApiPath } from './errors.js';

const OPEN_METHODS = 'GET, HEAD';
const ALLOWED_HEADERS = ['If-None-Match', 'If-Modified-Since', 'Range', 'Content-Type'];
const EXPOSED_HEADERS = [
  'ETag',
  'Content-Length',
  'Content-Range',
  'X-Checksum-Sha256',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Retry-After',
  'X-Request-Id',
];

/** On an answer to a public GET or HEAD under /api/. */
export const OPEN_CORS_HEADERS = { 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS.join(', ') };

/** On the answer to a preflight for such a request (a browser may remember it for a day). */
const PREFLIGHT_HEADERS = {
  ...OPEN_CORS_HEADERS,
  'access-control-allow-methods': OPEN_METHODS,
  'access-control-allow-headers': ALLOWED_HEADERS.join(', '),
  'access-control-max-age': '86400',
  'content-length': '0',
};

function isOpenMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** Whether the request is a public read under /api/, whose answer any origin may read (OPEN_CORS_HEADERS). */
export function isOpenRead(request: FastifyRequest): boolean {
  return isOpenMethod(request.method) && isApiPath(request.url);
}

/**
 * Answers the preflight of a public API read (204, before authentication and rate limiting, as browsers send
 * preflights without credentials) and returns true. Any other preflight is left to find no route (404, without CORS
 * headers): the browser then refuses the request.
 */
export function answeredPreflight(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'OPTIONS' || request.headers.origin === undefined || !isApiPath(request.url)) return false;
  const wanted = request.headers['access-control-request-method'];
  if (typeof wanted !== 'string' || !isOpenMethod(wanted.toUpperCase())) return false;
  reply.code(204).headers(PREFLIGHT_HEADERS).send();
  return true;
}
