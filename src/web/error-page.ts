// The HTML answer for errors outside /api/: a friendly page, never a stack trace.
import { html, page } from './html.js';

const TITLES: Record<number, string> = { 404: 'Page not found', 429: 'Too many requests', 503: 'Temporarily unavailable' };

export function renderErrorPage(status: number, message: string): string {
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused');
  return page(title, html`<h1>${title}</h1>
<p>${message}</p>
<p><a href="/">Back to the registry's home page</a></p>`);
}
