#!/usr/bin/env bash
# npm run test:browser: drives Swagger UI and the queue dashboard in headless Chromium against the built API.
# Installs Debian's chromium package when it is missing (as root); CHROMIUM_PATH points at another build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_node_modules
ensure_postgres "${TEST_DATABASE_SERVER_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
ensure_redis "${TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
ensure_chromium

log "Building (the browser test runs the built API)"
npm run --silent build
run_jest --selectProjects browser "$@"
