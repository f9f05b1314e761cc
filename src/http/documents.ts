// Answering with a serialised JSON document: ETag, a short Cache-Control (documents change: downloads, yanks), and
// 304 when the client's copy is current.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SerializedDocument } from '../services/documents.js';

export function etagMatches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  return header === '*' || header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}

export function sendDocument(request: FastifyRequest, reply: FastifyReply, document: SerializedDocument, maxAgeSeconds = 30): FastifyReply {
  reply.header('etag', document.etag).header('cache-control', `public, max-age=${maxAgeSeconds}`);
  if (etagMatches(request, document.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(document.body);
}
