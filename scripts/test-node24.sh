#!/usr/bin/env bash
# npm run test:node24: the whole suite (`npm test`) a second time on Node 24 LTS, whatever the machine's own Node.
# Node 24 comes from the npm registry's `node` package (`npx -p node@24`, kept in npm's cache, so a second run does
# not download it again) and goes first on PATH, so npm, Jest and every process the tests start run on it.
# The native modules (bcrypt, msgpackr-extract, ...) ship N-API binaries that load on any Node; they are checked
# first. If one does not load, the suite runs in a separate copy of the project (.node24/, git-ignored) whose
# node_modules is rebuilt for Node 24, so the install the machine's own Node uses is never touched.
# NODE24_SPEC picks another build (default node@24); NODE24_SEPARATE_COPY=1 forces the separate copy.
# Arguments are passed to `npm test` (and so to Jest).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

# Installed, if need be, by the machine's own Node, as `npm test` would.
ensure_node_modules

spec=${NODE24_SPEC:-node@24}
log "Getting Node 24 from the npm registry (npx -p $spec)"
node24=$(npx --yes --package "$spec" -- node -p process.execPath)
[ -x "$node24" ] || die "npx -p $spec did not give a node binary (got: $node24)"
export PATH="$(dirname "$node24"):$PATH"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" = 24 ] || die "expected Node 24 first on PATH, got $(node --version) at $(command -v node)"
log "Node $(node --version) at $node24 (npm $(npm --version))"

# Each native module the application (bcrypt; msgpackr-extract under bull), Jest (unrs-resolver) or the Nest CLI
# (@parcel/watcher) loads, used once on this Node; one that is not installed is skipped.
native_modules_load() {
  node -e '
    const checks = {
      bcrypt: (m) => m.compareSync("x", m.hashSync("x", 4)),
      "msgpackr-extract": (m) => m.extractStrings,
      "unrs-resolver": (m) => m.ResolverFactory,
      "@parcel/watcher": (m) => m.subscribe,
    };
    let ok = true;
    for (const [name, check] of Object.entries(checks)) {
      try {
        require.resolve(name);
      } catch {
        continue;
      }
      try {
        if (!check(require(name))) throw new Error("loaded, but does not work");
      } catch (error) {
        console.error(`${name} does not load on Node ${process.version}: ${error.message.split("\n")[0]}`);
        ok = false;
      }
    }
    process.exit(ok ? 0 : 1);
  '
}

if [ "${NODE24_SEPARATE_COPY:-}" != 1 ] && native_modules_load; then
  log "The native modules load on Node 24 as installed: running npm test"
  npm test -- "$@"
  exit 0
fi

copy=.node24
log "Running in a separate copy ($copy/) with node_modules rebuilt for Node 24"
mkdir -p "$copy"
rsync -a --delete --exclude /node_modules --exclude "/$copy" --exclude /dist --exclude /dist-dev \
  --exclude /.git --exclude /coverage ./ "$copy/"
# node_modules/. so that a node_modules that is a symbolic link is copied as a directory.
rsync -a --delete node_modules/. "$copy/node_modules/"
cd "$copy"
npm rebuild --foreground-scripts --no-audit --no-fund
native_modules_load || die "the native modules do not load on Node 24 even after npm rebuild"
npm test -- "$@"
