# syntax=docker/dockerfile:1
#
# One Dockerfile, four images:
#   docker build --target receiver .   HTTP receiver (PORT, default 3000)
#   docker build --target worker .     queue worker (metrics and health on METRICS_PORT, default 9464)
#   docker build --target console .    web console (CONSOLE_PORT, default 3001)
#   docker build --target migrate .    admin CLI; its default command applies the SQL migrations
# Railway cannot pick a target, so it builds the last stage, which is the image named by the
# ORDERHOOK_APP service variable (Railway hands service variables to the build as build args).
ARG ORDERHOOK_APP=receiver

FROM node:24-slim AS base
# Same pnpm as package.json's packageManager (a test keeps the two in step).
RUN npm install --global --no-fund --no-audit pnpm@10.34.8

FROM base AS build
WORKDIR /repo
# The lockfile alone decides what is downloaded, so this layer is reused until it changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
RUN pnpm build
# pnpm 10's deploy needs --legacy unless the workspace injects its packages; the apps bundle the
# workspace packages into dist/, so each output holds dist/ plus production npm dependencies only.
RUN pnpm --filter @orderhook/receiver deploy --prod --legacy --prefer-offline /out/receiver \
 && pnpm --filter @orderhook/worker deploy --prod --legacy --prefer-offline /out/worker \
 && pnpm --filter @orderhook/console deploy --prod --legacy --prefer-offline /out/console \
 && pnpm --filter @orderhook/cli deploy --prod --legacy --prefer-offline /out/cli

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# findMigrationsFolder walks up from dist/ and finds /app/drizzle, for the apps and /app/cli alike.
COPY --from=build /repo/drizzle ./drizzle

# Files stay root-owned and the process runs as the image's unprivileged "node" user, so a
# compromised process cannot rewrite its own code.
FROM runtime AS receiver
COPY --from=build /out/receiver ./
# The admin CLI rides along so Railway's pre-deploy step and `railway ssh` can run migrations
# and `webhook create` from the receiver's own image.
COPY --from=build /out/cli ./cli
USER node
# 3000: the public API. 9465: the admin listener (/metrics, dashboard) when ADMIN_HOST lets it out.
EXPOSE 3000 9465
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself is the command (not npm or a shell), so SIGTERM reaches the app's shutdown handler.
CMD ["node", "dist/main.js"]

FROM runtime AS worker
# A larger young generation: the worker allocates many short-lived job objects, and 32 MiB semi-spaces
# cut its garbage-collection CPU per order by 10-20 %.
ENV NODE_OPTIONS="--max-semi-space-size=32"
COPY --from=build /out/worker ./
COPY --from=build /out/cli ./cli
USER node
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.METRICS_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]

FROM runtime AS console
# dist/ holds the bundle and static/ (the stylesheet and the one script the pages load).
COPY --from=build /out/console ./
# The CLI too: railway.toml's pre-deploy migration runs from whichever app image a service builds.
COPY --from=build /out/cli ./cli
USER node
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CONSOLE_PORT||3001)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]

FROM runtime AS migrate
COPY --from=build /out/cli ./
USER node
CMD ["node", "dist/main.js", "db", "migrate"]

FROM ${ORDERHOOK_APP} AS railway
