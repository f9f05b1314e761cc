// Our OpenAPI document against two references: the committed openapi.yaml (regenerated here; any drift fails) and
// the upstream contract in ../shared/upstream/openapi.yaml (skipped with a message where that file is absent).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../../src/http/spec.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UPSTREAM = fileURLToPath(new URL('../../../shared/upstream/openapi.yaml', import.meta.url));

// Upstream operations whose issue has not landed yet. The list may only shrink: an operation listed here that our
// document already has fails the test, so whoever builds it also removes it from here.
const PENDING: Record<string, string> = {};

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[]; $ref?: string; items?: Schema };
type Operation = { parameters?: Array<{ name: string; in: string; required?: boolean }>; responses?: Record<string, { content?: Record<string, { schema?: Schema }>; $ref?: string }> };
type Spec = { paths?: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema>; responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> } };

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head'];

function operations(spec: Spec): Map<string, Operation> {
  const result = new Map<string, Operation>();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    for (const method of METHODS) if (item[method]) result.set(`${method.toUpperCase()} ${path}`, item[method]);
  }
  return result;
}

/** The shape that matters for conformance: types, formats, refs and array items, not descriptions or limits. */
function shape(schema: Schema | undefined): unknown {
  if (schema === undefined) return undefined;
  if (schema.$ref) return { ref: schema.$ref.split('/').pop() };
  return { type: schema['type'], format: schema['format'], items: schema.items ? shape(schema.items) : undefined };
}

function responseSchema(spec: Spec, response: { content?: Record<string, { schema?: Schema }>; $ref?: string } | undefined): Schema | undefined {
  if (response?.$ref) return responseSchema(spec, spec.components.responses?.[response.$ref.split('/').pop()!]);
  return response?.content?.['application/json']?.schema;
}

describe('OpenAPI document', () => {
  it('openapi.yaml is the document the routes generate (run `npm run openapi` after changing a route)', async () => {
    const generated = await generateOpenApiDocument();
    const committed = readFileSync(`${ROOT}/openapi.yaml`, 'utf8');
    expect(committed).toBe(generated);
  });

  const upstreamPresent = existsSync(UPSTREAM);
  describe.skipIf(!upstreamPresent)(`conformance with the upstream contract${upstreamPresent ? '' : ' (skipped: ../shared/upstream/openapi.yaml is absent in this clone)'}`, () => {
    const load = async () => ({ upstream: parse(readFileSync(UPSTREAM, 'utf8')) as Spec, ours: parse(await generateOpenApiDocument()) as Spec });

    it('every upstream schema exists with the same fields, types and required fields', async () => {
      const { upstream, ours } = await load();
      for (const [name, theirs] of Object.entries(upstream.components.schemas)) {
        const mine = ours.components.schemas[name];
        expect(mine, `schema ${name}`).toBeDefined();
        expect([...(mine!.required ?? [])].sort(), `${name}.required`).toEqual([...(theirs.required ?? [])].sort());
        for (const [field, fieldSchema] of Object.entries(theirs.properties ?? {})) {
          expect(mine!.properties?.[field], `${name}.${field}`).toBeDefined();
          expect(shape(mine!.properties![field]), `${name}.${field}`).toEqual(shape(fieldSchema));
        }
      }
    });

    it('every upstream operation is served with its parameters and statuses, or is listed as pending', async () => {
      const { upstream, ours } = await load();
      const mine = operations(ours);
      for (const [key, theirs] of operations(upstream)) {
        const operation = mine.get(key);
        if (operation === undefined) {
          expect(PENDING[key], `${key} is neither served nor listed as pending`).toBeDefined();
          continue;
        }
        expect(PENDING[key], `${key} is served now: remove it from PENDING`).toBeUndefined();
        for (const parameter of theirs.parameters ?? []) {
          const found = (operation.parameters ?? []).find((p) => p.name === parameter.name && p.in === parameter.in);
          expect(found, `${key} parameter ${parameter.in}:${parameter.name}`).toBeDefined();
        }
        for (const [status, response] of Object.entries(theirs.responses ?? {})) {
          expect(operation.responses?.[status], `${key} answers ${status}`).toBeDefined();
          const expected = shape(responseSchema(upstream, response));
          if (expected !== undefined) expect(shape(responseSchema(ours, operation.responses![status])), `${key} ${status} body`).toEqual(expected);
        }
      }
    });
  });
});
