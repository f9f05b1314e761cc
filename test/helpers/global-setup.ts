// Runs once before all test files: builds dist/ when stale (process tests run the real bins) and migrates one
// embedded database whose dump every test file copies (migrating takes seconds; loading a dump well under one).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openPglite } from '../../src/adapters/pglite.js';
import { migrate } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  // SOUNIO_TEST_SKIP_BUILD=1 skips the build while iterating on unit tests (process tests then use the old dist/).
  if (process.env['SOUNIO_TEST_SKIP_BUILD'] !== '1') {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
  }

  const dir = mkdtempSync(join(tmpdir(), 'sounio-template-'));
  const db = await openPglite({});
  await migrate(db);
  const dump = await db.dumpDataDir();
  await db.close();
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
