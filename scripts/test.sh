#!/usr/bin/env bash
# npm test: from a fresh clone, prepares PostgreSQL (with PostGIS) and Redis, builds, type-checks, lints and runs
# every suite. The e2e set-up creates a database of its own for the run and drops it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_node_modules

server=${TEST_DATABASE_SERVER_URL:-postgres://postgres@127.0.0.1:5432/postgres}
redis=${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}
ensure_postgres "$server"
ensure_redis "$redis"
ensure_pgbouncer

log "Building (the start-up tests run the built entry points)"
npm run --silent build
log "Type-checking tests and benchmarks"
npx tsc --noEmit -p tsconfig.json
log "Linting"
npm run --silent lint

run_jest --selectProjects unit e2e "$@"
