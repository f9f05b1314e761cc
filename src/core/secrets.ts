// The secret scanner: finds credentials in the files of a package, run by the CLI before packing and by the registry
// on every file of an uploaded tarball. A finding names the file, the line and the kind of secret, never the secret
// itself, so findings can be shown, logged and stored. Our own `sounio_` tokens are handed back separately (only to
// the caller, never in a finding) because the registry revokes a token that was published.
//
// Patterns ask for the shape of a real credential, not for a keyword: a publish is refused on a finding, so a false
// positive blocks an honest package (a TLS library naming the PEM header in its parser, a README showing the AWS
// documentation key). Files over the window size are scanned in overlapping windows so memory stays bounded.
import { findTokens } from './token-format.js';

export type SecretKind =
  | 'private_key'
  | 'aws_access_key'
  | 'github_token'
  | 'slack_token'
  | 'slack_webhook'
  | 'sounio_token'
  | 'env_file'
  | 'ssh_private_key'
  | 'npm_token'
  | 'credentials_file';

export interface SecretFinding {
  path: string;
  /** 1-based; findings about the file itself (an `.env`, an `id_rsa`) point at line 1. */
  line: number;
  kind: SecretKind;
}

export interface FileScan {
  findings: SecretFinding[];
  /** Checksum-valid `sounio_` tokens, each once, in order of appearance: the registry revokes them. */
  tokens: string[];
  /** True when the file looked binary (a NUL byte in its first 8 KiB) and its content was not scanned. */
  binary: boolean;
}

export interface ScanOptions {
  /** Stop recording findings (and tokens) past this many; the scan of a hostile file stays bounded. */
  maxFindings?: number;
  /** Characters scanned at once; the default is 1 Mi. Smaller values exist for tests of the window seams. */
  windowChars?: number;
}

/** A file with a NUL byte in this many first bytes is binary and is not text-scanned (as git and grep decide). */
export const BINARY_SNIFF_BYTES = 8192;
export const DEFAULT_MAX_FINDINGS = 1000;
const DEFAULT_WINDOW_CHARS = 1 << 20;
// Every pattern below matches at most ~800 characters, so a window reports only matches that start before its last
// OVERLAP characters, and the next window starts MARGIN characters earlier still so look-behinds see real context.
const OVERLAP = 2048;
const MARGIN = 64;
const MIN_WINDOW_CHARS = 4 * OVERLAP;

interface TextRule {
  kind: SecretKind;
  pattern: RegExp;
  /** Returns false for a match known to be a documentation placeholder. */
  keep?: (match: string) => boolean;
}

// A PEM separator between the header and the body: real newlines, or `\n` escapes and string glue when the key sits
// in JSON or in source code (`"-----BEGIN PRIVATE KEY-----\n" + "MIIE..."`).
const PEM_GAP = String.raw`(?:\\r|\\n|[\s"'\x60+,]){1,16}`;
const TEXT_RULES: readonly TextRule[] = [
  {
    // The header alone is not enough (parsers and docs name it): a base64 body must follow, possibly after
    // RFC 1421 headers such as `Proc-Type: 4,ENCRYPTED` / `DEK-Info:` or PGP's `Version:`.
    kind: 'private_key',
    pattern: new RegExp(
      String.raw`-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----${PEM_GAP}(?:[A-Za-z][A-Za-z-]{0,30}:[^\n\\]{0,100}${PEM_GAP}){0,4}[A-Za-z0-9+/]{32}`,
      'g',
    ),
  },
  {
    kind: 'aws_access_key',
    pattern: /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])/g,
    keep: (match) => !match.endsWith('EXAMPLE'), // AKIAIOSFODNN7EXAMPLE is AWS's documentation key
  },
  { kind: 'github_token', pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])/g },
  { kind: 'github_token', pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{82}(?![A-Za-z0-9_])/g },
  // Real Slack tokens carry numeric ids (`xoxb-<team>-<bot>-<secret>`); `xoxb-your-token-here` does not.
  { kind: 'slack_token', pattern: /(?<![A-Za-z0-9])xox[baprs]-[0-9]{1,20}-[0-9A-Za-z-]{10,200}/g },
  {
    kind: 'slack_webhook',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/T[A-Z0-9]{6,20}\/[A-Z0-9]{6,20}\/[A-Za-z0-9]{16,64}/g,
    keep: (match) => !/\/X+$/.test(match), // Slack's documentation webhook ends in XXXXXXXX...
  },
];

// `.npmrc` credentials, unless the value is an environment reference (`_authToken=${NPM_TOKEN}`), which is how CI
// configurations are committed on purpose. Comments start with `#` or `;`.
const NPMRC_RULE: TextRule = {
  kind: 'npm_token',
  pattern: /^(?![ \t]*[#;])[^\n]{0,200}?(?:_authToken|_auth|_password)[ \t]*=[ \t]*(?!["']?\$\{)[^\s]/gm,
};
const CREDENTIALS_TOML_RULE: TextRule = { kind: 'credentials_file', pattern: /^[ \t]*["']?token["']?[ \t]*=/gm };

const ENV_FILE_EXCEPTIONS = new Set(['.env.example', '.env.sample', '.env.template']);
const SSH_KEY_NAMES = new Set(['id_rsa', 'id_dsa', 'id_ecdsa', 'id_ed25519', 'id_ecdsa_sk', 'id_ed25519_sk']);

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The finding a file earns by its name alone, whatever it holds. */
function nameFinding(path: string): SecretFinding | null {
  const name = baseName(path);
  const lower = name.toLowerCase();
  if ((lower === '.env' || lower.startsWith('.env.')) && !ENV_FILE_EXCEPTIONS.has(lower)) {
    return { path, line: 1, kind: 'env_file' };
  }
  if (SSH_KEY_NAMES.has(name)) return { path, line: 1, kind: 'ssh_private_key' };
  return null;
}

/** The content rules that apply only to files of a given name. */
function nameRules(path: string): readonly TextRule[] {
  const name = baseName(path);
  if (name === '.npmrc') return [NPMRC_RULE];
  if (name === 'credentials.toml') return [CREDENTIALS_TOML_RULE];
  return [];
}

/** True when the first bytes of a file hold a NUL byte. */
export function isBinary(head: Uint8Array): boolean {
  return head.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** Line numbers of positions in one window, from a lazily built table of its newlines. */
class LineIndex {
  private newlines: number[] | null = null;

  constructor(
    private readonly text: string,
    private readonly firstLine: number,
  ) {}

  lineAt(position: number): number {
    if (this.newlines === null) {
      this.newlines = [];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.newlines.push(i);
    }
    let low = 0;
    let high = this.newlines.length; // count of newlines before `position`
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.newlines[mid]! < position) low = mid + 1;
      else high = mid;
    }
    return this.firstLine + low;
  }
}

/** Collects findings and tokens under the caps. */
class Collector {
  readonly findings: SecretFinding[] = [];
  private readonly tokenSet = new Set<string>();

  constructor(private readonly maxFindings: number) {}

  get tokens(): string[] {
    return [...this.tokenSet];
  }

  add(finding: SecretFinding): void {
    if (this.findings.length < this.maxFindings) this.findings.push(finding);
  }

  addToken(token: string): void {
    if (this.tokenSet.size < this.maxFindings) this.tokenSet.add(token);
  }
}

/**
 * Scans `text[from, to)` for match starts (a match may run past `to`); `firstLine` is the line number of
 * `text[0]`. Shared by the one-shot and the windowed scans so both report the same findings.
 */
function scanWindow(
  path: string,
  text: string,
  from: number,
  to: number,
  firstLine: number,
  rules: readonly TextRule[],
  out: Collector,
): void {
  const lines = new LineIndex(text, firstLine);
  for (const rule of rules) {
    rule.pattern.lastIndex = 0;
    for (const match of text.matchAll(rule.pattern)) {
      if (match.index < from) continue;
      if (match.index >= to) break;
      if (rule.keep && !rule.keep(match[0])) continue;
      out.add({ path, line: lines.lineAt(match.index), kind: rule.kind });
    }
  }
  let searchFrom = 0;
  for (const token of findTokens(text)) {
    const index = text.indexOf(token, searchFrom);
    searchFrom = index + token.length;
    if (index < from || index >= to) continue;
    out.add({ path, line: lines.lineAt(index), kind: 'sounio_token' });
    out.addToken(token);
  }
}

function byLine(a: SecretFinding, b: SecretFinding): number {
  return a.line - b.line || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0);
}

/** Secrets in a text, with the `sounio_` tokens found (file-name rules are scanFile's). */
export function scanTextWithTokens(path: string, text: string, options: ScanOptions = {}): { findings: SecretFinding[]; tokens: string[] } {
  const out = new Collector(options.maxFindings ?? DEFAULT_MAX_FINDINGS);
  scanWindow(path, text, 0, text.length, 1, TEXT_RULES, out);
  return { findings: out.findings.sort(byLine), tokens: out.tokens };
}

/** Secrets in a text: private keys, AWS/GitHub/Slack credentials and checksum-valid `sounio_` tokens. */
export function scanText(path: string, text: string): SecretFinding[] {
  return scanTextWithTokens(path, text).findings;
}

/**
 * Scans one file fed in chunks, holding at most one window of text: the tarball reader feeds it as entries stream
 * by. Binary files (a NUL byte in the first 8 KiB; UTF-16 text looks binary too) are not text-scanned, but their
 * names still count (`.env`, `id_rsa`).
 */
export class FileScanner {
  private readonly out: Collector;
  private readonly rules: readonly TextRule[];
  private readonly windowChars: number;
  private readonly decoder = new TextDecoder('utf-8');
  private head: Buffer[] | null = []; // bytes held until the binary sniff is decided
  private headBytes = 0;
  private binary = false;
  private text = '';
  private from = 0; // matches starting before this were reported by the previous window
  private firstLine = 1;

  constructor(
    private readonly path: string,
    options: ScanOptions = {},
  ) {
    this.out = new Collector(options.maxFindings ?? DEFAULT_MAX_FINDINGS);
    this.rules = [...TEXT_RULES, ...nameRules(path)];
    this.windowChars = Math.max(options.windowChars ?? DEFAULT_WINDOW_CHARS, MIN_WINDOW_CHARS);
    const named = nameFinding(path);
    if (named) this.out.add(named);
  }

  write(chunk: Uint8Array): void {
    if (this.binary || chunk.length === 0) return;
    if (this.head !== null) {
      this.head.push(Buffer.from(chunk)); // a copy: the caller may reuse its buffer
      this.headBytes += chunk.length;
      if (this.headBytes < BINARY_SNIFF_BYTES) return;
      this.releaseHead();
      return;
    }
    this.addText(this.decoder.decode(chunk, { stream: true }));
  }

  end(): FileScan {
    if (this.head !== null) this.releaseHead();
    if (!this.binary) {
      this.text += this.decoder.decode();
      scanWindow(this.path, this.text, this.from, this.text.length, this.firstLine, this.rules, this.out);
      this.text = '';
    }
    return { findings: this.out.findings.sort(byLine), tokens: this.out.tokens, binary: this.binary };
  }

  private releaseHead(): void {
    const head = Buffer.concat(this.head ?? []);
    this.head = null;
    if (isBinary(head)) {
      this.binary = true;
      return;
    }
    this.addText(this.decoder.decode(head, { stream: true }));
  }

  private addText(text: string): void {
    this.text += text;
    while (this.text.length >= this.windowChars) {
      const reportTo = this.text.length - OVERLAP;
      scanWindow(this.path, this.text, this.from, reportTo, this.firstLine, this.rules, this.out);
      const cut = reportTo - MARGIN;
      this.firstLine += countNewlines(this.text, cut);
      this.text = this.text.slice(cut);
      this.from = MARGIN;
    }
  }
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/** Everything scanFile finds, with the `sounio_` tokens and whether the file was treated as binary. */
export function scanFileWithTokens(path: string, content: Uint8Array, options: ScanOptions = {}): FileScan {
  const scanner = new FileScanner(path, options);
  scanner.write(content);
  return scanner.end();
}

/**
 * Secrets in a file: scanText's findings on text files, plus files that hold credentials by their nature (`.env`
 * and `.env.*` but the example/sample/template ones, SSH private keys by name, `.npmrc` with auth values,
 * `credentials.toml` with a token; `.pem`/`.key` files are caught by their private-key content).
 */
export function scanFile(path: string, content: Uint8Array): SecretFinding[] {
  return scanFileWithTokens(path, content).findings;
}
