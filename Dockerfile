# syntax=docker/dockerfile:1
# Convoy's production image: the compiled server, the three built apps and the server's
# production dependencies, run by `node` as an unprivileged user. No pnpm, no TypeScript.
#
#   docker build -t convoy .
#   docker run -p 3000:3000 -e DATABASE_URL=mysql://USER:PASSWORD@HOST:3306/convoy -e JWT_SECRET=... convoy
#
# The build stage runs scripts/assembleRuntime.sh. scripts/productionCheck.mjs (part of
# `pnpm test`) runs the same script into a fresh directory and starts the result as the
# runtime stage says, reading its COPY, ENV, WORKDIR, CMD and HEALTHCHECK from this file, so
# what this image does is tested on machines that cannot build it.

FROM node:24-bookworm-slim AS build
RUN npm install -g pnpm@9.15.9
WORKDIR /src
# The dependencies come from the lockfile alone, so a source change reuses this layer.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY patches patches
RUN pnpm fetch
COPY . .
RUN pnpm install --offline --frozen-lockfile
RUN scripts/assembleRuntime.sh /out

FROM node:24-bookworm-slim
# Files stay owned by root: the server writes nothing to disk.
COPY --from=build /out /app
ENV NODE_ENV=production PORT=3000 STATIC_DIR=/app/static
WORKDIR /app/apps/server
USER node
EXPOSE 3000
# Liveness, on whatever PORT the container is given.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
