// Browser sessions and CSRF protection for the web interface.
//
// Session: the cookie `sounio_session` holds a random secret (services/web-sessions.ts keeps its hash), signed with
// SESSION_SECRET by @fastify/cookie; httpOnly, SameSite=Lax, Secure when PUBLIC_URL is https. Only pages read it:
// the API authenticates bearers alone, so no cookie ever authorises an API call.
//
// CSRF: every visitor gets a random seed in the httpOnly cookie `sounio_csrf`; each form carries
// HMAC(SESSION_SECRET, seed + session) in the field `_csrf`, and every POST to a page must bring back the value that
// matches its cookies. Another site can neither read the cookie nor compute the HMAC.
import { createHmac, randomBytes } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import type { Principal } from '../services/authentication.js';
import { constantTimeEqual } from '../services/crypto.js';
import { WEB_SESSION_TTL_MS, webSessionPrincipal } from '../services/web-sessions.js';

export const SESSION_COOKIE = 'sounio_session';
export const CSRF_COOKIE = 'sounio_csrf';
export const FLASH_COOKIE = 'sounio_flash';
export const CSRF_FIELD = '_csrf';

declare module 'fastify' {
  interface FastifyRequest {
    /** The CSRF seed of this request (from its cookie, or new and being set). */
    csrfSeed?: string;
  }
}

function baseCookie(ctx: Context): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: ctx.config.publicUrl.startsWith('https://') };
}

function signedCookie(request: FastifyRequest, name: string): string | null {
  const value = request.cookies[name];
  if (value === undefined) return null;
  const unsigned = request.unsignCookie(value);
  return unsigned.valid && unsigned.value !== null ? unsigned.value : null;
}

/** The principal of the request's session cookie; a cookie that no longer works is removed. */
export async function sessionPrincipal(ctx: Context, request: FastifyRequest, reply: FastifyReply): Promise<Principal | null> {
  if (request.cookies[SESSION_COOKIE] === undefined) return null;
  const secret = signedCookie(request, SESSION_COOKIE);
  const principal = secret === null ? null : await webSessionPrincipal(ctx, secret);
  if (principal === null) reply.clearCookie(SESSION_COOKIE, baseCookie(ctx));
  return principal;
}

export function sessionSecretOf(request: FastifyRequest): string | null {
  return signedCookie(request, SESSION_COOKIE);
}

export function setSessionCookie(ctx: Context, reply: FastifyReply, secret: string): void {
  reply.setCookie(SESSION_COOKIE, secret, { ...baseCookie(ctx), signed: true, maxAge: WEB_SESSION_TTL_MS / 1000 });
  // A new session gets a new CSRF seed: forms from before the login stop working.
  rotateCsrfSeed(ctx, reply);
}

export function clearSessionCookie(ctx: Context, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, baseCookie(ctx));
  rotateCsrfSeed(ctx, reply);
}

// ---- CSRF ---------------------------------------------------------------------------------------------------------

const SEED_PATTERN = /^[A-Za-z0-9_-]{43}$/;

function rotateCsrfSeed(ctx: Context, reply: FastifyReply): string {
  const seed = randomBytes(32).toString('base64url');
  reply.setCookie(CSRF_COOKIE, seed, { ...baseCookie(ctx), maxAge: WEB_SESSION_TTL_MS / 1000 });
  reply.request.csrfSeed = seed;
  return seed;
}

function csrfFor(ctx: Context, seed: string, session: string | null): string {
  return createHmac('sha256', ctx.secrets.sessionSecret).update(`csrf\0${seed}\0${session ?? ''}`).digest('base64url');
}

/** The CSRF token for forms on the page being rendered (setting the seed cookie on a first visit). */
export function csrfToken(ctx: Context, request: FastifyRequest, reply: FastifyReply): string {
  let seed = request.csrfSeed;
  if (seed === undefined) {
    const cookie = request.cookies[CSRF_COOKIE];
    seed = cookie !== undefined && SEED_PATTERN.test(cookie) ? cookie : rotateCsrfSeed(ctx, reply);
    request.csrfSeed = seed;
  }
  // A page that changes the session (login, logout) redirects rather than render forms: the request's session is it.
  return csrfFor(ctx, seed, sessionSecretOf(request));
}

/** preHandler of every POST to a page: the form's token must match this browser's cookies. */
export function assertCsrf(ctx: Context, request: FastifyRequest): void {
  const body = request.body as Record<string, unknown> | undefined;
  const sent = body?.[CSRF_FIELD];
  const seed = request.cookies[CSRF_COOKIE];
  if (typeof sent !== 'string' || seed === undefined || !SEED_PATTERN.test(seed) || !constantTimeEqual(sent, csrfFor(ctx, seed, sessionSecretOf(request)))) {
    throw new AppError(403, 'csrf_failed', 'This form has expired or was sent from another site. Go back, reload the page and try again.');
  }
}

// ---- flash messages -----------------------------------------------------------------------------------------------

/** A one-line notice for the next page (after a redirect), signed so nobody else can put words in our mouth. */
export function setFlash(ctx: Context, reply: FastifyReply, message: string): void {
  reply.setCookie(FLASH_COOKIE, message.slice(0, 300), { ...baseCookie(ctx), signed: true, maxAge: 60 });
}

export function takeFlash(ctx: Context, request: FastifyRequest, reply: FastifyReply): string | null {
  if (request.cookies[FLASH_COOKIE] === undefined) return null;
  const message = signedCookie(request, FLASH_COOKIE);
  reply.clearCookie(FLASH_COOKIE, baseCookie(ctx));
  return message;
}
