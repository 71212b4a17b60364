#!/usr/bin/env bash
# npm run test:simulation -- [--runs N] [--steps M] [--seed S] [--path P] [--replay-path R] [--minutes T] [--verbose]
# The model-based simulation (test/e2e/simulation.e2e-spec.ts) as a long soak or a replay: Jest takes no flags of its
# own for these, so they go to the suite as SIM_* variables. Builds first (the worker runs as the built process).
set -euo pipefail
cd "$(dirname "$0")/.."

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) export SIM_RUNS="$2"; shift 2 ;;
    --steps) export SIM_MAX_COMMANDS="$2"; shift 2 ;;
    --seed) export SIM_SEED="$2"; shift 2 ;;
    --path) export SIM_PATH="$2"; shift 2 ;;
    --replay-path) export SIM_REPLAY_PATH="$2"; shift 2 ;;
    --minutes) export SIM_TIME_LIMIT_SECONDS="$(( $2 * 60 ))"; shift 2 ;;
    --verbose) export SIM_VERBOSE=1; shift ;;
    *) echo "unknown option $1 (use --runs, --steps, --seed, --path, --replay-path, --minutes, --verbose)" >&2; exit 2 ;;
  esac
done
# A soak runs until its sequences are done or its time is up (default: 8 hours).
export SIM_TIME_LIMIT_SECONDS="${SIM_TIME_LIMIT_SECONDS:-28800}"

npm run --silent build
exec npx jest test/e2e/simulation.e2e-spec.ts --selectProjects e2e
