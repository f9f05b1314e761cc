// README rendering, done once at publish time: Markdown (markdown-it, raw HTML allowed as on crates.io) sanitised
// with sanitize-html so no script, style, iframe, event handler or javascript: URL survives. Relative links and
// images are resolved against the package's repository; external links get rel="nofollow noopener noreferrer".
// Pages show the stored HTML and never render user HTML themselves.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'style'),
  'img',
  'details',
  'summary',
  'del',
  'ins',
  'sup',
  'sub',
  'kbd',
  'input',
];

/** Resolves a relative link against the repository (GitHub-style blob/raw paths); null leaves it as is. */
function resolveRelative(url: string, repository: string | undefined, raw: boolean): string {
  if (repository === undefined || /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('#') || url.startsWith('//')) return url;
  const base = repository.replace(/\/+$/, '').replace(/\.git$/, '');
  const path = url.replace(/^\.?\//, '');
  if (/^https:\/\/(github\.com|gitlab\.com|codeberg\.org)\//.test(base)) return `${base}/${raw ? 'raw' : 'blob'}/HEAD/${path}`;
  return `${base}/${path}`;
}

export interface RenderOptions {
  /** The package's repository URL, for relative links. */
  repository?: string;
}

export function renderReadme(source: string, options: RenderOptions = {}): string {
  const html = markdown.render(source);
  return sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'id', 'name'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      input: ['type', 'checked', 'disabled'],
      code: ['class'],
      th: ['align'],
      td: ['align'],
      h1: ['id'],
      h2: ['id'],
      h3: ['id'],
      '*': [],
    },
    allowedClasses: { code: [/^language-[\w+-]+$/] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: (tagName, attribs) => {
        const href = attribs['href'] === undefined ? undefined : resolveRelative(attribs['href'], options.repository, false);
        const external = href !== undefined && /^https?:/i.test(href);
        return {
          tagName,
          attribs: {
            ...attribs,
            ...(href !== undefined && { href }),
            ...(external ? { rel: 'nofollow noopener noreferrer' } : {}),
          },
        };
      },
      img: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, ...(attribs['src'] !== undefined && { src: resolveRelative(attribs['src'], options.repository, true) }) },
      }),
      input: (tagName, attribs) => (attribs['type'] === 'checkbox' ? { tagName, attribs: { type: 'checkbox', disabled: '', ...(attribs['checked'] !== undefined && { checked: '' }) } } : { tagName: 'span', attribs: {} }),
    },
  });
}
