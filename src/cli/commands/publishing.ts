// `sounio package` and `sounio publish`: read Sounio.toml with the registry's own rules (so the messages are the
// server's), choose and scan the files, pack them reproducibly, and upload with progress. Publishing the same
// bytes again is a success ("already published, identical"), so a publish can always be retried.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseManifest, publishProblems, type Manifest } from '../../core/manifest.js';
import { MANIFEST_NAME } from '../../core/tarball.js';
import type { ApiVersion } from '../api-types.js';
import { ApiError } from '../client.js';
import { CliError } from '../errors.js';
import { uncommittedFiles } from '../git.js';
import { collectFiles, contentProblems, findSecrets, packFiles, secretsError, type PackageFile } from '../packaging.js';
import { Session } from '../session.js';
import { formatBytes, progress, table, type Terminal } from '../terminal.js';

interface PackOptions {
  path?: string;
  allowDirty?: boolean;
}

export interface PackedPackage {
  dir: string;
  manifest: Manifest;
  files: PackageFile[];
  tarball: Buffer;
}

/** Reads and checks Sounio.toml in `dir` as the registry will. */
export function readManifest(dir: string, terminal: Terminal, purpose: 'publish' | 'build' = 'publish'): Manifest {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_NAME), 'utf8');
  } catch {
    throw new CliError(`there is no ${MANIFEST_NAME} in ${dir}`, { hint: 'Run this in the package directory, or pass --path DIR.' });
  }
  const result = parseManifest(text, { purpose });
  for (const warning of result.warnings) terminal.err(`warning: ${MANIFEST_NAME}: ${warning}`);
  if (!result.ok) {
    throw new CliError(`${MANIFEST_NAME} is not valid`, { details: result.problems.map((problem) => `${problem.field}: ${problem.message}`) });
  }
  return result.manifest;
}

/** Everything up to the archive: manifest, files, secret scan, git check, pack. Nothing leaves the machine. */
export async function preparePackage(session: Session, options: PackOptions): Promise<PackedPackage> {
  const dir = resolve(options.path ?? '.');
  const manifest = readManifest(dir, session.terminal);
  const problems = publishProblems(manifest);
  if (problems.length > 0) {
    throw new CliError(`${manifest.name} ${manifest.version} cannot be published`, { details: problems.map((problem) => `${problem.field}: ${problem.message}`) });
  }
  const { files, skipped } = collectFiles(dir, manifest);
  for (const path of skipped) session.terminal.err(`warning: ${path} is a symbolic link; links are not packed`);
  const problem = contentProblems(manifest, files);
  if (problem !== null) throw problem;
  const secrets = findSecrets(files);
  if (secrets.length > 0) throw secretsError(secrets);
  if (!options.allowDirty) {
    const dirty = uncommittedFiles(dir, new Set(files.map((file) => file.path)));
    if (dirty !== null && dirty.length > 0) {
      throw new CliError(`${dirty.length} file${dirty.length === 1 ? ' has' : 's have'} uncommitted changes`, {
        details: dirty.map((file) => `${file.status} ${file.path}`),
        hint: 'Commit them so the published version matches a commit, or pass --allow-dirty to go ahead anyway.',
      });
    }
  }
  return { dir, manifest, files, tarball: await packFiles(manifest, files) };
}

function fileListing(packed: PackedPackage): string[] {
  const unpacked = packed.files.reduce((sum, file) => sum + file.size, 0);
  return [
    `${packed.manifest.name} ${packed.manifest.version}: ${packed.files.length} file${packed.files.length === 1 ? '' : 's'}, ${formatBytes(unpacked)} (${formatBytes(packed.tarball.length)} compressed)`,
    ...table(packed.files.map((file) => [formatBytes(file.size), file.path]), { right: [0] }).map((line) => `  ${line}`),
  ];
}

/** The publish form (version, tarball) as a stream that reports its progress. */
function uploadBody(packed: PackedPackage, onProgress: (sent: number) => void): { stream: ReadableStream<Uint8Array>; contentType: string; length: number } {
  const boundary = `----sounio${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="version"\r\n\r\n${packed.manifest.version}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="tarball"; filename="${packed.manifest.name}-${packed.manifest.version}.tar.gz"\r\n` +
      'Content-Type: application/gzip\r\n\r\n',
  );
  const body = Buffer.concat([head, packed.tarball, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const CHUNK = 64 * 1024;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= body.length) {
        controller.close();
        return;
      }
      const end = Math.min(offset + CHUNK, body.length);
      controller.enqueue(body.subarray(offset, end));
      offset = end;
      onProgress(Math.max(0, Math.min(packed.tarball.length, offset - head.length)));
    },
  });
  return { stream, contentType: `multipart/form-data; boundary=${boundary}`, length: body.length };
}

async function publish(session: Session, options: PackOptions & { dryRun?: boolean }): Promise<void> {
  const packed = await preparePackage(session, options);
  const { name, version } = packed.manifest;
  if (options.dryRun) {
    for (const line of fileListing(packed)) session.terminal.out(line);
    session.terminal.out(`Dry run: ${name} ${version} was not uploaded to ${session.registry}.`);
    return;
  }
  const client = session.client();
  const bar = progress(session.terminal, `Uploading ${name} ${version}`, packed.tarball.length);
  let response;
  try {
    response = await client.request<ApiVersion>(`/packages/${encodeURIComponent(name)}/versions`, {
      method: 'POST',
      body: uploadBody(packed, (sent) => bar.update(sent)),
      auth: 'required',
    });
  } catch (error) {
    bar.stop(false);
    if (error instanceof ApiError && error.code === 'version_exists') {
      throw new CliError(error.message, { hint: `A published version never changes: raise the version in ${MANIFEST_NAME} and publish again.` });
    }
    throw error;
  }
  bar.stop();
  for (const warning of response.body.warnings ?? []) session.terminal.err(`warning: ${warning}`);
  const url = `${session.registry}/packages/${name}/${version}`;
  if (response.status === 200) {
    session.terminal.out(`${name} ${version} is already published, identical: nothing to do.`);
  } else {
    session.terminal.out(`Published ${name} ${version} (sha256 ${response.body.checksum}).`);
  }
  session.terminal.out(url);
}

async function packageCommand(session: Session, options: PackOptions & { out?: string }): Promise<void> {
  const packed = await preparePackage(session, options);
  const file = join(resolve(options.out ?? '.'), `${packed.manifest.name}-${packed.manifest.version}.tar.gz`);
  writeFileSync(file, packed.tarball);
  for (const line of fileListing(packed)) session.terminal.out(line);
  session.terminal.out(`Wrote ${relative(process.cwd(), file) || file}.`);
}

export function publishingCommands(program: Command): void {
  program
    .command('publish')
    .description('Pack the package in this directory and publish it to the registry')
    .option('--dry-run', 'check and pack, list the files, but upload nothing')
    .option('--allow-dirty', 'publish even when git has uncommitted changes to packed files')
    .option('--path <dir>', 'the package directory (default: the current one)')
    .addHelpText('after', '\nExamples:\n  $ sounio publish --dry-run\n  $ sounio publish --path ./my-package --registry http://localhost:3000')
    .action((options: PackOptions & { dryRun?: boolean }, command: Command) => publish(new Session(command), options));

  program
    .command('package')
    .description('Write {name}-{version}.tar.gz exactly as `sounio publish` would upload it')
    .option('--allow-dirty', 'pack even when git has uncommitted changes to packed files')
    .option('--path <dir>', 'the package directory (default: the current one)')
    .option('--out <dir>', 'where to write the archive (default: the current directory)')
    .addHelpText('after', '\nExample:\n  $ sounio package --out /tmp && tar tzf /tmp/my-package-0.1.0.tar.gz')
    .action((options: PackOptions & { out?: string }, command: Command) => packageCommand(new Session(command), options));
}
