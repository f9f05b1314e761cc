// A small cookie-keeping client over app.inject for page tests: it remembers cookies like a browser, reads the CSRF
// token from the last page it got, and posts forms as application/x-www-form-urlencoded.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

export interface SetCookie {
  name: string;
  value: string;
  attributes: string[];
}

export function setCookies(response: LightMyRequestResponse): SetCookie[] {
  const header = response.headers['set-cookie'];
  const lines = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return lines.map((line) => {
    const [pair, ...attributes] = line.split(';').map((part) => part.trim());
    const index = pair!.indexOf('=');
    return { name: pair!.slice(0, index), value: pair!.slice(index + 1), attributes: attributes.map((attribute) => attribute.toLowerCase()) };
  });
}

export function csrfOf(body: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

export class PageClient {
  readonly cookies = new Map<string, string>();
  lastBody = '';

  constructor(private readonly app: () => FastifyInstance) {}

  private cookieHeader(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  private remember(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const cookie of setCookies(response)) {
      const expired = cookie.value === '' || cookie.attributes.some((attribute) => attribute.startsWith('expires=thu, 01 jan 1970'));
      if (expired) this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    if ((response.headers['content-type'] ?? '').toString().startsWith('text/html')) this.lastBody = response.body;
    return response;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.remember(await this.app().inject({ method: 'GET', url, headers: { ...this.cookieHeader(), ...headers } }));
  }

  /** Posts a form; the CSRF token of the last page is added unless `_csrf` is given (or null to leave it out). */
  async post(url: string, fields: Record<string, string | string[]>, options: { csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    const csrf = options.csrf === undefined ? csrfOf(this.lastBody) : options.csrf;
    if (csrf !== null) body.append('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
    return this.remember(
      await this.app().inject({
        method: 'POST',
        url,
        payload: body.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader() },
      }),
    );
  }
}
