# syntax=docker/dockerfile:1

# One image for every HairOne process: the API (default CMD), the worker (`node dist/src/worker.js`) and
# the migration job (`node dist/src/database/migrate.js`). Because the worker has no HTTP port, the image
# declares no HEALTHCHECK; the API's health check lives in docker-compose.yml.

# ---- build: full dependency tree (Nest CLI, TypeScript) to compile src/ into dist/ ----
FROM node:24-bookworm-slim AS build
WORKDIR /app

# Manifests first so the dependency layer is reused until package*.json changes.
# bcrypt and msgpackr load prebuilt glibc binaries, so no compiler toolchain is needed on bookworm.
COPY package.json package-lock.json ./
RUN npm ci

COPY . .
RUN npm run build

# ---- runtime: production dependencies and compiled output only ----
FROM node:24-bookworm-slim AS runtime

# Set before `npm ci` so nothing dev-only is installed and libraries run in production mode.
ENV NODE_ENV=production
WORKDIR /app

# A fresh production install rather than pruning the build stage's node_modules: no dev packages or npm
# cache leak into the image. Cleaning the cache in the same layer keeps it out of the image entirely.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --from=build /app/dist ./dist

# Files stay root-owned and read-only to the process; it runs as the unprivileged user the base image ships.
USER node

EXPOSE 3000
CMD ["node", "dist/src/main.js"]
