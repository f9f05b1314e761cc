// Answering with a serialised document (JSON, or the index's text lines): ETag, a short Cache-Control (documents
// change: downloads, yanks), and 304 when the client's copy is current.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SerializedDocument } from '../services/documents.js';

export function etagMatches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  return header === '*' || header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

export interface SendOptions {
  /** Seconds a client may use its copy without asking again (default 30). */
  maxAgeSeconds?: number;
  /** Default: application/json; charset=utf-8. */
  contentType?: string;
}

export function sendDocument(request: FastifyRequest, reply: FastifyReply, document: SerializedDocument, options: SendOptions = {}): FastifyReply {
  const { maxAgeSeconds = 30, contentType = 'application/json; charset=utf-8' } = options;
  reply.header('etag', document.etag).header('cache-control', `public, max-age=${maxAgeSeconds}`);
  if (etagMatches(request, document.etag)) return reply.code(304).send();
  return reply.type(contentType).send(document.body);
}
