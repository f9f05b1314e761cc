// Failures of the CLI as people read them: one `error: ...` line, the details that help (a field, a file, a
// limit), and a hint saying what to do next. Exit codes: 1 for a failure, 2 for a usage error.

export interface CliErrorOptions {
  /** Lines printed under the message, indented. */
  details?: string[];
  /** What to do about it, printed last. */
  hint?: string;
  exitCode?: 1 | 2;
}

export class CliError extends Error {
  readonly details: string[];
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message);
    this.details = options.details ?? [];
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad arguments: exit code 2, like commander's own usage errors. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, { exitCode: 2, ...(hint !== undefined && { hint }) });
}

/** The `details` object of a server Error body as indented lines: problem lists as `field: message`, the rest as `key: value`. */
export function detailLines(details: unknown): string[] {
  if (details === null || typeof details !== 'object') return [];
  const lines: string[] = [];
  for (const [key, value] of Object.entries(details as Record<string, unknown>)) {
    if (Array.isArray(value) && value.every((item) => item !== null && typeof item === 'object')) {
      for (const item of value as Array<Record<string, unknown>>) {
        const where = item['field'] ?? item['path'] ?? item['file'] ?? item['name'];
        const what = item['message'] ?? item['kind'];
        if (typeof what === 'string') {
          const line = typeof item['line'] === 'number' ? `:${item['line']}` : '';
          lines.push(typeof where === 'string' ? `${where}${line}: ${what}` : what);
        } else lines.push(`${key}: ${JSON.stringify(item)}`);
      }
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      lines.push(`${key}: ${value}`);
    } else if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) {
      lines.push(`${key}: ${value.join(', ')}`);
    } else if (value !== null && value !== undefined) {
      lines.push(`${key}: ${JSON.stringify(value)}`);
    }
  }
  return lines;
}

/** The text printed on standard error for a failure. */
export function formatError(error: CliError): string {
  const lines = [`error: ${error.message}`, ...error.details.map((line) => `  ${line}`)];
  if (error.hint !== undefined) lines.push(error.hint);
  return lines.join('\n') + '\n';
}
