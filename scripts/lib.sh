# Shared helpers for scripts/start.sh and scripts/test.sh. Sourced, not executed.

log() { printf '\033[1;34m[hairone]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[hairone]\033[0m %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = "0" ]; }

# Exports each KEY=VALUE of a dotenv file unless KEY is already set: real environment variables win.
load_env_file() {
  local file=$1 line key
  [ -f "$file" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '' | '#'*) continue ;; esac
    key=${line%%=*}
    if [ -z "${!key+x}" ]; then export "$line"; fi
  done <"$file"
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "Installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}

# url_part URL host|port|db
url_part() {
  node -e '
    const u = new URL(process.argv[1]);
    const part = process.argv[2];
    const defaults = { "postgres:": 5432, "postgresql:": 5432, "redis:": 6379, "rediss:": 6379 };
    if (part === "host") console.log(u.hostname || "127.0.0.1");
    else if (part === "port") console.log(u.port || defaults[u.protocol]);
    else if (part === "db") console.log(decodeURIComponent(u.pathname.slice(1)));
  ' "$1" "$2"
}

# The same URL pointing at the maintenance database "postgres", for CREATE DATABASE and catalogue checks.
server_url() {
  node -e 'const u = new URL(process.argv[1]); u.pathname = "/postgres"; console.log(u.toString())' "$1"
}

is_local_host() { case "$1" in 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac; }

wait_for() {
  local what=$1 check=$2 tries=${3:-30}
  for _ in $(seq "$tries"); do
    if eval "$check" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  die "$what did not become reachable"
}

postgres_ready() { pg_isready -q -h "$1" -p "$2"; }

ensure_postgres() {
  local url=$1 host port
  host=$(url_part "$url" host)
  port=$(url_part "$url" port)
  command -v psql >/dev/null || die "psql is not installed; install the PostgreSQL client (apt-get install -y postgresql-client)"
  if ! postgres_ready "$host" "$port"; then
    if is_local_host "$host" && is_root && command -v pg_ctlcluster >/dev/null; then
      log "Starting the local PostgreSQL cluster"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
      wait_for "PostgreSQL at $host:$port" "postgres_ready $host $port"
    else
      die "PostgreSQL is not reachable at $host:$port (set DATABASE_URL to a running PostgreSQL 15 with PostGIS)"
    fi
  fi

  local admin_url has_postgis major
  admin_url=$(server_url "$url")
  has_postgis=$(psql "$admin_url" -tAc "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
  if [ "$has_postgis" != "1" ]; then
    major=$(psql "$admin_url" -tAc "SHOW server_version_num" | cut -c1-2)
    is_local_host "$host" ||
      die "PostGIS is not installed on the PostgreSQL server at $host:$port; install postgresql-$major-postgis-3"
    apt_install "postgresql-$major-postgis-3" "PostGIS for PostgreSQL $major"
  fi
}

ensure_database() {
  local url=$1 db admin_url
  db=$(url_part "$url" db)
  admin_url=$(server_url "$url")
  if [ "$(psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    log "Creating database $db"
    psql "$admin_url" -qc "CREATE DATABASE \"$db\"" >/dev/null
  fi
}

redis_ready() {
  local host=$1 port=$2 reply
  exec 3<>"/dev/tcp/$host/$port" || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || true
  exec 3<&- 3>&-
  [ "${reply%$'\r'}" = "+PONG" ]
}

ensure_redis() {
  local url=$1 host port
  host=$(url_part "$url" host)
  port=$(url_part "$url" port)
  if redis_ready "$host" "$port" 2>/dev/null; then return 0; fi
  if is_local_host "$host" && command -v redis-server >/dev/null; then
    log "Starting a local Redis on port $port"
    mkdir -p /tmp/hairone-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
      --dir /tmp/hairone-redis --logfile /tmp/hairone-redis/redis.log
    wait_for "Redis at $host:$port" "redis_ready $host $port"
  else
    die "Redis is not reachable at $host:$port (set REDIS_URL to a running Redis)"
  fi
}

# Headless Chromium for the browser test: CHROMIUM_PATH if set, else Debian's package, installed when missing.
ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ]; then
    [ -x "$CHROMIUM_PATH" ] || die "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"
    return 0
  fi
  [ -x /usr/bin/chromium ] || apt_install chromium "Chromium" ", or set CHROMIUM_PATH"
}

# apt_install PACKAGE NAME [HINT]: installs a Debian package as root, or stops with how to install it.
apt_install() {
  if is_root && command -v apt-get >/dev/null; then
    log "Installing $2 (apt-get install $1)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    die "$2 is not installed: apt-get install $1 (as root)${3:-}"
  fi
}

# Runs Jest with the given arguments and closes with one plain line, "tests: N passed, M failed". A run that
# executed no tests fails.
run_jest() {
  local results status
  results=$(mktemp -d)/jest.json
  set +e
  npx jest --ci --json --outputFile="$results" "$@"
  status=$?
  set -e
  node -e '
    const fs = require("fs");
    if (!fs.existsSync(process.argv[1])) { console.log("tests: 0 passed, 1 failed"); process.exit(1); }
    const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
    if (r.numTotalTests === 0) { console.error("No tests ran"); process.exit(1); }
  ' "$results" || status=1
  return "$status"
}

# PgBouncer for the connection-pooling tests (Debian's package), installed when missing.
ensure_pgbouncer() {
  [ -x /usr/sbin/pgbouncer ] || apt_install pgbouncer "PgBouncer"
}
