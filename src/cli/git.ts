// The uncommitted-changes check of `sounio publish`: a package published from a dirty working tree cannot be
// traced back to a commit. Only files that would be packed count (an untracked scratch file elsewhere does not).
// Without git, or outside a repository, there is nothing to check.
import { execFileSync } from 'node:child_process';

function git(dir: string, args: string[]): string | null {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null; // no git binary, or not a repository
  }
}

export interface DirtyFile {
  /** Two-letter `git status --porcelain` code, e.g. ` M`, `??`. */
  status: string;
  /** Relative to the package directory. */
  path: string;
}

/** Packed files with uncommitted changes; null when `dir` is not inside a git working tree. */
export function uncommittedFiles(dir: string, packed: ReadonlySet<string>): DirtyFile[] | null {
  const prefix = git(dir, ['rev-parse', '--show-prefix']);
  if (prefix === null) return null;
  const status = git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']);
  if (status === null) return null;
  const base = prefix.trim();
  const dirty: DirtyFile[] = [];
  const records = status.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    if (record.length < 4) continue;
    const code = record.slice(0, 2);
    const path = record.slice(3);
    if (code.includes('R') || code.includes('C')) i++; // the next record is the old path of a rename or copy
    if (!path.startsWith(base)) continue;
    const relative = path.slice(base.length);
    // A deleted tracked file is a change to what gets packed even though it is no longer there to pack.
    if (packed.has(relative) || code.includes('D')) dirty.push({ status: code, path: relative });
  }
  return dirty;
}
