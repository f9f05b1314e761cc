// Composes the HTTP application: external plugins, then the error mapping, then routes. Everything a route needs
// comes from the Context passed in; nothing here reads configuration from anywhere else.
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Context } from '../context.js';
import { AppError } from '../errors.js';
import { reportRequestError } from '../error-reporting.js';
import { authenticate } from '../services/authentication.js';
import { authorize } from './auth.js';
import { answeredPreflight, isOpenRead, OPEN_CORS_HEADERS } from './cors.js';
import { isApiPath, notFoundResponse, sendError, toErrorResponse } from './errors.js';
import { metricsRoutes, recordRequestMetrics } from './metrics.js';
import { API_PREFIX, registerOpenApi } from './openapi.js';
import { RateLimiter } from './rate-limit.js';
import { authRoutes } from './routes/auth.js';
import { healthRoutes } from './routes/health.js';
import { indexRoutes } from './routes/index-files.js';
import { resolutionRoutes } from './routes/resolution.js';
import { meRoutes } from './routes/me.js';
import { discoveryRoutes } from './routes/discovery.js';
import { packageRoutes } from './routes/packages.js';
import { versionRoutes } from './routes/versions.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { webRoutes } from '../web/routes.js';
import { sessionPrincipal } from '../web/session.js';
import { localCacheOf } from '../services/local-cache.js';
import { lazyChildLogger, type Logger } from '../logger.js';
import { staticSecurityHeaders } from './security-headers.js';

export interface AppOptions {
  /** Largest request body accepted outside the upload route, in bytes. */
  bodyLimit?: number;
}

export interface App {
  fastify: FastifyInstance;
  /** Marks the app as draining: /readyz answers 503 so load balancers stop sending new requests. */
  beginShutdown(): void;
}

export async function buildApp(ctx: Context, options: AppOptions = {}): Promise<App> {
  const state = { shuttingDown: false };
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    trustProxy: ctx.config.trustProxy,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // Request ids for log correlation; a client-sent X-Request-Id is kept when it looks sane.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    // A request's logger is made only if the request logs something (logger.ts).
    childLoggerFactory: (logger, bindings, options) => lazyChildLogger(logger as Logger, bindings, options as Record<string, unknown>) as FastifyBaseLogger,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  // Subscribe this process's document cache to change messages now, so it is on by the first request.
  localCacheOf(ctx.kv);

  // Security headers on every answer. Pages allow no inline script and no foreign script at all; README images may
  // come from any https host. Swagger UI (/api/docs) sets its own policy. The API is open to other origins (CORS),
  // so its resources may be loaded cross-origin too.
  const securityHeaders = staticSecurityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'https:', 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(ctx.config.publicUrl.startsWith('https://') && { upgradeInsecureRequests: [] }),
      },
    },
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    strictTransportSecurity: ctx.config.publicUrl.startsWith('https://') ? { maxAge: 31536000, includeSubDomains: false } : false,
  });
  // Hooks on every request are written with callbacks, not async: a hot read is cheap, and a promise per hook is not.
  // Public GETs under /api/ may be read from any origin, without credentials; nothing else is open cross-origin
  // (cors.ts). Their headers and the security headers are set at once.
  const openReadHeaders = { ...securityHeaders, ...OPEN_CORS_HEADERS };
  // The route's url and rate-limit bucket, read once: request.routeOptions is a getter that builds a dozen-field object
  // on every read, and the rate limiter and the metrics need them on every request.
  app.decorateRequest('routeUrl', undefined);
  app.decorateRequest('routeRateLimit', undefined);
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions;
    request.routeUrl = route.url;
    request.routeRateLimit = route.config?.rateLimit;
    reply.header('x-request-id', request.id);
    if (isOpenRead(request)) {
      reply.headers(openReadHeaders);
    } else {
      reply.headers(securityHeaders);
      if (answeredPreflight(request, reply)) return;
    }
    done();
  });
  // Cookies are for the web interface only (sessions, CSRF seeds); signed with SESSION_SECRET.
  await app.register(cookie, { secret: ctx.secrets.sessionSecret, hook: 'onRequest' });

  // Who is calling, then how much they may: limits are per user when authenticated. A credential that fails is
  // counted against the client's address first, so guessing tokens is rate-limited too.
  const limiter = new RateLimiter(ctx.kv, ctx.config.rateLimits, ctx.logger);
  app.decorateRequest('principal', null);
  app.decorateRequest('authError', null);
  // An anonymous API call is identified and counted without a promise when the count needs no round trip.
  const identifyAndCount = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      // The API knows bearers only (no cookie ever authorises an API call); pages know their session cookie only.
      request.principal = isApiPath(request.url)
        ? await authenticate(ctx, request.headers.authorization, request.ip)
        : await sessionPrincipal(ctx, request, reply);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      request.authError = error;
    }
    await limiter.check(request, reply);
    if (request.authError !== null) throw request.authError;
  };
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeRateLimit === false) return done();
    const { authorization } = request.headers;
    let pending: Promise<void> | undefined;
    try {
      pending =
        (authorization === undefined || authorization === '') && isApiPath(request.url)
          ? limiter.check(request, reply) // principal stays null
          : identifyAndCount(request, reply);
    } catch (error) {
      return done(error as Error);
    }
    if (pending === undefined) return done();
    pending.then(() => done(), done);
  });
  // Before validation, so nobody streams an upload (or probes a schema) on a route they may not use; only on the
  // routes that declare what they need.
  app.addHook('onRoute', (route) => {
    if ((route.config as { auth?: unknown } | undefined)?.auth === undefined) return;
    const own = route.preValidation === undefined ? [] : Array.isArray(route.preValidation) ? route.preValidation : [route.preValidation];
    route.preValidation = [authorize, ...own];
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.rateLimitKey === undefined) return done(null, payload);
    let settled: unknown;
    try {
      settled = limiter.settle(request, reply, payload);
    } catch (error) {
      return done(error as Error);
    }
    if (settled instanceof Promise) settled.then((value: unknown) => done(null, value), done);
    else done(null, settled);
  });
  app.addHook('onClose', () => limiter.close());
  if (ctx.config.metrics.enabled) recordRequestMetrics(app, ctx);

  app.setErrorHandler((error, request, reply) => {
    const response = toErrorResponse(error, request);
    // Only the unexpected (a 500 internal_error) goes to Sentry, when SENTRY_DSN is set.
    if (response.code === 'internal_error') reportRequestError(ctx.config.sentryDsn, ctx.logger, error, request);
    return sendError(reply, response);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, notFoundResponse(request)));

  await app.register(multipart, { throwFileSizeLimit: true });
  await registerOpenApi(app);
  healthRoutes(app, ctx, state);
  if (ctx.config.metrics.enabled && ctx.config.metrics.port === undefined) metricsRoutes(app, ctx);
  await app.register(
    async (api) => {
      authRoutes(api, ctx);
      tokenRoutes(api, ctx);
      meRoutes(api, ctx);
      userRoutes(api, ctx);
      packageRoutes(api, ctx);
      versionRoutes(api, ctx);
      discoveryRoutes(api, ctx);
      indexRoutes(api, ctx);
      resolutionRoutes(api, ctx);
    },
    { prefix: API_PREFIX },
  );
  await webRoutes(app, ctx);

  return {
    fastify: app,
    beginShutdown: () => {
      state.shuttingDown = true;
    },
  };
}
