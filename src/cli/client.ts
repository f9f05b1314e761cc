// The registry's HTTP API as the CLI uses it: JSON in and out, the bearer token when there is one, and every way
// a request can fail turned into a CliError a person can act on (the server's Error body as one line plus its
// details; how long to wait after a 429; the URL that could not be reached; `sounio login` when the token is
// missing or refused).
import { CliError, detailLines } from './errors.js';

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, string | number | undefined>;
  json?: unknown;
  /** A raw body (with its content type); used for the multipart publish upload. */
  body?: { stream: ReadableStream<Uint8Array>; contentType: string; length: number };
  /** Statuses that are answers rather than failures (2xx always are). */
  accept?: number[];
  /** Whether the request needs the saved token: 'required' fails early without one. */
  auth?: 'required' | 'optional' | 'none';
  headers?: Record<string, string>;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** The upstream Error body. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, unknown>;
}

export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: { details?: string[]; hint?: string },
  ) {
    super(message, options);
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return value !== null && typeof value === 'object' && typeof (value as ErrorBody).error === 'string' && typeof (value as ErrorBody).message === 'string';
}

function seconds(value: number): string {
  if (value < 90) return `${value} second${value === 1 ? '' : 's'}`;
  const minutes = Math.ceil(value / 60);
  return minutes < 90 ? `${minutes} minutes` : `${Math.ceil(minutes / 60)} hours`;
}

export class RegistryClient {
  constructor(
    /** Without a trailing slash, e.g. http://localhost:3000. */
    readonly registry: string,
    readonly token: string | undefined,
  ) {}

  private loginHint(): string {
    return `Run \`sounio login --registry ${this.registry}\` with a token from ${this.registry}/settings/tokens.`;
  }

  url(path: string, query: RequestOptions['query'] = {}): string {
    const url = new URL(`${this.registry}/api/v1${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const auth = options.auth ?? 'optional';
    if (auth === 'required' && this.token === undefined) {
      throw new CliError(`you are not logged in to ${this.registry}`, { hint: this.loginHint() });
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'sounio-cli', ...options.headers };
    if (auth !== 'none' && this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    let body: string | ReadableStream<Uint8Array> | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body !== undefined) {
      headers['content-type'] = options.body.contentType;
      headers['content-length'] = String(options.body.length);
      body = options.body.stream;
    }
    const response = await this.fetch(this.url(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      ...(body !== undefined && { body }),
      ...(options.body !== undefined && { duplex: 'half' }),
    } as RequestInit);
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if ((response.status >= 200 && response.status < 300) || options.accept?.includes(response.status)) {
      return { status: response.status, headers: response.headers, body: (parsed ?? text) as T };
    }
    throw this.failure(response, parsed);
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`could not reach the registry at ${this.registry} (${cause?.code ?? cause?.message ?? (error as Error).message})`, {
        hint: 'Check that the registry is running and the URL is right (--registry, SOUNIO_REGISTRY or `sounio login --registry`).',
      });
    }
  }

  /** GETs an absolute URL (a tarball) as bytes, reporting progress; at most `maxBytes`. */
  async download(url: string, maxBytes: number, onProgress: (received: number, total: number | null) => void): Promise<Buffer> {
    const headers: Record<string, string> = { 'user-agent': 'sounio-cli' };
    if (this.token !== undefined && url.startsWith(`${this.registry}/`)) headers['authorization'] = `Bearer ${this.token}`;
    const response = await this.fetch(url, { headers });
    if (response.status !== 200 || response.body === null) {
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      throw this.failure(response, parsed);
    }
    const length = Number(response.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? length : null;
    const chunks: Buffer[] = [];
    let received = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > maxBytes) throw new CliError(`${url} is larger than ${maxBytes} bytes; refusing to download more`);
      chunks.push(Buffer.from(chunk));
      onProgress(received, total);
    }
    return Buffer.concat(chunks);
  }

  private failure(response: Response, body: unknown): ApiError {
    if (!isErrorBody(body)) {
      return new ApiError(response.status, 'http_error', `the registry at ${this.registry} answered ${response.status} ${response.statusText}`.trimEnd(), {});
    }
    const details = detailLines(body.details);
    let hint: string | undefined;
    if (response.status === 401) hint = this.loginHint();
    if (response.status === 429) {
      const retryAfter = Number(response.headers.get('retry-after'));
      hint = Number.isFinite(retryAfter) && retryAfter > 0 ? `Wait ${seconds(Math.ceil(retryAfter))} before trying again.` : 'Wait a while before trying again.';
    }
    return new ApiError(response.status, body.error, body.message, { details, ...(hint !== undefined && { hint }) });
  }
}
