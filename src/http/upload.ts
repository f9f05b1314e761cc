// The publish upload (multipart/form-data: version, tarball, readme?, changelog?). The tarball part is streamed to a
// temporary file while its SHA-256 and size are computed: never held whole in memory. It runs as the route's
// preValidation hook, after authorisation, and leaves `request.body` holding the fields (so the route schema
// validates and documents them) and `request.upload` the file; the file is removed when the response is sent.
import { randomUUID } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { UploadedTarball } from '../services/publish.js';

declare module 'fastify' {
  interface FastifyRequest {
    upload?: UploadedTarball;
  }
}

const TEXT_FIELDS = new Set(['version', 'readme', 'changelog']);
export const FIELD_LIMIT_BYTES = 512 * 1024;

function tooLarge(maxBytes: number): AppError {
  return new AppError(413, 'tarball_too_large', `The tarball is larger than the limit of ${maxBytes} bytes (${(maxBytes / 1024 / 1024).toFixed(1)} MiB).`, { limit: maxBytes });
}

export function receiveUpload(maxTarballBytes: number) {
  return async function receive(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    if (!request.isMultipart()) {
      throw new AppError(415, 'unsupported_media_type', 'Publish with multipart/form-data: a `version` field and a `tarball` file (.tar.gz).');
    }
    const fields: Record<string, string> = {};
    let upload: UploadedTarball | undefined;
    try {
      for await (const part of request.parts({ limits: { fileSize: maxTarballBytes, files: 1, fields: 5, parts: 6, fieldSize: FIELD_LIMIT_BYTES } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'tarball') {
            part.file.resume();
            throw new AppError(400, 'invalid_request', `Unexpected file field "${part.fieldname}": send the package as "tarball".`, { field: part.fieldname });
          }
          const path = join(tmpdir(), `sounio-upload-${randomUUID()}.tar.gz`);
          const hash = createHash('sha256');
          let size = 0;
          request.upload = upload = { path, sha256: '', size: 0 };
          await pipeline(
            part.file,
            new Transform({
              transform(chunk: Buffer, _encoding, done) {
                hash.update(chunk);
                size += chunk.length;
                done(null, chunk);
              },
            }),
            createWriteStream(path, { mode: 0o600 }),
          );
          if (part.file.truncated) throw tooLarge(maxTarballBytes);
          upload.sha256 = hash.digest('hex');
          upload.size = size;
        } else {
          if (!TEXT_FIELDS.has(part.fieldname)) throw new AppError(400, 'invalid_request', `Unexpected field "${part.fieldname}".`, { field: part.fieldname });
          if (part.valueTruncated) throw new AppError(413, 'payload_too_large', `The ${part.fieldname} field is over ${FIELD_LIMIT_BYTES / 1024} KiB.`, { field: part.fieldname });
          fields[part.fieldname] = String(part.value);
        }
      }
    } catch (error) {
      if (error instanceof AppError) throw error;
      const code = (error as { code?: string }).code;
      if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxTarballBytes);
      if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') {
        throw new AppError(400, 'invalid_request', 'Send one tarball and the fields version, readme and changelog, nothing else.');
      }
      if (code?.startsWith('FST_') || /Unexpected end of form|Malformed part header|Multipart: Boundary not found/i.test(String((error as Error).message))) {
        throw new AppError(400, 'invalid_request', `The multipart body is malformed: ${(error as Error).message}`);
      }
      throw error;
    }
    if (upload === undefined) throw new AppError(400, 'missing_tarball', 'The request has no `tarball` file: attach the package as a .tar.gz file field named "tarball".', { field: 'tarball' });
    request.body = { ...fields, tarball: upload.path };
  };
}

/** onResponse: the temporary file goes, whatever the outcome. */
export async function removeUpload(request: FastifyRequest): Promise<void> {
  if (request.upload !== undefined) await rm(request.upload.path, { force: true });
}
