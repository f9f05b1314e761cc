# The registry's image: built in one stage (all dependencies, TypeScript compiled), run from another that holds only
# the compiled code and the production dependencies, as the unprivileged `node` user.
#   docker build -t sounio-registry .
#   docker run -p 3000:3000 -e JWT_SECRET=... -e SESSION_SECRET=... sounio-registry
# Configuration is environment variables only (README.md, "Configuration"); see docker-compose.yml and deploy/k8s/.

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here; the build runs below.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN node scripts/build.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# DATA_DIR holds the embedded database and blobs when no DATABASE_URL / S3_BUCKET is set (a single container).
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form): in-flight requests finish and counters are flushed before exit 0.
CMD ["node", "dist/main.js", "serve"]
