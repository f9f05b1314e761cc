// A real S3-protocol server (s3rver) for tests, on 127.0.0.1 and a free port, in a directory of its own.
import { rmSync } from 'node:fs';
import S3rver from 's3rver';
import { tempDir } from './registry.js';

export const S3_TEST_BUCKET = 'sounio-test-bucket';

export interface TestS3 {
  endpoint: string;
  /** Every request s3rver received, as "METHOD /path?query". */
  requests: string[];
  /** The environment that points a registry at this server. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3(bucket = S3_TEST_BUCKET): Promise<TestS3> {
  const directory = tempDir('sounio-s3rver-');
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const requests: string[] = [];
  server.httpServer!.on('request', (request: { method?: string; url?: string }) => requests.push(`${request.method} ${request.url}`));
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    requests,
    env: { S3_BUCKET: bucket, S3_ENDPOINT: endpoint, S3_REGION: 'us-east-1', S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' },
    stop: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
