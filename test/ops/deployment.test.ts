// The deployment files (Dockerfile, docker-compose.yml, deploy/k8s/*.yaml) cannot be run here (no Docker engine),
// so they are parsed and held to what the app really does: every variable they set is one the configuration knows
// and the configuration accepts their values; the required ones are set; ports and probe paths match the app; the
// start commands exist. The variable lists come from src/config.ts and README.md, so drift on either side fails.
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registry.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Every variable src/config.ts reads (the same extraction as the README test). */
function configVariables(): string[] {
  const source = read('src/config.ts');
  const found = [...source.matchAll(/\(env, '([A-Z][A-Z0-9_]+)'/g), ...source.matchAll(/env\['([A-Z][A-Z0-9_]+)'\]/g), ...source.matchAll(/limit\('([A-Z][A-Z0-9_]+)'/g)];
  return [...new Set(found.map((match) => match[1]!))].sort();
}

/** Every variable of the README's configuration table (first column, `A` / `B` rows count both). */
function readmeVariables(): Set<string> {
  const readme = read('README.md');
  const table = readme.slice(readme.indexOf('| Variable | Default | Meaning |'), readme.indexOf('## ', readme.indexOf('| Variable | Default | Meaning |')));
  const names = new Set<string>();
  for (const line of table.split('\n')) {
    const first = line.split('|')[1] ?? '';
    for (const match of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(match[1]!);
  }
  return names;
}

/** The variables the seed's README lists for a deployment ("Environment Variables"). */
const SEED_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'S3_BUCKET', 'S3_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'JWT_SECRET', 'SESSION_SECRET', 'SMTP_HOST', 'SMTP_PORT', 'SMTP_USER', 'SMTP_PASS', 'SENTRY_DSN'];
/** What a multi-pod production deployment cannot do without: shared state and fixed secrets. */
const REQUIRED_IN_PRODUCTION = ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'S3_BUCKET', 'JWT_SECRET', 'SESSION_SECRET'];

const packageJson = JSON.parse(read('package.json')) as { bin: Record<string, string>; scripts: Record<string, string> };
const serverCommands = [...read('src/main.ts').matchAll(/\.command\('([a-z-]+)/g)].map((match) => match[1]!);

/** A command line runs the server binary named in package.json with one of its commands. */
function expectServerCommand(command: string[], subcommand: string): void {
  expect(command[0]).toBe('node');
  expect(Object.values(packageJson.bin)).toContain(command[1]);
  expect(packageJson.bin['sounio-registry']).toBe(command[1]);
  expect(serverCommands).toContain(subcommand);
  expect(command.slice(2)).toEqual([subcommand]);
}

function stringEnv(env: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

function expectKnownVariables(env: Record<string, string>): void {
  const known = readmeVariables();
  expect(known.size).toBeGreaterThan(30);
  expect(Object.keys(env).filter((name) => !known.has(name))).toEqual([]);
  // The configuration accepts every value as written, as production.
  const config = loadConfig(env);
  expect(config.production).toBe(true);
  expect(config.host).toBe('0.0.0.0');
  for (const name of REQUIRED_IN_PRODUCTION) expect(env[name], name).toBeTruthy();
}

interface DockerInstruction {
  stage: number;
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): DockerInstruction[] {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  let stage = -1;
  return logical.map((line) => {
    const [keyword, ...rest] = line.split(/\s+/);
    if (keyword!.toUpperCase() === 'FROM') stage++;
    return { stage, keyword: keyword!.toUpperCase(), args: rest.join(' ') };
  });
}

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'));
  const stages = instructions.filter((instruction) => instruction.keyword === 'FROM');
  const last = stages.length - 1;
  const final = instructions.filter((instruction) => instruction.stage === last);
  const envOf = (list: DockerInstruction[]) =>
    Object.fromEntries(list.filter((i) => i.keyword === 'ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])));

  it('builds in several stages on node:20-slim and runs from the last one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(from.args).toMatch(/^node:20-slim\b/);
    expect(stages[0]!.args).toMatch(/ AS build$/i);
    // The build stage compiles and then drops devDependencies; the runtime stage copies the result, not the sources.
    const build = instructions.filter((i) => i.stage === 0 && i.keyword === 'RUN').map((i) => i.args).join(' ');
    expect(build).toContain('scripts/build.mjs');
    expect(build).toMatch(/npm prune --omit=dev/);
    const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    expect(copies.every((args) => args.startsWith('--from=build '))).toBe(true);
    expect(copies.join(' ')).toContain('/app/node_modules');
    expect(copies.join(' ')).toContain('/app/dist');
    expect(copies.join(' ')).not.toMatch(/\/app\/(src|test)\b/);
  });

  it('runs as a non-root user, listens on 0.0.0.0:PORT, and checks /healthz', () => {
    const user = final.filter((i) => i.keyword === 'USER').at(-1)?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const env = envOf(final);
    expect(env['HOST']).toBe('0.0.0.0');
    expect(env['NODE_ENV']).toBe('production');
    const expose = final.find((i) => i.keyword === 'EXPOSE')?.args;
    expect(expose).toBe(env['PORT']);
    const healthcheck = final.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
    expect(healthcheck).toContain('/healthz');
    expect(healthcheck).toContain('process.env.PORT');
    // The image's configuration with the two secrets it needs is a valid production configuration.
    expect(loadConfig({ ...env, JWT_SECRET: 'j'.repeat(32), SESSION_SECRET: 's'.repeat(32) }).port).toBe(Number(env['PORT']));
  });

  it('starts the server binary from package.json in exec form (SIGTERM reaches node)', () => {
    const cmd = final.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '';
    expectServerCommand(JSON.parse(cmd) as string[], 'serve');
  });

  it('.dockerignore keeps local builds, data and dependencies out of the context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', 'data', '.git']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  const compose = parseYaml(read('docker-compose.yml')) as {
    services: Record<string, { image?: string; build?: unknown; environment?: Record<string, unknown>; ports?: string[]; depends_on?: Record<string, { condition: string }>; command?: unknown; entrypoint?: unknown; healthcheck?: unknown }>;
  };
  const services = compose.services;
  const registry = services['registry']!;
  const env = stringEnv(registry.environment ?? {});

  it('runs the registry with postgres:16, redis:7, MinIO (bucket created) and Mailpit', () => {
    expect(services['postgres']?.image).toBe('postgres:16');
    expect(services['redis']?.image).toBe('redis:7');
    expect(services['minio']?.image).toMatch(/^minio\/minio(:|$)/);
    expect(services['mailpit']?.image).toMatch(/^axllent\/mailpit(:|$)/);
    expect(registry.build).toBe('.');
    for (const name of ['postgres', 'redis', 'minio']) expect(services[name]!.healthcheck, name).toBeDefined();
    expect(registry.depends_on).toMatchObject({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      'minio-init': { condition: 'service_completed_successfully' },
    });
    const init = JSON.stringify([services['minio-init']?.entrypoint, services['minio-init']?.command]);
    expect(init).toContain(`mc mb --ignore-existing local/${env['S3_BUCKET']}`);
  });

  it('sets every seed variable, only variables the configuration knows, with values it accepts', () => {
    expect(SEED_VARIABLES.filter((name) => !(name in env))).toEqual([]);
    expectKnownVariables(env);
  });

  it('points the registry at the services it runs beside, with their credentials', () => {
    const database = new URL(env['DATABASE_URL']!);
    const postgres = stringEnv(services['postgres']!.environment ?? {});
    expect(database.hostname).toBe('postgres');
    expect([database.username, database.password, database.pathname]).toEqual([postgres['POSTGRES_USER'], postgres['POSTGRES_PASSWORD'], `/${postgres['POSTGRES_DB']}`]);
    expect(new URL(env['REDIS_URL']!).hostname).toBe('redis');
    const minio = stringEnv(services['minio']!.environment ?? {});
    expect(new URL(env['S3_ENDPOINT']!).hostname).toBe('minio');
    expect([env['AWS_ACCESS_KEY_ID'], env['AWS_SECRET_ACCESS_KEY']]).toEqual([minio['MINIO_ROOT_USER'], minio['MINIO_ROOT_PASSWORD']]);
    expect(JSON.stringify(services['minio-init']?.command)).toContain(`sounio ${minio['MINIO_ROOT_PASSWORD']}`);
    expect(env['SMTP_HOST']).toBe('mailpit');
    expect(env['SMTP_PORT']).toBe('1025');
    // Published on :3000, the port the registry listens on.
    expect(registry.ports).toContain(`3000:${env['PORT']}`);
    expect(loadConfig(env).publicUrl).toBe('http://localhost:3000');
  });
});

interface K8sDocument {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
}

interface Container {
  name: string;
  args?: string[];
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { secretRef?: { name: string } }[];
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

describe('deploy/k8s', () => {
  const files = readdirSync(new URL('deploy/k8s/', root)).filter((file) => file.endsWith('.yaml'));
  const documents: K8sDocument[] = files.flatMap((file) =>
    parseAllDocuments(read(`deploy/k8s/${file}`)).map((document) => {
      expect(document.errors, file).toEqual([]);
      return document.toJSON() as K8sDocument;
    }),
  );
  const byKind = (kind: string) => documents.filter((document) => document.kind === kind);
  const deployment = byKind('Deployment')[0]!;
  const deploymentSpec = deployment.spec as {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: { containers: Container[]; terminationGracePeriodSeconds?: number } };
  };
  const container = deploymentSpec.template.spec.containers[0]!;
  const secret = byKind('Secret')[0]!;
  const secretEnv = stringEnv(secret.stringData ?? {});
  const port = (reference: string | number) => (typeof reference === 'number' ? reference : container.ports!.find((p) => p.name === reference)?.containerPort);

  it('has one Deployment, Service, PodDisruptionBudget, migration Job and example Secret', () => {
    expect(documents.map((document) => document.kind).sort()).toEqual(['Deployment', 'Job', 'PodDisruptionBudget', 'Secret', 'Service']);
  });

  it('Deployment: 3 replicas, every setting from registry-secrets, probes on /readyz and /healthz, resources', () => {
    expect(deploymentSpec.replicas).toBe(3);
    expect(deploymentSpec.template.metadata.labels).toMatchObject(deploymentSpec.selector.matchLabels);
    expect(container.envFrom).toEqual([{ secretRef: { name: 'registry-secrets' } }]);
    expect(secret.metadata.name).toBe('registry-secrets');
    expect(container.readinessProbe?.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe?.httpGet.path).toBe('/healthz');
    expect(port(container.readinessProbe!.httpGet.port)).toBe(Number(secretEnv['PORT']));
    expect(port(container.livenessProbe!.httpGet.port)).toBe(Number(secretEnv['PORT']));
    for (const kind of ['requests', 'limits'] as const) {
      expect(container.resources?.[kind]?.['cpu'], kind).toBeDefined();
      expect(container.resources?.[kind]?.['memory'], kind).toBeDefined();
    }
    expectServerCommand(container.args ?? container.command ?? [], 'serve');
    // The pod outlives the registry's own shutdown deadline, so SIGTERM ends in a clean exit, not a SIGKILL.
    expect(deploymentSpec.template.spec.terminationGracePeriodSeconds! * 1000).toBeGreaterThan(loadConfig(secretEnv).shutdownTimeoutMs);
    expect(deploymentSpec.template.metadata.annotations?.['prometheus.io/path']).toBe('/metrics');
    expect(Number(deploymentSpec.template.metadata.annotations?.['prometheus.io/port'])).toBe(Number(secretEnv['PORT']));
  });

  it('Service and PodDisruptionBudget select the Deployment\'s pods', () => {
    const service = byKind('Service')[0]!.spec as { selector: Record<string, string>; ports: { targetPort: string | number }[] };
    expect(deploymentSpec.template.metadata.labels).toMatchObject(service.selector);
    expect(port(service.ports[0]!.targetPort)).toBe(Number(secretEnv['PORT']));
    const pdb = byKind('PodDisruptionBudget')[0]!.spec as { selector: { matchLabels: Record<string, string> }; minAvailable?: number };
    expect(deploymentSpec.template.metadata.labels).toMatchObject(pdb.selector.matchLabels);
    expect(pdb.minAvailable).toBeGreaterThanOrEqual(1);
    expect(pdb.minAvailable).toBeLessThan(deploymentSpec.replicas);
  });

  it('the migration Job runs `migrate` with the same Secret', () => {
    const job = byKind('Job')[0]!.spec as { template: { spec: { containers: Container[]; restartPolicy: string } } };
    const migrate = job.template.spec.containers[0]!;
    expectServerCommand(migrate.args ?? migrate.command ?? [], 'migrate');
    expect(migrate.envFrom).toEqual([{ secretRef: { name: 'registry-secrets' } }]);
    expect(job.template.spec.restartPolicy).not.toBe('Always');
  });

  it('the example Secret lists every variable of src/config.ts, and nothing the configuration does not know', () => {
    expect(configVariables().filter((name) => !(name in secretEnv))).toEqual([]);
    expectKnownVariables(secretEnv);
  });
});

describe('probe and metrics paths answer in the app', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await createTestRegistry('embedded');
  });
  afterAll(async () => {
    await registry?.close();
  });

  it('/healthz, /readyz and /metrics are 200', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics']) expect((await registry.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });
});
