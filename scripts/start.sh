#!/usr/bin/env bash
# npm start: from a fresh clone to a running API and worker on this machine's PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_node_modules

if [ ! -f .env ]; then
  log "Writing .env with local defaults and a freshly generated JWT_SECRET (edit it to change settings)"
  secret=$(node -e 'console.log(require("crypto").randomBytes(48).toString("base64url"))')
  admin_password=$(node -e 'console.log("admin-" + require("crypto").randomBytes(9).toString("base64url"))')
  cat >.env <<ENV
# Local settings for npm start; never commit this file. See README.md for every variable.
DATABASE_URL=postgres://postgres@127.0.0.1:5432/hairone
REDIS_URL=redis://127.0.0.1:6379/0
JWT_SECRET=$secret
BOOTSTRAP_ADMIN_EMAIL=admin@hairone.local
BOOTSTRAP_ADMIN_PASSWORD=$admin_password
ENV
fi
load_env_file .env

ensure_postgres "$DATABASE_URL"
ensure_database "$DATABASE_URL"
ensure_redis "$REDIS_URL"

log "Building"
npm run --silent build
log "Migrating"
node dist/src/database/migrate.js
log "Seeding demo data"
node dist/src/database/seed.js

node dist/src/main.js &
api=$!
node dist/src/worker.js &
worker=$!

stop() {
  kill -TERM "$api" "$worker" 2>/dev/null || true
  wait "$api" "$worker" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM

port=${PORT:-3000}
for _ in $(seq 60); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/health"; then break; fi
  kill -0 "$api" 2>/dev/null || break
  sleep 0.5
done
log "HairOne is running: API http://localhost:$port/api/v1, Swagger UI http://localhost:$port/docs (Ctrl+C stops both processes)"

# If either process dies, stop the other too, and report the failure.
set +e
wait -n "$api" "$worker"
status=$?
stop
exit "$status"
