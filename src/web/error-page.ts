// The HTML answer for errors outside /api/: a friendly page in the site's frame, never a stack trace.
import { html } from './html.js';
import type { Principal } from '../services/authentication.js';
import { layout } from './layout.js';

const TITLES: Record<number, string> = {
  400: 'That did not work',
  401: 'Please log in',
  403: 'Not allowed',
  404: 'Page not found',
  429: 'Too many requests',
  503: 'Temporarily unavailable',
};

export function renderErrorPage(status: number, message: string, principal: Principal | null = null): string {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused');
  // No forms on an error page (it may answer a refused form): the header shows who is signed in, without log-out.
  return layout({ principal, csrf: '', path: '/', flash: null }, {
    title,
    body: html`<h1>${title}</h1>
<p>${message}</p>
${status === 404 ? html`<p>Looking for a package? <a href="/search">Search the registry</a> or browse the <a href="/categories">categories</a>.</p>` : null}
<p><a href="/">Back to the home page</a></p>`,
  });
}
