// Compiles src/ to dist/ with tsc, copies the SQL migrations beside the compiled code and marks both bins
// executable. Runs on `npm install` (prepare) so the bins work right away.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

// --if-stale: do nothing when dist/ is newer than every source file (npm start, the test setup).
const entry = join(root, 'dist', 'main.js');
if (process.argv.includes('--if-stale') && existsSync(entry) && newestMtime(join(root, 'src')) <= statSync(entry).mtimeMs) process.exit(0);
if (!existsSync(tsc)) {
  // `npm install --omit=dev` on a machine where dist/ already exists (the Docker image copies it in).
  if (existsSync(join(root, 'dist', 'main.js'))) process.exit(0);
  console.error('build: typescript is not installed; run `npm install` first');
  process.exit(1);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

const from = join(root, 'src', 'db', 'migrations');
const to = join(root, 'dist', 'db', 'migrations');
mkdirSync(to, { recursive: true });
for (const file of readdirSync(from)) if (file.endsWith('.sql')) cpSync(join(from, file), join(to, file));
for (const bin of ['dist/main.js', 'dist/cli/main.js']) if (existsSync(join(root, bin))) chmodSync(join(root, bin), 0o755);
