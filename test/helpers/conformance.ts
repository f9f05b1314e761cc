// Every JSON response an API test receives is checked against the response schema its route declares (the same
// schemas that generate our OpenAPI document, whose conformance with the upstream contract openapi.test.ts checks).
// A response that does not match is turned into a 500 naming the problem, so the test that caused it fails.
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { SHARED_SCHEMAS } from '../../src/http/schemas.js';

const ajv = new Ajv({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv) => void)(ajv);
ajv.addFormat('password', true);
ajv.addFormat('binary', true);
for (const schema of SHARED_SCHEMAS) ajv.addSchema(schema as object);

const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (validate === undefined) compiled.set(schema, (validate = ajv.compile(schema)));
  return validate;
}

export function checkResponses(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (!type.startsWith('application/json') || (typeof payload !== 'string' && !Buffer.isBuffer(payload))) return payload;
    const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, object>;
    const schema = responses[String(reply.statusCode)] ?? responses[`${String(reply.statusCode)[0]}xx`];
    const body = JSON.parse(payload.toString()) as unknown;
    if (schema === undefined) {
      // Unknown routes and errors outside a declared status still must be the Error body.
      if (reply.statusCode >= 400) schemaCheck(validatorFor({ $ref: 'Error' }), body, request.url, reply.statusCode);
      return payload;
    }
    schemaCheck(validatorFor(schema), body, request.url, reply.statusCode);
    return payload;
  });
}

function schemaCheck(validate: ValidateFunction, body: unknown, url: string, status: number): void {
  if (validate(body)) return;
  const problems = (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`).join('; ');
  throw new Error(`response of ${url} (${status}) does not match its schema: ${problems}`);
}
