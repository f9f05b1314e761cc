// HTML templating with escaping by default: `html` tagged templates escape every interpolated value unless it is
// itself an `html` fragment (or `raw()`, for HTML we trust: the README that publishing sanitised, our own SVG).
// Arrays are joined, and null, undefined and false render nothing, so conditionals and lists read naturally.

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** A value an `html` template may interpolate. */
export type Renderable = SafeHtml | string | number | boolean | null | undefined | readonly Renderable[];

function render(value: Renderable): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(out);
}

/** Marks HTML as trusted: only for markup the registry produced or sanitised itself. */
export function raw(trusted: string): SafeHtml {
  return new SafeHtml(trusted);
}

/** An http(s) URL as given, or null: user-supplied links (homepage, repository ...) never become javascript: hrefs. */
export function safeUrl(url: string | null | undefined): string | null {
  if (url === null || url === undefined) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}
