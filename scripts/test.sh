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

log "Building (the start-up tests run the built entry points)"
npm run --silent build
log "Type-checking tests and benchmarks"
npx tsc --noEmit -p tsconfig.json
log "Linting"
npm run --silent lint

results=$(mktemp -d)/jest.json
set +e
npx jest --ci --json --outputFile="$results" "$@"
status=$?
set -e

# One plain closing line that CI and humans can read at a glance.
node -e '
  const fs = require("fs");
  if (!fs.existsSync(process.argv[1])) { console.log("tests: 0 passed, 1 failed"); process.exit(1); }
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  if (r.numTotalTests === 0) { console.error("No tests ran"); process.exit(1); }
' "$results" || status=1
exit "$status"
