// The frame of every page: a skip link, the header (brand, search box, account navigation), the main content, and
// the footer linking the API documentation. `View` is what a page knows about its request.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../context.js';
import type { Principal } from '../services/authentication.js';
import { SCRIPT, STYLESHEET } from './assets.js';
import { html, type SafeHtml } from './html.js';
import { CSRF_FIELD, csrfToken, takeFlash } from './session.js';

export interface View {
  principal: Principal | null;
  /** The CSRF token every form of the page carries. */
  csrf: string;
  /** The request's path and query (for "log in and come back"). */
  path: string;
  /** A notice left by the previous request (after a redirect). */
  flash: string | null;
}

export function viewOf(ctx: Context, request: FastifyRequest, reply: FastifyReply): View {
  return { principal: request.principal, csrf: csrfToken(ctx, request, reply), path: request.url, flash: takeFlash(ctx, request, reply) };
}

export function csrfField(view: View): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${view.csrf}">`;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The search box's text (the search page keeps the query there). */
  query?: string;
  description?: string;
}

function accountNav(view: View): SafeHtml {
  const user = view.principal?.user;
  if (user === undefined) {
    // Back to this page after logging in, unless it is one of the pages of getting in (a used link, a form).
    const back = !['/login', '/register', '/verify', '/password-reset', '/logout'].some((prefix) => view.path.startsWith(prefix)) && view.path !== '/';
    const next = back ? `?next=${encodeURIComponent(view.path)}` : '';
    return html`<a href="/login${next}">Log in</a> <a href="/register">Register</a>`;
  }
  return html`<a href="/me/packages">My packages</a>
<a href="/me/invitations">Invitations</a>
<a href="/settings/tokens">API tokens</a>
<a href="/settings/profile">Account</a>
<a href="/users/${user.username}" aria-label="Your public profile (${user.username})">${user.username}</a>
${view.csrf === '' ? null : html`<form method="post" action="/logout">${csrfField(view)}<button type="submit" class="link">Log out</button></form>`}`;
}

export function layout(view: View, options: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${options.title} · Sounio Package Registry</title>
<meta name="description" content="${options.description ?? 'The package registry of the Sounio language: find, read and publish packages.'}">
<link rel="stylesheet" href="${STYLESHEET.path}">
<script src="${SCRIPT.path}" defer></script>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="site-header">
<div class="wrap">
<a class="brand" href="/">Sounio <span>Registry</span></a>
<form class="header-search" method="get" action="/search" role="search">
<label for="header-q" class="visually-hidden">Search packages</label>
<input id="header-q" type="search" name="q" value="${options.query ?? ''}" placeholder="Search packages" maxlength="200">
<button type="submit" class="secondary">Search</button>
</form>
<nav class="site-nav" aria-label="Account">${accountNav(view)}</nav>
</div>
</header>
<main id="content" class="wrap" tabindex="-1">
${view.flash === null ? null : html`<p class="notice" role="status">${view.flash}</p>`}
${options.body}
</main>
<footer class="site-footer">
<div class="wrap">
<a href="/api/docs">API documentation</a>
<a href="/api/v1/openapi.json">OpenAPI document</a>
<a href="/categories">Categories</a>
<a href="/search">All packages</a>
<p>The registry of the <a href="https://sounio-lang.org">Sounio</a> language. Publish with <code>sounio publish</code>.</p>
</div>
</footer>
<p id="copy-status" class="visually-hidden" role="status" aria-live="polite"></p>
</body>
</html>
`.value;
}
