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

# Online payments go to a local Razorpay stand-in (started below), so an online booking can be paid offline.
# An .env from before payments existed gets these lines appended; one that names real Razorpay keys is left alone.
if ! grep -q '^RAZORPAY_KEY_ID=' .env; then
  log "Adding local Razorpay stand-in settings to .env"
  random() { node -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))'; }
  cat >>.env <<ENV
# The local Razorpay stand-in that npm start runs; put real test-mode keys and https://api.razorpay.com here instead.
RAZORPAY_API_BASE_URL=http://127.0.0.1:4010
RAZORPAY_KEY_ID=rzp_test_local
RAZORPAY_KEY_SECRET=$(random)
RAZORPAY_WEBHOOK_SECRET=$(random)
ENV
fi
load_env_file .env

ensure_postgres "$DATABASE_URL"
ensure_database "$DATABASE_URL"
ensure_redis "$REDIS_URL"

log "Building"
npm run --silent build
npm run --silent build:dev-tools
log "Migrating"
node dist/src/database/migrate.js
log "Seeding demo data"
node dist/src/database/seed.js

pids=()
stop() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM

stand_in=""
case "${RAZORPAY_API_BASE_URL:-}" in
  http://127.0.0.1:* | http://localhost:*)
    node dist-dev/dev/razorpay-stand-in/main.js &
    stand_in=$!
    pids+=("$stand_in")
    ;;
esac
node dist/src/main.js &
api=$!
pids+=("$api")
node dist/src/worker.js &
pids+=("$!")

port=${PORT:-3000}
for _ in $(seq 60); do
  if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/health"; then break; fi
  kill -0 "$api" 2>/dev/null || break
  sleep 0.5
done
log "HairOne is running: API http://localhost:$port/api/v1, Swagger UI http://localhost:$port/docs (Ctrl+C stops every process)"
if [ -n "$stand_in" ]; then
  log "Online payments go to the Razorpay stand-in at $RAZORPAY_API_BASE_URL (README: Paying online locally)"
fi

# If any process dies, stop the others too, and report the failure.
set +e
wait -n "${pids[@]}"
status=$?
stop
exit "$status"
