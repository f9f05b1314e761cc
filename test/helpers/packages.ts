// Package tarballs and publishes for API tests: a manifest and files packed as a real .tar.gz (every entry under
// `{name}-{version}/` unless told otherwise), sent as the multipart form the CLI sends.
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { expect } from 'vitest';
import type { TestRegistry } from './registry.js';

/** The example manifest of the seed's README ("Publishing Packages", step 1), exactly as written there. */
export const SEED_MANIFEST = `[package]
name = "my-package"
version = "0.1.0"
authors = ["Your Name <you@example.com>"]
description = "A brief description of my package"
license = "MIT"
repository = "https://github.com/you/my-package"
keywords = ["keyword1", "keyword2"]
categories = ["science", "math"]

[dependencies]
stdlib = "^1.0"
`;

export interface PackageSpec {
  name: string;
  version: string;
  description?: string;
  license?: string;
  /** Extra lines for [package]. */
  extra?: string;
  /** `name = "req"` lines for [dependencies]. */
  dependencies?: Record<string, string>;
  /** Whole manifest text, replacing the generated one. */
  manifest?: string;
  /** Files besides Sounio.toml (README.md is added unless given or set to null). */
  files?: Record<string, string | Buffer | null>;
  /** 'folder' (default): entries under `{name}-{version}/`; 'flat': at the root; or another folder name. */
  layout?: 'folder' | 'flat' | string;
}

export function manifestFor(spec: PackageSpec): string {
  if (spec.manifest !== undefined) return spec.manifest;
  const lines = [
    '[package]',
    `name = "${spec.name}"`,
    `version = "${spec.version}"`,
    `description = "${spec.description ?? `The ${spec.name} package`}"`,
    `license = "${spec.license ?? 'MIT'}"`,
    ...(spec.extra ? [spec.extra] : []),
  ];
  if (spec.dependencies && Object.keys(spec.dependencies).length > 0) {
    lines.push('', '[dependencies]', ...Object.entries(spec.dependencies).map(([name, req]) => `${name} = "${req}"`));
  }
  return lines.join('\n') + '\n';
}

export async function packTarball(spec: PackageSpec): Promise<Buffer> {
  const pack = tar.pack();
  const prefix = spec.layout === 'flat' ? '' : `${spec.layout === undefined || spec.layout === 'folder' ? `${spec.name}-${spec.version}` : spec.layout}/`;
  const files: Record<string, string | Buffer | null> = { 'README.md': `# ${spec.name}\n\nA test package.\n`, 'src/lib.sio': 'fn main() {}\n', ...spec.files, 'Sounio.toml': manifestFor(spec) };
  for (const [path, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (content === null) continue;
    pack.entry({ name: prefix + path, mtime: new Date(0), mode: 0o644 }, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

export async function multipart(fields: Record<string, string>, tarball?: Buffer): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (tarball !== undefined) form.append('tarball', new Blob([tarball], { type: 'application/gzip' }), 'package.tar.gz');
  const response = new Response(form);
  return { payload: Buffer.from(await response.arrayBuffer()), headers: { 'content-type': response.headers.get('content-type')! } };
}

/** One part of a hand-built multipart form: a text field, or a file (any field name, any bytes). */
export type FormPart = { name: string; value: string } | { name: string; file: Buffer; filename?: string; type?: string };

/** A multipart body of exactly these parts, in this order (for forms the CLI would never send). */
export async function multipartParts(parts: readonly FormPart[]): Promise<{ payload: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const part of parts) {
    if ('value' in part) form.append(part.name, part.value);
    else form.append(part.name, new Blob([part.file], { type: part.type ?? 'application/gzip' }), part.filename ?? 'package.tar.gz');
  }
  const response = new Response(form);
  return { payload: Buffer.from(await response.arrayBuffer()), headers: { 'content-type': response.headers.get('content-type')! } };
}

export async function publishTarball(
  registry: TestRegistry,
  auth: { authorization: string },
  name: string,
  version: string,
  tarball: Buffer,
  extraFields: Record<string, string> = {},
) {
  const { payload, headers } = await multipart({ version, ...extraFields }, tarball);
  return registry.app.inject({ method: 'POST', url: `/api/v1/packages/${name}/versions`, payload, headers: { ...headers, ...auth } });
}

export async function publish(registry: TestRegistry, auth: { authorization: string }, spec: PackageSpec, extraFields: Record<string, string> = {}) {
  return publishTarball(registry, auth, spec.name, spec.version, await packTarball(spec), extraFields);
}

/** Publishes and expects 201. */
export async function published(registry: TestRegistry, auth: { authorization: string }, spec: PackageSpec) {
  const response = await publish(registry, auth, spec);
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}
