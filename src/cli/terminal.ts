// What the CLI writes and reads besides HTTP: lines and aligned tables on standard output, hidden prompts on a
// terminal, piped standard input, and a progress bar on standard error when it is a terminal (plain lines
// otherwise, so logs of CI jobs stay readable).
import cliProgress from 'cli-progress';
import { read } from 'read';

export interface Terminal {
  out(text?: string): void;
  err(text: string): void;
  /** Whether standard input is a terminal a person types into. */
  interactive: boolean;
  /** Whether standard error is a terminal (progress bars are drawn there). */
  fancy: boolean;
}

export function processTerminal(): Terminal {
  return {
    out: (text = '') => process.stdout.write(text + '\n'),
    err: (text) => process.stderr.write(text + '\n'),
    interactive: process.stdin.isTTY === true,
    fancy: process.stderr.isTTY === true,
  };
}

/** Asks on the terminal without echoing what is typed (tokens, passwords). */
export async function promptHidden(question: string): Promise<string> {
  const answer = await read({ prompt: question, silent: true, replace: '', input: process.stdin, output: process.stderr });
  process.stderr.write('\n'); // the Enter that ended the answer was not echoed either
  return String(answer).trim();
}

/** Everything piped into standard input, up to `limit` bytes. */
export async function readStdin(limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limit) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Rows as left-aligned columns separated by two spaces; `right` lists columns aligned right (numbers). */
export function table(rows: string[][], options: { right?: number[]; width?: number } = {}): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) => {
    const line = row
      .map((cell, i) => {
        if (i === row.length - 1 && !options.right?.includes(i)) return cell;
        const pad = ' '.repeat((widths[i] ?? 0) - [...cell].length);
        return options.right?.includes(i) ? pad + cell : cell + pad;
      })
      .join('  ');
    return options.width !== undefined && [...line].length > options.width ? [...line].slice(0, options.width - 1).join('') + '…' : line;
  });
}

export interface Progress {
  update(done: number): void;
  /** Ends the bar; `finished` is false when the transfer failed (no "done" line then). */
  stop(finished?: boolean): void;
}

/**
 * Progress of a transfer of `total` bytes: a bar on a terminal; otherwise one line at the start and one at the end.
 */
export function progress(terminal: Terminal, label: string, total: number): Progress {
  if (!terminal.fancy) {
    terminal.err(`${label} (${formatBytes(total)})...`);
    return { update: () => undefined, stop: (finished = true) => finished && terminal.err(`${label}: done`) };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {done} / {size}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { done: formatBytes(0), size: formatBytes(total) });
  return {
    update: (done) => bar.update(done, { done: formatBytes(done) }),
    stop: () => bar.stop(),
  };
}
