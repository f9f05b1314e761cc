// Generates the OpenAPI document without opening any backend: the app is built with backends that refuse every
// call (building routes never calls them), then asked for its spec. Used by `sounio-registry openapi` and the drift
// test that compares it with the committed openapi.yaml.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskBlobStore } from '../adapters/disk-blobs.js';
import { MemoryKeyValue } from '../adapters/memory-kv.js';
import { OutboxMailer } from '../adapters/outbox-mail.js';
import { loadConfig } from '../config.js';
import type { Context } from '../context.js';
import { createLogger } from '../logger.js';
import type { Database } from '../ports/database.js';
import { buildApp } from './app.js';
import { openApiYaml } from './openapi.js';

const refuse = async (): Promise<never> => {
  throw new Error('no database: this app only generates the OpenAPI document');
};

const noDatabase: Database = {
  kind: 'postgres',
  query: refuse,
  transaction: refuse,
  withAdvisoryLock: refuse,
  ping: refuse,
  close: async () => {},
};

export async function generateOpenApiDocument(): Promise<string> {
  const config = loadConfig({ PUBLIC_URL: 'http://localhost:3000', LOG_LEVEL: 'silent' });
  const scratch = join(tmpdir(), 'sounio-openapi');
  const ctx: Context = {
    config,
    secrets: { jwtSecret: 'x'.repeat(32), sessionSecret: 'x'.repeat(32) },
    logger: createLogger('silent'),
    db: noDatabase,
    blobs: new DiskBlobStore(scratch),
    kv: new MemoryKeyValue(),
    mail: new OutboxMailer(scratch),
  };
  const app = await buildApp(ctx);
  try {
    await app.fastify.ready();
    return openApiYaml(app.fastify);
  } finally {
    await app.fastify.close();
    await ctx.kv.close();
  }
}
