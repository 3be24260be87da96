#!/usr/bin/env bash
# The test command (`npm test`, called by .ci/run). From a fresh clone with only Node and npm it
# installs what it needs (npm packages; Debian packages, Go-built binaries, Node 24 and code-server
# into ${FLUX_WORKBENCH_CACHE:-~/.cache/flux-workbench}), then runs every tier:
#   static checks (types, lint, format) -> unit, LSP and corpus tests -> cluster tests against a real
#   kube-apiserver with the Flux controllers -> end-to-end tests in code-server.
# Ends with one line "Total: N passed, M failed"; exits non-zero when anything failed.
# TEST_TIERS (default "static node cluster e2e") selects tiers.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tiers=" ${TEST_TIERS:-static node cluster e2e} "
results=$root/test-results
mkdir -p "$results"
passed=0
failed=0
failures=()
step() { printf '\n===== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); failures+=("$1"); echo "FAILED: $1"; }
check() { # name command...
  local name=$1; shift
  if "$@"; then ok "$name"; else bad "$name"; fi
}
# Counts node:test results from its TAP file (the spec reporter prints to the console).
node_tests() { # name tapfile args...
  local name=$1 tap=$2; shift 2
  "${NODE_BIN:-node}" --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
  local rc=$?
  local p f
  p=$(grep -E '^# pass ' "$tap" | tail -1 | awk '{print $3}')
  f=$(grep -E '^# fail ' "$tap" | tail -1 | awk '{print $3}')
  p=${p:-0}; f=${f:-0}
  if ((rc != 0 && f == 0)); then f=1; failures+=("$name (runner exit $rc)"); fi
  ((f > 0)) && failures+=("$name: $f failed")
  passed=$((passed + p)); failed=$((failed + f))
  echo "$name: $p passed, $f failed"
}

step "dependencies"
if [[ ! -d node_modules ]]; then
  npm ci --no-audit --no-fund || { echo "npm ci failed"; echo "Total: 0 passed, 1 failed"; exit 1; }
fi

step "build"
if ! node esbuild.mjs --tests; then
  echo "build failed"; echo "Total: $passed passed, $((failed + 1)) failed"; exit 1
fi

if [[ $tiers == *" static "* ]]; then
  step "static checks"
  check "typescript" npx tsc -p .
  check "eslint" npx eslint client/src server/src test
  check "prettier" npx prettier --check .
fi

if [[ $tiers == *" node "* ]]; then
  step "unit, LSP and corpus tests"
  if [[ -f test/build/ensure-flux-cli.sh ]]; then
    # The differential build test compares with the real flux CLI (built once from Go modules).
    bash test/build/ensure-flux-cli.sh || echo "warning: the flux CLI could not be built; the differential test will say so"
  fi
  # The built-in kinds are compared with kubeconform -strict (built once from Go modules).
  bash test/build/ensure-kubeconform.sh || echo "warning: kubeconform could not be built; its comparison test will say so"
  node_tests "node tests" "$results/node-tests.tap" test/out/unit/ test/out/lsp/ test/out/corpus/
fi

if [[ $tiers == *" cluster "* ]]; then
  step "cluster tests (real kube-apiserver, etcd and Flux controllers)"
  if bash test/cluster/ensure-built.sh; then
    node_tests "cluster tests" "$results/cluster-tests.tap" test/cluster/
    # The live engine's tests load @kubernetes/client-node 2.0 (undici 8: Node >= 22.19).
    if node24=$(bash test/build/ensure-node24.sh); then
      NODE_BIN=$node24 node_tests "engine cluster tests" "$results/engine-cluster-tests.tap" "test/out/cluster/**/*.test.js"
    else
      bad "Node >= 22.19 for the engine's cluster tests could not be installed"
    fi
  else
    bad "cluster binaries could not be built (see the log above)"
  fi
fi

if [[ $tiers == *" e2e "* ]]; then
  step "end-to-end tests in code-server"
  node test/e2e/run.mjs 2>&1 | tee "$results/e2e.log"
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/e2e.log" | tail -1)
  if [[ -n $line ]]; then
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
    ((f > 0)) && failures+=("e2e: $f failed")
  else
    bad "e2e (no result line)"
  fi
fi

step "summary"
for f in "${failures[@]}"; do echo "  failed: $f"; done
echo "Total: $passed passed, $failed failed"
((failed == 0))
