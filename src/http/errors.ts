// Maps every failure to a response. Under /api/ that is always the upstream `Error` body with a fitting status and
// a stable code; elsewhere (the web interface) an HTML page. Bad input is a 4xx, never a 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, BackendUnavailableError, type ErrorDetails } from '../errors.js';
import { renderErrorPage } from '../web/error-page.js';

export function isApiPath(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?');
}

interface ErrorResponse {
  status: number;
  code: string;
  message: string;
  details?: ErrorDetails;
  headers?: Record<string, string>;
}

// Fastify's own client errors, by code, as ours.
const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is larger than this endpoint accepts.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request', message: 'The Content-Length header does not match the body.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is empty but the content type says JSON.' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 400, code: 'invalid_request', message: 'The Content-Type header is empty.' },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'invalid_request', message: 'The Content-Type header is not valid.' },
};

function describeValidation(error: FastifyError): ErrorResponse {
  const issues = (error.validation ?? []).map((issue) => {
    const params = issue.params as Record<string, unknown>;
    const missing = typeof params['missingProperty'] === 'string' ? `/${params['missingProperty']}` : '';
    const extra = typeof params['additionalProperty'] === 'string' ? `/${params['additionalProperty']}` : '';
    const path = `${issue.instancePath}${missing}${extra}`.replace(/^\//, '').replace(/\//g, '.');
    return { field: path || undefined, message: issue.message ?? 'is invalid' };
  });
  const where = error.validationContext ?? 'body';
  const first = issues[0];
  const field = first?.field !== undefined ? `${where === 'body' ? '' : `${where} `}${first.field}` : where;
  const message = first === undefined ? error.message : `${field} ${first.message}`.replace(/\s+/g, ' ');
  return {
    status: 400,
    code: 'invalid_request',
    message: message.charAt(0).toUpperCase() + message.slice(1),
    details: { location: where, ...(first?.field !== undefined && { field: first.field }), issues },
  };
}

export function toErrorResponse(error: unknown, request: FastifyRequest): ErrorResponse {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, message: error.message, ...(error.details && { details: error.details }), ...(error.headers && { headers: error.headers }) };
  }
  if (error instanceof BackendUnavailableError) {
    request.log.warn({ err: error }, error.message);
    return { status: 503, code: 'service_unavailable', message: `The registry is temporarily unavailable (${error.backend}); try again shortly.`, headers: { 'retry-after': '5' } };
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return describeValidation(fastifyError);
  const known = fastifyError.code !== undefined ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return { status: known.status, code: known.code, message: known.message ?? fastifyError.message };
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    return { status, code: status === 404 ? 'not_found' : status === 405 ? 'method_not_allowed' : 'invalid_request', message: fastifyError.message };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side; it has been logged.' };
}

export function sendError(reply: FastifyReply, response: ErrorResponse): FastifyReply {
  const request = reply.request;
  if (response.headers) reply.headers(response.headers);
  reply.code(response.status);
  if (isApiPath(request.url)) {
    return reply.type('application/json; charset=utf-8').send({
      error: response.code,
      message: response.message,
      ...(response.details && { details: response.details }),
    });
  }
  return reply.type('text/html; charset=utf-8').send(renderErrorPage(response.status, response.message, request.principal ?? null));
}

export function notFoundResponse(request: FastifyRequest): ErrorResponse {
  return isApiPath(request.url)
    ? { status: 404, code: 'not_found', message: `There is no API endpoint ${request.method} ${request.url.split('?')[0]}.` }
    : { status: 404, code: 'not_found', message: 'There is no page at this address.' };
}
